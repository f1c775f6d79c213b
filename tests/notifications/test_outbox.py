import datetime
import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from relais.core.models import AuditEvent, ContactChannel
from relais.notifications import services
from relais.notifications.models import LetterBatch, Message, MessageStatus
from tests.conftest import staff_client
from tests.notifications.conftest import read_sms


def test_an_email_message_is_queued_then_sent_as_text_and_html(resident_with_email, reception_agent):
    message = services.notify(
        person=resident_with_email,
        template="generic",
        context={"subject": "Votre dossier", "text": "Votre dossier est complet."},
        actor=reception_agent,
        attachments=[{"filename": "rdv.ics", "content_type": "text/calendar", "content": "BEGIN:VCALENDAR"}],
    )
    assert message.channel == ContactChannel.EMAIL and message.status == MessageStatus.QUEUED
    assert mail.outbox == []
    assert services.process_due() == {"sent": 1}
    sent = mail.outbox[0]
    assert sent.to == ["marie.dupont@example.org"] and sent.subject == "Votre dossier"
    assert "Bonjour Marie Dupont" in sent.body and "Votre dossier est complet." in sent.body
    assert "Votre dossier est complet." in sent.alternatives[0][0]
    assert sent.attachments[0][0] == "rdv.ics"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at
    assert AuditEvent.objects.filter(action="notifications.message.queued", person_id=resident_with_email.pk).exists()


def test_a_message_is_written_in_the_residents_language(resident_with_email):
    resident_with_email.preferred_language = "en"
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    assert message.language == "en" and message.body.startswith("Hello Marie Dupont")


def test_the_same_dedupe_key_queues_one_message(resident_with_email):
    first = services.notify(
        person=resident_with_email,
        template="generic",
        context={"subject": "S", "text": "T"},
        dedupe_key="case-1-receipt",
    )
    again = services.notify(
        person=resident_with_email,
        template="generic",
        context={"subject": "S", "text": "T"},
        dedupe_key="case-1-receipt",
    )
    assert first == again and Message.objects.filter(dedupe_key="case-1-receipt").count() == 1


def test_an_sms_resident_gets_the_short_text(resident_by_sms, sms_log):
    services.notify(person=resident_by_sms, template="generic", context={"subject": "S", "text": "Rappelez-nous."})
    assert services.process_due() == {"sent": 1}
    [sms] = read_sms(sms_log)
    assert sms["to"] == "+33698765432" and "Rappelez-nous." in sms["text"] and "Bonjour" not in sms["text"]


def test_an_smtp_failure_is_retried_later_and_never_fails_the_caller(resident_with_email, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    assert services.process_due() == {"retry": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1 and "down" in message.last_error
    assert message.next_try_at > timezone.now() + datetime.timedelta(seconds=50)
    assert services.process_due() == {}  # not due yet


def test_after_the_last_try_the_message_goes_by_letter(resident_with_email, settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda *a, **k: (_ for _ in ()).throw(smtplib.SMTPServerDisconnected("down")),
    )
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    services.process_due()
    Message.objects.filter(pk=message.pk).update(next_try_at=timezone.now())
    assert services.process_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    letter = message.fallback
    assert letter.channel == ContactChannel.LETTER and letter.body == message.body
    assert "4 rue des Tilleuls" in letter.to_address
    assert letter in Message.objects.letters_to_print()


def test_a_refused_address_is_not_retried(resident_with_email, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"marie.dupont@example.org": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    assert services.process_due() == {"failed": 1}


def test_a_delivery_claimed_by_another_worker_is_not_sent_twice(resident_with_email):
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    assert services.deliver(message.pk) == "sent"
    assert services.deliver(message.pk) == "not due"
    assert len(mail.outbox) == 1


def test_letters_go_into_a_batch_printed_as_one_pdf_then_marked_posted(resident_by_letter, reception_agent):
    from weasyprint import HTML

    first = services.notify(person=resident_by_letter, template="generic", context={"subject": "Un", "text": "Premier"})
    second = services.notify(
        person=resident_by_letter, template="generic", context={"subject": "Deux", "text": "Second"}
    )
    assert first.channel == ContactChannel.LETTER and services.process_due() == {}
    batch = services.letters_batch_create(actor=reception_agent)
    assert set(batch.letters.all()) == {first, second}
    assert services.letters_batch_create(actor=reception_agent) is None  # nothing left
    html = services.letter_html([first, second])
    assert "12 impasse du Moulin" in html and "37500 VALBRENNE" in html and 'class="envelope large-print"' in html
    assert html.count('class="address"') == 1  # one resident, one envelope
    # Jeanne reads large print: the two letters follow one another on at most two pages.
    assert len(HTML(string=html).render().pages) <= 2
    pdf = services.letters_batch_download(batch=batch, actor=reception_agent)
    assert pdf.startswith(b"%PDF")
    assert services.letters_batch_download(batch=batch, actor=reception_agent) == pdf  # same pages every time
    first.refresh_from_db()
    assert first.status == MessageStatus.PRINTED
    services.letters_batch_mark_posted(batch=batch, actor=reception_agent)
    first.refresh_from_db()
    assert first.status == MessageStatus.SENT and first.sent_at


def test_a_batch_cannot_be_posted_before_it_is_printed(resident_by_letter, reception_agent):
    services.notify(person=resident_by_letter, template="generic", context={"subject": "Un", "text": "T"})
    batch = services.letters_batch_create(actor=reception_agent)
    with pytest.raises(ValueError):
        services.letters_batch_mark_posted(batch=batch, actor=reception_agent)


def test_staff_record_a_call_to_a_resident_without_contact(db, reception_agent):
    from relais.core.models import Person

    person = Person.objects.create(last_name="Sans-Adresse", phone="0247111111", preferred_channel="phone")
    message = services.notify(person=person, template="generic", context={"subject": "S", "text": "Venez signer."})
    assert message.channel == ContactChannel.PHONE and message in Message.objects.to_call()
    services.call_record(message=message, actor=reception_agent, reached=False, notes="répondeur")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and "répondeur" in message.call_notes
    services.call_record(message=message, actor=reception_agent, reached=True)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_the_outbox_screen_lists_calls_and_prints_batches(reception_client, resident_by_letter, db):
    from relais.core.models import Person

    person = Person.objects.create(last_name="Rappel", phone="0247222222", preferred_channel="phone")
    call = services.notify(person=person, template="generic", context={"subject": "À rappeler", "text": "T"})
    services.notify(person=resident_by_letter, template="generic", context={"subject": "Courrier", "text": "T"})
    page = reception_client.get(reverse("notifications:outbox")).content.decode()
    assert "À rappeler" in page and "0247222222" in page
    response = reception_client.post(reverse("notifications:batch_create"))
    assert response.status_code == 302
    batch = LetterBatch.objects.latest("pk")
    pdf = reception_client.get(reverse("notifications:batch_pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert reception_client.post(reverse("notifications:batch_posted", args=[batch.pk])).status_code == 302
    response = reception_client.post(reverse("notifications:call", args=[call.pk]), {"reached": "yes", "notes": ""})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="notifications.letter_batch.downloaded").exists()


def test_a_case_worker_gets_404_on_the_outbox_and_on_messages(case_worker, resident_by_letter):
    client = staff_client(case_worker)
    message = services.notify(person=resident_by_letter, template="generic", context={"subject": "S", "text": "T"})
    assert client.get(reverse("notifications:outbox")).status_code == 404
    assert client.get(reverse("notifications:message_detail", args=[message.pk])).status_code == 404


def test_the_persons_page_lists_the_messages_they_were_sent(reception_client, resident_by_letter, settings):
    message = services.notify(
        person=resident_by_letter, template="generic", context={"subject": "Papiers prêts", "text": "T"}
    )
    page = reception_client.get(resident_by_letter.get_absolute_url()).content.decode()
    # The counter sees that a message went out, not what it says.
    assert "Messages envoyés" in page and f"Message n° {message.pk}" in page and "Papiers prêts" not in page
    settings.RELAIS = {**settings.RELAIS, "RECEPTION_READS_MESSAGES": True}
    page = reception_client.get(resident_by_letter.get_absolute_url()).content.decode()
    assert "Papiers prêts" in page


def test_an_apostrophe_stays_an_apostrophe_in_plain_text(resident_with_email):
    resident_with_email.last_name = "N'Diaye"
    message = services.notify(
        person=resident_with_email, template="generic", context={"subject": "L'école", "text": "C'est prêt & signé."}
    )
    assert message.subject == "L'école" and "N'Diaye" in message.body and "C'est prêt & signé." in message.body
    assert "C&#x27;est" in message.html_body or "C'est" in message.html_body
    assert "&amp;" in message.html_body  # the HTML version is escaped once


def test_an_unexpected_sending_error_is_retried_then_given_up(resident_with_email, settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("backend broken")),
    )
    message = services.notify(person=resident_with_email, template="generic", context={"subject": "S", "text": "T"})
    assert services.process_due() == {"retry": 1}
    Message.objects.filter(pk=message.pk).update(next_try_at=timezone.now())
    assert services.process_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.fallback.channel == ContactChannel.LETTER


def test_staff_never_read_the_residents_personal_links(reception_client, resident_by_letter, settings):
    settings.RELAIS = {**settings.RELAIS, "RECEPTION_READS_MESSAGES": True}
    message = services.notify(
        person=resident_by_letter,
        template="generic",
        context={"subject": "Suivi", "text": "Suivez ici : https://relais.example.fr/suivi/2026-00001/secret-token/"},
    )
    page = reception_client.get(reverse("notifications:message_detail", args=[message.pk])).content.decode()
    assert "secret-token" not in page and "lien personnel" in page


def test_the_outbox_counts_every_failed_message_not_a_page_of_them(reception_client, db):
    """It said "50 messages n'ont pas pu partir" for any number above 50 (a slice's length)."""
    from relais.core.models import Person

    people = Person.objects.bulk_create(
        Person(last_name=f"Injoignable{i}", email=f"i{i}@example.org", preferred_channel="email") for i in range(60)
    )
    Message.objects.bulk_create(
        Message(person=p, channel="email", to_email=p.email, template="generic", subject="S", status="failed")
        for p in people
    )
    page = reception_client.get(reverse("notifications:outbox")).content.decode()
    assert "60 messages n'ont pas pu partir" in page.replace("&#x27;", "'")
