"""The "Injoignables" list: no message is abandoned silently; staff see why, how else to
reach the person, and resend one or all (after an outage)."""

import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from relais.core.models import AuditEvent, ContactChannel, Person
from relais.notifications import services
from relais.notifications.models import Message, MessageStatus
from tests.conftest import staff_client


@pytest.fixture
def email_only(db):
    """A resident reachable by e-mail only: no phone, no address."""
    return Person.objects.create(
        first_name="Lucie", last_name="Sansfil", email="lucie@exemple.invalid", preferred_channel=ContactChannel.EMAIL
    )


@pytest.fixture
def refused(monkeypatch):
    """The mail server refuses the address at every try."""
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda *a, **k: (_ for _ in ()).throw(smtplib.SMTPRecipientsRefused({"x": (550, b"5.1.1 unknown user")})),
    )


def _fail(person, subject="Votre rendez-vous"):
    message = services.notify(person=person, template="generic", context={"subject": subject, "text": "Mardi 10 h"})
    services.process_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    return message


def test_a_message_that_reached_nobody_is_listed_with_the_reason_and_says_there_is_no_number(
    email_only, refused, reception_client
):
    message = _fail(email_only)
    # Nothing else reaches her: the copy waits in the "to call" list with no number.
    assert message.fallback.channel == ContactChannel.PHONE and message.fallback.to_phone == ""
    page = reception_client.get(reverse("notifications:unreachable")).content.decode()
    nobody = page[page.index("Personne ne les a reçus") : page.index("Remplacés par un courrier")]
    assert "SANSFIL Lucie" in nobody and "Votre rendez-vous" in nobody
    assert "L&#x27;adresse a été refusée" in nobody
    assert "aucun numéro" in nobody
    viewed = AuditEvent.objects.filter(action="notifications.outbox.unreachable_viewed").latest("at")
    assert email_only.pk in viewed.details["people"]


def test_the_to_call_entry_shows_the_number_when_the_person_has_one(resident_with_email, refused, reception_client):
    resident_with_email.address = ""
    resident_with_email.phone = "02 47 00 00 00"
    resident_with_email.save(update_fields=["address", "phone"])
    message = _fail(resident_with_email)
    assert message.fallback.channel == ContactChannel.PHONE and message.fallback.to_phone == "02 47 00 00 00"
    page = reception_client.get(reverse("notifications:outbox")).content.decode()
    assert 'href="tel:0247000000"' in page


def test_staff_fix_the_address_then_resend_in_one_click(email_only, refused, reception_client, monkeypatch, settings):
    settings.RELAIS = {**settings.RELAIS, "RECEPTION_READS_MESSAGES": True}  # the counter reads this message
    message = _fail(email_only)
    email_only.email = "lucie.sansfil@example.org"
    email_only.save(update_fields=["email"])
    monkeypatch.undo()
    response = reception_client.post(reverse("notifications:message_retry", args=[message.pk]))
    assert response.status_code == 302
    assert services.process_due() == {"sent": 1}
    assert mail.outbox[-1].to == ["lucie.sansfil@example.org"]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.to_email == "lucie.sansfil@example.org"
    assert AuditEvent.objects.filter(action="notifications.message.retried", person_id=email_only.pk).exists()
    assert "SANSFIL" not in reception_client.get(reverse("notifications:unreachable")).content.decode()


def test_resending_is_allowed_when_a_letter_replaced_it_and_the_waiting_letter_is_cancelled(
    resident_with_email, refused, reception_agent, monkeypatch
):
    message = _fail(resident_with_email)
    letter = message.fallback
    assert letter.channel == ContactChannel.LETTER and letter.status == MessageStatus.QUEUED
    assert services.message_retry(message=message, actor=reception_agent) == services.FALLBACK_CANCELLED
    letter.refresh_from_db()
    assert letter.status == MessageStatus.CANCELLED
    # It fails again: the letter comes back, nothing is lost.
    Message.objects.filter(pk=message.pk).update(attempts=99)
    services.process_due()
    letter.refresh_from_db()
    assert letter.status == MessageStatus.QUEUED


def test_a_letter_already_printed_stays_and_the_page_says_the_person_gets_both(
    resident_with_email, refused, reception_client, reception_agent
):
    message = _fail(resident_with_email)
    services.letters_batch_create(actor=reception_agent)
    response = reception_client.post(reverse("notifications:message_retry", args=[message.pk]), follow=True)
    assert "la personne recevra les deux" in response.content.decode()
    message.fallback.refresh_from_db()
    assert message.fallback.status == MessageStatus.PRINTED


def test_resend_refuses_with_a_french_reason_when_the_record_has_no_address(email_only, refused, reception_client):
    message = _fail(email_only)
    email_only.email = ""
    email_only.phone = "0612345678"
    email_only.preferred_channel = ContactChannel.PHONE
    email_only.save(update_fields=["email", "phone", "preferred_channel"])
    page = reception_client.post(reverse("notifications:message_retry", args=[message.pk]), follow=True)
    assert "corrigez-la d&#x27;abord" in page.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_bulk_resend_after_an_outage_sends_every_failure_since_its_start(
    email_only, resident_with_email, refused, reception_client, monkeypatch
):
    before = _fail(email_only, subject="Avant la panne")
    Message.objects.filter(pk=before.pk).update(created_at=timezone.now() - timezone.timedelta(days=2))
    outage = timezone.localtime() - timezone.timedelta(hours=1)
    during = [_fail(email_only, subject="Pendant 1"), _fail(resident_with_email, subject="Pendant 2")]
    monkeypatch.undo()
    response = reception_client.post(
        reverse("notifications:resend_since"), {"since": outage.strftime("%Y-%m-%dT%H:%M")}, follow=True
    )
    assert "2 messages vont être renvoyés." in response.content.decode()
    assert services.process_due() == {"sent": 2}
    assert {m.subject for m in mail.outbox} == {"Pendant 1", "Pendant 2"}
    before.refresh_from_db()
    assert before.status == MessageStatus.FAILED
    assert all(Message.objects.get(pk=m.pk).status == MessageStatus.SENT for m in during)


def test_bulk_resend_without_a_date_says_so_beside_the_field(reception_client):
    response = reception_client.post(reverse("notifications:resend_since"), {"since": "hier"})
    assert response.status_code == 400
    assert "Écrivez la date et l&#x27;heure" in response.content.decode()


def test_a_manager_resends_only_what_they_may_see(email_only, refused, manager):
    message = _fail(email_only)  # about no record of the manager's team
    response = staff_client(manager).post(reverse("notifications:message_retry", args=[message.pk]))
    assert response.status_code == 404
    assert "SANSFIL" not in staff_client(manager).get(reverse("notifications:unreachable")).content.decode()


def test_staff_who_see_only_the_envelope_do_not_send_it_to_a_new_address(email_only, refused, reception_client):
    """Re-addressed to a record the counter can edit, another team's message would go to an
    address of the agent's choosing: the counter resends it only where it was going."""
    message = _fail(email_only)
    email_only.email = "quelqu.un.d.autre@example.org"
    email_only.save(update_fields=["email"])
    page = reception_client.post(reverse("notifications:message_retry", args=[message.pk]), follow=True)
    assert "demandez à l&#x27;équipe qui l&#x27;a écrit de le renvoyer" in page.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.to_email == "lucie@exemple.invalid"


def test_staff_who_see_only_the_envelope_resend_to_the_same_address_after_an_outage(
    email_only, refused, reception_client, monkeypatch
):
    message = _fail(email_only)
    monkeypatch.undo()  # the mail server is back
    reception_client.post(reverse("notifications:message_retry", args=[message.pk]))
    assert services.process_due() == {"sent": 1}
    assert mail.outbox[-1].to == ["lucie@exemple.invalid"]
