"""Twenty partner registrations through the API in the same instant on a 3-seat workshop,
with a partner retrying one more registration four times at once: 3 confirmed, the other
18 waitlisted in order, no error, and the retried one registered once.

Runs on a database of its own (see tests/api/partner_rush_worker.py and the
`throwaway_database_url` fixture): SQLite, or PostgreSQL when DATABASE_URL points at it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THREADS, RETRIES, CAPACITY = 20, 4, 3


def test_concurrent_api_registrations_never_exceed_the_seats_and_a_retry_registers_once(
    throwaway_database_url, tmp_path
):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.api.partner_rush_worker", "--threads", str(THREADS),
         "--retries", str(RETRIES), "--capacity", str(CAPACITY)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["errors"] == [] and result["statuses"] == [201]
    # THREADS + 1 registrations (the retried one counts once): the seats, then the waitlist.
    assert result["confirmed"] == CAPACITY and result["waitlisted"] == THREADS + 1 - CAPACITY
    assert result["counter"] == result["confirmed_rows"] == CAPACITY
    # The retried registration: one row, the same reply to every retry.
    assert len(result["retried_ids"]) == 1 and len(result["retried_statuses"]) == 1
    assert result["rows"] == THREADS + 1
    assert result["positions"] == list(range(1, THREADS + 1 - CAPACITY + 1))
