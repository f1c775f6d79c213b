"""kill -9 of a real `relais db_worker` in the middle of sending an e-mail: another worker
(not the cron sweeper) sends it once the lease is over, once, with the same Message-ID,
and the task left RUNNING is recovered. On the suite's database kind (SQLite or PostgreSQL)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from relais.core.models import ContactChannel, Person
from relais.notifications import services
person = Person.objects.create(first_name="Ana", email="ana@example.org", preferred_channel=ContactChannel.EMAIL)
print(services.notify(person=person, template="generic", context={"subject": "S", "text": "T"}).pk)
"""

STATE = """
import json
from django_tasks_db.models import DBTaskResult
from relais.notifications.models import Message
m = Message.objects.get(pk=%d)
print(json.dumps({"status": m.status, "attempts": m.attempts,
                  "running": DBTaskResult.objects.filter(status="RUNNING").count()}))
"""


def _last_json(completed) -> dict:
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _wait_for(predicate, what: str, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while not predicate():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_a_worker_killed_mid_send_is_replaced_and_the_message_goes_once(throwaway_database_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": throwaway_database_url,
        "RELAIS_VAR_DIR": str(tmp_path),
        "TASKS_BACKEND": "django_tasks_db.backend.DatabaseBackend",
        "EMAIL_BACKEND": "tests.notifications.hanging_mail.EmailBackend",
        "HANG_MARKER": str(tmp_path / "hanging"),
        "MAIL_LOG": str(tmp_path / "sent.log"),
        "SITE_URL": "https://relais.valbrenne.fr",
        "OUTBOX_LEASE_SECONDS": "2",
        "TASKS_STUCK_AFTER_MINUTES": "0",
    }

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    assert manage("migrate", "--noinput").returncode == 0
    created = manage("shell", "-c", SETUP)
    assert created.returncode == 0, created.stderr[-2000:]
    message_id = int(created.stdout.strip().splitlines()[-1])

    def start_worker(name):
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload",
             "--worker-id", name],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    first = start_worker("first")
    try:
        _wait_for(lambda: Path(env["HANG_MARKER"]).exists(), "the first worker to start sending")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    first_try_id = Path(env["HANG_MARKER"]).read_text().strip()
    time.sleep(2.5)  # the lease of the dead worker's send runs out (setup, not an assertion)

    second = start_worker("second")
    try:
        _wait_for(lambda: Path(env["MAIL_LOG"]).exists(), "the second worker to send the message")
        _wait_for(
            lambda: _last_json(manage("shell", "-c", STATE % message_id))["running"] == 0,
            "the task left running to be recovered and run",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    state = _last_json(manage("shell", "-c", STATE % message_id))
    assert state["status"] == "sent" and state["attempts"] == 2
    assert Path(env["MAIL_LOG"]).read_text().splitlines() == [first_try_id]
    assert first_try_id.startswith(f"<relais-message-{message_id}.") and first_try_id.endswith("@relais.valbrenne.fr>")
