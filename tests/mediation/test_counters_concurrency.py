"""Two agents booking the last counter of a slot in the same instant: one gets it, the other
is told the slot is taken; never three people at two counters (the counter is chosen under
the opening's lock, and the partial unique index on (opening, start, counter) is the
database's last word); one contact never holds two appointments of a type capped at one,
even booked at two openings in the same instant. Runs tests/mediation/counters_worker.py on a throw-away database."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_last_counter_goes_to_one_of_two_agents_booking_at_once(throwaway_database_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.mediation.counters_worker"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["first"] == "booked"
    assert result["last_counter"] == ["booked", "taken"]
    assert result["last_counter_rows"] == [1, 2]
    assert result["rush"] == ["booked", "booked", "taken", "taken", "taken"]
    assert result["rush_rows"] == [1, 2]
    # One contact, a type capped at one, two openings at once: the type's row is locked.
    assert result["cap_race"] == ["booked", "capped"]
