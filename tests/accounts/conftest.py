# The live server of the FranceConnect / ProConnect tests (tests/accounts/test_oidc_flow.py).
from tests.oidc_provider.server import live_relais  # noqa: F401 - a fixture, found by its name
