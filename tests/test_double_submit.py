"""Double submits: every create a person can make from a form, sent 2 and 5 times in the
same instant (threads at a barrier, each with its own connection and session), makes one
record, at most one Person and one message, and answers every click with the same
success page — never an error page.

Runs tests/double_submit_worker.py once, on a throw-away database of the suite's kind (a
SQLite file, or PostgreSQL when DATABASE_URL points at one): the suite's own test
transactions would hide the other threads' work.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.double_submit_worker import ATTEMPTS, SCENARIOS

ROOT = Path(__file__).resolve().parents[1]

# What one submission of each form makes: (new people, new outbox messages).
MAKES = {
    "online_request": (1, 1),  # the resident, the receipt
    "online_request_funnel": (1, 1),  # the same, and "sent" counted once in the funnel
    "staff_request": (0, 1),  # the receipt
    "counter_person": (1, 0),
    "mandate": (0, 1),  # the consent code
    "online_appointment": (1, 1),  # the resident, the confirmation
    "staff_appointment": (0, 1),
    "online_registration": (1, 1),
    "staff_registration": (0, 1),
    "case_message": (0, 1),
    "case_note": (0, 0),  # agents only: nobody is written to
    "resident_reply": (0, 0),
    "case_document": (0, 0),
    "case_correction": (0, 1),  # the message with the link to the question
    "correction_answer": (0, 0),
    "accompaniment": (0, 0),
    "online_listing": (0, 1),  # "received, waiting for review"
    "staff_listing": (0, 1),
    "relayed_answer": (0, 1),  # the author is told
    "relayed_reply": (0, 1),
    "share_link": (0, 0),  # the same link, shown again to every click
    "typed_code_request": (1, 1),  # the resident, the code (the slot is not held yet)
    "typed_code_confirm": (0, 1),  # the confirmation (the person came with the code)
    "staff_typed_appointment": (0, 1),
    "me_too": (0, 0),  # counted once for one browser session, nothing about the visitor kept
    "page_feedback": (0, 0),  # one answer per page, day and connection; no cookie, no person
    "application_create": (0, 0),  # the application and its key (shown to the first click only)
    "key_rotate": (0, 0),
    "webhook_create": (0, 0),
}


def _database_url(tmp: Path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'double.sqlite3'}", None
    import psycopg

    parts = urlsplit(url)
    name = f"relais_double_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


@pytest.fixture(scope="module")
def fired(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("double")
    url, drop = _database_url(tmp)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": url, "RELAIS_VAR_DIR": str(tmp)}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "tests.double_submit_worker"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        if drop:
            drop()
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_every_scenario_says_what_one_submission_makes():
    assert set(MAKES) == set(SCENARIOS)


@pytest.mark.parametrize("attempts", ATTEMPTS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_same_form_sent_at_once_makes_one_record_and_one_page(fired, scenario, attempts):
    result = fired[scenario][str(attempts)]
    people, messages = MAKES[scenario]
    assert len(result["statuses"]) == attempts
    assert all(isinstance(s, int) and 200 <= s < 400 for s in result["statuses"]), result["statuses"]
    assert len(result["pages"]) == 1, result["pages"]  # every click lands on the same success page
    assert result["records"] == 1
    assert result["people"] == people
    assert result["messages"] == messages
    assert result["documents"] == (1 if scenario == "case_document" else 0)
