"""Settings of the servers that tests start in another process (tests/api/test_schema.py):
the suite's, with static files read from the source tree as in tests/conftest.py."""

from tests.settings import *  # noqa: F403
from tests.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
