"""Settings of the test suite: production settings, read from this environment.

The suite never reads the developer's .env. Background tasks are only recorded (tests
run the outbox explicitly), SMS go to a file, e-mails stay in memory.
"""

import os
import tempfile

for key, value in {
    "RELAIS_DOTENV": "",
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-not-for-production-use-0123456789",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
    "SMS_BACKEND": "relais.notifications.sms.FileBackend",
    "RELAIS_VAR_DIR": tempfile.mkdtemp(prefix="relais-tests-"),
    # WhiteNoise wants the folder to exist; tests read static files from the source tree.
    "STATIC_ROOT": tempfile.mkdtemp(prefix="relais-static-"),
}.items():
    os.environ.setdefault(key, value)

from relais.settings import *  # noqa: E402, F403

# FranceConnect / ProConnect (tests/accounts/test_oidc*.py): allauth's socialaccount app, as
# installed when a provider is configured, and a real OpenID provider for the tests to log
# in at (django-oauth-toolkit, tests/oidc_provider/), mounted by tests.oidc_provider.urls.
# No provider is configured here: the tests configure one against the live server.
_SOCIALACCOUNT = ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]
INSTALLED_APPS = [*INSTALLED_APPS, *[a for a in _SOCIALACCOUNT if a not in INSTALLED_APPS], "oauth2_provider"]  # noqa: F405
from tests.oidc_provider.keys import OAUTH2_PROVIDER  # noqa: E402, F401
