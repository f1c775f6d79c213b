"""The registration rush against a real database: 4 processes × 20 threads register for a
5-seat workshop in the same instant, then 20 threads try to book the same slot; then seats
are given back while others register, and a day is cancelled while its slots are booked.

Runs on the database the suite runs on: a throw-away SQLite file (WAL, IMMEDIATE
transactions), or a throw-away PostgreSQL database next to the test one when
DATABASE_URL points at PostgreSQL. The suite's own database is not touched (its test
transactions would hide other connections' work).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, THREADS, CAPACITY = 4, 20, 5


def test_a_rush_never_exceeds_the_capacity_and_a_slot_is_booked_once(throwaway_database_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.mediation.rush_worker", "--processes", str(PROCESSES),
         "--threads", str(THREADS), "--capacity", str(CAPACITY)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    attempts = PROCESSES * THREADS
    assert result["errors"] == []
    assert result["confirmed"] == CAPACITY and result["waitlisted"] == attempts - CAPACITY
    assert result["counter"] == CAPACITY and result["confirmed_rows"] == CAPACITY
    assert result["waitlist_positions"] == list(range(1, attempts - CAPACITY + 1))
    assert result["slot_errors"] == []
    assert result["slot_booked"] == 1 and result["slot_taken"] == THREADS - 1 and result["slot_rows"] == 1
    assert result["check_refused"] is True
    # Seats given back while others register: never above the capacity, promotions in order.
    assert result["churn_errors"] == []
    assert result["churn_counter"] == result["churn_confirmed_rows"] == CAPACITY
    assert result["churn_promoted_in_order"] is True and result["churn_positions"] is True
    # A day cancelled while its slots are being booked: nothing stays booked on it.
    assert result["day_errors"] == [] and result["day_cancelled"] == 1
    assert result["day_active_left"] == 0
