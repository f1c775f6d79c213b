# The live server of the FranceConnect / ProConnect tests (tests/accounts/test_oidc_flow.py).
import time

import pytest
from allauth.mfa.totp.internal import auth as totp

from tests.oidc_provider.server import live_relais  # noqa: F401 - a fixture, found by its name


@pytest.fixture(autouse=True)
def steady_totp_step(monkeypatch) -> int:
    """The server checks TOTP codes against the time step of the test's start, not the wall
    clock: a code a test computes and the server checks a moment later would fail whenever
    the two straddle a 30-second boundary (it did, once in a CI run). The browser tests do
    the same through a file (tests/browser/totp_clock.py)."""
    step = int(time.time()) // 30
    monkeypatch.setattr(totp, "yield_hotp_counters_from_time", lambda: iter([step]))
    return step


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, as the server checks it (`steady_totp_step`)."""
    return totp.format_hotp_value(totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time())))
