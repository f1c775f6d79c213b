"""The worker heals itself: a send left half-done by a killed worker is taken again by the
worker, tasks left running are run again, and a repeated send keeps its Message-ID."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from relais.notifications import services, worker
from relais.notifications.models import Message, MessageStatus, WorkerHeartbeat
from relais.notifications.tasks import deliver_message


def _queued(person):
    return services.notify(person=person, template="generic", context={"subject": "S", "text": "T"})


def test_the_message_id_is_the_same_at_every_try(resident_with_email, monkeypatch, settings):
    settings.SITE_URL = "https://relais.valbrenne.fr"
    message = _queued(resident_with_email)
    calls = []

    def flaky(backend, messages):
        calls.append(messages[0].extra_headers["Message-ID"])
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return 1

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", flaky)
    assert services.process_due() == {"retry": 1}
    Message.objects.filter(pk=message.pk).update(next_try_at=timezone.now())
    assert services.process_due() == {"sent": 1}
    assert calls == [services.email_message_id(message)] * 2
    assert calls[0].startswith(f"<relais-message-{message.pk}.") and calls[0].endswith("@relais.valbrenne.fr>")
    message.refresh_from_db()
    assert message.provider_id == calls[0]


def test_a_send_claimed_by_a_worker_that_died_is_taken_again_by_the_worker(resident_with_email, settings):
    message = _queued(resident_with_email)
    # A worker claimed it (attempt 1, lease taken) and was killed before sending.
    claimed_at = timezone.now() - datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    Message.objects.filter(pk=message.pk).update(
        attempts=1, next_try_at=claimed_at + datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    )
    counts = worker.housekeeping("worker-a")
    assert counts["sent"] == 1
    assert mail.outbox[0].subject == "S"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_a_send_whose_lease_is_running_is_left_to_its_worker(resident_with_email):
    message = _queued(resident_with_email)
    Message.objects.filter(pk=message.pk).update(attempts=1, next_try_at=timezone.now() + services.lease())
    assert "sent" not in worker.housekeeping("worker-b")
    assert mail.outbox == []


def test_the_worker_loop_writes_its_heartbeat(db):
    worker.housekeeping("worker-c")
    beat = WorkerHeartbeat.objects.get(worker_id="worker-c")
    assert timezone.now() - beat.beat_at < datetime.timedelta(minutes=1)


@pytest.fixture
def running_task(resident_with_email):
    message = _queued(resident_with_email)
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [message.pk], "kwargs": {}},
        task_path=deliver_message.module_path,
        queue_name="default",
        run_after=timezone.now(),
        backend_name="default",
    )
    task.claim("dead-worker")  # RUNNING, as when the worker was killed mid-task
    return task


def test_a_task_left_running_by_a_dead_worker_is_run_again(running_task, settings):
    later = timezone.now() + datetime.timedelta(minutes=settings.TASKS_STUCK_AFTER_MINUTES + 1)
    assert worker.tasks_recover_stuck(now=later) == 1
    running_task.refresh_from_db()
    assert running_task.status == "READY"


def test_a_task_of_a_worker_still_beating_is_left_alone(running_task, settings):
    later = timezone.now() + datetime.timedelta(minutes=settings.TASKS_STUCK_AFTER_MINUTES + 1)
    worker.beat("dead-worker", now=later)  # not dead after all: it is busy with a long task
    assert worker.tasks_recover_stuck(now=later) == 0
    running_task.refresh_from_db()
    assert running_task.status == "RUNNING"


def test_a_new_message_never_shares_the_message_id_of_an_older_one_with_its_number(db, resident_with_email):
    """After a restore, the database gives old numbers again: the id of a new message must
    differ from the one an e-mail already sent under that number carried."""
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "A", "text": "B"})
    before = services.email_message_id(message)
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at + datetime.timedelta(days=3))
    message.refresh_from_db()
    assert services.email_message_id(message) != before
