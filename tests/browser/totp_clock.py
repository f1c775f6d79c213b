"""The test server's TOTP clock, set by the tests instead of read from the wall clock.

A code computed from `time.time()` by a test and checked by the server a moment later
fails whenever the two straddle a 30-second boundary. The browser tests' server instead
reads the TOTP time step from a file (RELAIS_TEST_TOTP_CLOCK) that `next_code` advances
before each login: the code typed is always the one the server expects, and never one it
has already seen (allauth refuses a code used twice within a period).
"""

import os
from pathlib import Path

VARIABLE = "RELAIS_TEST_TOTP_CLOCK"
START = 60_000_000  # a time step far from today's: a real-clock code never matches


def _counters_from_file():
    yield int(Path(os.environ[VARIABLE]).read_text())


def install() -> None:
    """In the server process, once Django is set up: validate TOTP codes against the file's
    time step only."""
    from allauth.mfa.totp.internal import auth

    auth.yield_hotp_counters_from_time = _counters_from_file


def next_code(clock: Path, secret: str) -> str:
    """In the test: move the server's clock one step on and return the code for that step."""
    from allauth.mfa.totp.internal import auth

    step = int(clock.read_text()) + 1 if clock.exists() else START
    clock.write_text(str(step))
    return auth.format_hotp_value(auth.hotp_value(secret, step))
