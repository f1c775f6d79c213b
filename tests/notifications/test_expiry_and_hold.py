"""Messages that lose their meaning expire; late ones say so; a held outbox waits for staff.
And /healthz/deep shows a monitor whether the worker is alive and what is waiting."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from relais.core.models import AuditEvent
from relais.mediation.services import reminders
from relais.notifications import services, worker
from relais.notifications.models import Message, MessageStatus, WorkerHeartbeat
from tests.conftest import staff_client
from tests.mediation.test_reminders import _appointment


def test_a_reminder_is_never_sent_after_its_appointment_began(resident_with_email, monkeypatch):
    appointment = _appointment(resident_with_email, days_ahead=1)
    reminders.reminders_send()
    reminder = Message.objects.get(template="mediation_appointment_reminder", person=resident_with_email)
    assert reminder.expires_at == appointment.starts_at
    # The mail server is down until after the appointment has begun.
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda *a, **k: (_ for _ in ()).throw(smtplib.SMTPServerDisconnected("down")),
    )
    assert services.process_due() == {"retry": 1}
    monkeypatch.undo()
    # It is now past the start (moved back in time rather than waiting): the retry is due.
    Message.objects.filter(pk=reminder.pk).update(
        next_try_at=timezone.now(), expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.process_due() == {"expired": 1}
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.EXPIRED
    assert not Message.objects.filter(fallback_of=reminder).exists()
    assert AuditEvent.objects.filter(action="notifications.message.expired", person_id=resident_with_email.pk).exists()


def test_an_expired_letter_reminder_is_not_printed(resident_by_letter, reception_agent):
    _appointment(resident_by_letter, days_ahead=3)
    reminders.reminders_send()
    letter = Message.objects.get(template="mediation_appointment_reminder", person=resident_by_letter)
    Message.objects.filter(pk=letter.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    Message.objects.exclude(pk=letter.pk).filter(status=MessageStatus.QUEUED, channel="letter").delete()
    assert services.letters_batch_create(actor=reception_agent) is None
    letter.refresh_from_db()
    assert letter.status == MessageStatus.EXPIRED


def test_the_staff_see_an_expired_message_as_sans_objet(resident_with_email, reception_client):
    message = services.notify(
        person=resident_with_email,
        template="generic",
        context={"subject": "Rappel", "text": "T"},
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    services.process_due()
    page = reception_client.get(reverse("notifications:message_detail", args=[message.pk])).content.decode()
    assert "Sans objet" in page


def test_a_confirmation_sent_late_says_it_was_delayed(resident_with_email, settings):
    settings.OUTBOX_LATE_NOTICE_MINUTES = 60
    on_time = services.notify(person=resident_with_email, template="generic", context={"subject": "A", "text": "T"})
    late = services.notify(person=resident_with_email, template="generic", context={"subject": "B", "text": "T"})
    Message.objects.filter(pk=late.pk).update(created_at=timezone.now() - datetime.timedelta(hours=3))
    services.process_due()
    sent = {m.subject: m for m in mail.outbox}
    assert sent["B"].body.startswith("Ce message part en retard : il a été écrit le ")
    assert "Ce message part en retard" in sent["B"].alternatives[0][0]
    assert "retard" not in sent["A"].body
    late.refresh_from_db()
    assert late.body.startswith("Ce message part en retard")  # what was sent is what staff see
    on_time.refresh_from_db()
    assert on_time.status == MessageStatus.SENT and "retard" not in on_time.body


# ---------------------------------------------------------------- held outbox


@pytest.fixture
def waiting(resident_with_email, resident_by_letter):
    return [
        services.notify(person=resident_with_email, template="generic", context={"subject": "E", "text": "T"}),
        services.notify(person=resident_by_letter, template="generic", context={"subject": "L", "text": "T"}),
    ]


def test_held_messages_are_skipped_by_the_worker_and_the_print_run(waiting, reception_agent):
    held = services.hold_queued(reason="Restauration du 4 décembre")
    assert held >= 2
    assert services.process_due() == {}
    assert mail.outbox == []
    assert services.letters_batch_create(actor=reception_agent) is None
    assert {Message.objects.get(pk=m.pk).status for m in waiting} == {MessageStatus.HELD}
    assert AuditEvent.objects.filter(action="notifications.outbox.held").exists()


def test_the_release_command_sends_them(waiting):
    services.hold_queued(reason="restore")
    call_command("outbox_release", stdout=open("/dev/null", "w"))
    assert services.process_due().get("sent") == 1
    assert [m.subject for m in mail.outbox] == ["E"]


def test_the_release_command_can_discard_them(waiting):
    services.hold_queued(reason="restore")
    call_command("outbox_release", "--discard", stdout=open("/dev/null", "w"))
    assert services.process_due() == {}
    assert {Message.objects.get(pk=m.pk).status for m in waiting} == {MessageStatus.CANCELLED}


def test_an_administrator_releases_them_from_the_staff_page(waiting, admin_client):
    services.hold_queued(reason="Restauration du 4 décembre")
    page = admin_client.get(reverse("notifications:held")).content.decode()
    assert "Restauration du 4 décembre" in page and "Courriel : 1" in page
    assert admin_client.post(reverse("notifications:held"), {}).status_code == 400
    admin_client.post(reverse("notifications:held"), {"decision": "release"})
    assert not Message.objects.filter(status=MessageStatus.HELD).exists()
    assert AuditEvent.objects.filter(action="notifications.outbox.released").exists()


def test_only_administrators_open_the_held_page(reception_agent):
    assert staff_client(reception_agent).get(reverse("notifications:held")).status_code in (403, 404)


# ---------------------------------------------------------------- monitoring


def test_healthz_deep_reports_a_dead_worker_with_a_503(client, db, settings):
    WorkerHeartbeat.objects.all().delete()
    response = client.get("/healthz/deep")
    assert response.status_code == 503 and response.json()["status"] == "worker_down"
    old = timezone.now() - datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5)
    worker.beat("w", now=old)
    assert client.get("/healthz/deep").status_code == 503


def test_healthz_deep_reports_the_backlog_and_no_personal_data(client, resident_with_email):
    services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    worker.beat("w")
    response = client.get("/healthz/deep")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "ok" and data["worker_alive"] is True
    assert data["outbox_queued"] >= 1 and data["outbox_oldest_queued_age_seconds"] is not None
    assert "marie" not in response.content.decode().lower()


def test_healthz_deep_asks_for_the_token_when_one_is_set(client, db, settings):
    settings.HEALTHZ_TOKEN = "s3cret"
    worker.beat("w")
    assert client.get("/healthz/deep").status_code == 403
    assert client.get("/healthz/deep?token=s3cret").status_code == 200
    assert client.get("/healthz/deep", headers={"X-Healthz-Token": "s3cret"}).status_code == 200


def test_the_held_page_names_every_reason_and_counts_by_channel(waiting, admin_client, resident_with_email):
    services.hold_queued(reason="Restauration du 4 décembre")
    services.notify(person=resident_with_email, template="generic", context={"subject": "E2", "text": "T"})
    services.hold_queued(reason="Restauration du 5 décembre")
    page = admin_client.get(reverse("notifications:held")).content.decode()
    assert "3 messages attendent votre décision" in page
    assert "Restauration du 4 décembre, Restauration du 5 décembre" in page
    assert "Courriel : 2" in page and "Courrier postal : 1" in page and "SMS :" not in page


def test_a_long_held_outbox_is_counted_up_to_the_cap(waiting, admin_client, settings, monkeypatch):
    from relais.core import paging

    monkeypatch.setattr(paging.capped_count, "__defaults__", (1,))  # a cap of 1 message
    services.hold_queued(reason="Restauration")
    page = admin_client.get(reverse("notifications:held")).content.decode().replace("\u202f", " ")
    assert "plus de 1 messages attendent votre décision" in page
