"""Who may read a message to a resident, its letter and the print batches.

A message is readable by the staff who may see its subject (the case's team, the mediation
team for bookings, moderators for the board); the counter, who prints and posts, sees every
envelope but not what other teams wrote; a print batch is opened only by those who print.
"""

import pytest
from django.urls import reverse

from relais.cases.models import Case
from relais.core.models import AuditEvent
from relais.mediation.models import Appointment
from relais.notifications import services
from relais.notifications.models import LetterBatch, Message
from tests.conftest import staff_client


@pytest.fixture
def civil_case(db):
    """A request at État civil that no agent recorded (so no agent follows it but its team)."""
    case = Case.objects.get(form__slug="attestation-accueil", status="in_progress")
    Case.objects.filter(pk=case.pk).update(recorded_by=None, channel="online")
    return case


@pytest.fixture
def civil_letter(civil_case, resident_by_letter, case_worker):
    """A letter from État civil about a case, to a resident who reads on paper."""
    Case.objects.filter(pk=civil_case.pk).update(person=resident_by_letter)
    return services.notify(
        person=resident_by_letter,
        template="generic",
        context={"subject": "Votre passeport", "text": "Votre passeport est prêt au guichet 3."},
        related=civil_case,
        actor=case_worker,
    )


def test_the_team_of_the_case_reads_the_message_and_its_letter(civil_letter, case_worker):
    client = staff_client(case_worker)
    page = client.get(reverse("notifications:message_detail", args=[civil_letter.pk])).content.decode()
    assert "Votre passeport est prêt" in page
    pdf = client.get(reverse("notifications:message_letter", args=[civil_letter.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_other_teams_get_404_on_the_message_and_its_letter(
    civil_letter, other_case_worker, advisor, moderator, manager
):
    for user in (other_case_worker, advisor, moderator, manager):
        client = staff_client(user)
        assert client.get(reverse("notifications:message_detail", args=[civil_letter.pk])).status_code == 404
        assert client.get(reverse("notifications:message_letter", args=[civil_letter.pk])).status_code == 404


def test_the_counter_sees_the_envelope_not_the_content(civil_letter, reception_client, settings):
    page = reception_client.get(reverse("notifications:message_detail", args=[civil_letter.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "MARTIN Jeanne" in text and "Courrier postal" in text
    assert "Votre passeport" not in text and "guichet 3" not in text
    assert reception_client.get(reverse("notifications:message_letter", args=[civil_letter.pk])).status_code == 404
    event = AuditEvent.objects.filter(action="notifications.message.viewed", object_id=str(civil_letter.pk)).latest(
        "pk"
    )
    assert event.details == {"envelope_only": True}
    # A town may decide that its counter reads everything.
    settings.RELAIS = {**settings.RELAIS, "RECEPTION_READS_MESSAGES": True}
    text = reception_client.get(reverse("notifications:message_detail", args=[civil_letter.pk])).content.decode()
    assert "guichet 3" in text


def test_only_the_counter_opens_print_batches(civil_letter, reception_agent, manager, administrator, case_worker):
    batch = services.letters_batch_create(actor=reception_agent)
    for user in (manager, administrator, case_worker):
        client = staff_client(user)
        assert client.get(reverse("notifications:batch_pdf", args=[batch.pk])).status_code == 404
        assert client.post(reverse("notifications:batch_posted", args=[batch.pk])).status_code == 404
        assert client.post(reverse("notifications:batch_create")).status_code == 404
    response = staff_client(reception_agent).get(reverse("notifications:batch_pdf", args=[batch.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="notifications.letter_batch.downloaded", object_id=str(batch.pk))
    assert civil_letter.person_id in event.details["people"]
    assert LetterBatch.objects.filter(pk=batch.pk, downloaded_at__isnull=False).exists()


@pytest.fixture
def booking_message(resident_with_email):
    appointment = Appointment.objects.filter(team__slug="mediation").first()
    return services.notify(
        person=appointment.person,
        template="generic",
        context={"subject": "Votre rendez-vous numérique", "text": "Mardi 10 h"},
        related=appointment,
    )


def test_a_manager_outbox_lists_only_failures_about_their_team(civil_letter, booking_message, manager, case_worker):
    mediation_failure = booking_message
    failed = {"status": "failed", "channel": "email", "to_email": "x@example.org"}
    Message.objects.filter(pk=civil_letter.pk).update(subject="Échec état civil", **failed)
    Message.objects.filter(pk=mediation_failure.pk).update(subject="Échec médiation", **failed)
    page = staff_client(manager).get(reverse("notifications:outbox")).content.decode()
    assert "Préparer le lot" not in page and "Lots de courriers" not in page
    page = staff_client(manager).get(reverse("notifications:unreachable")).content.decode()
    assert "Échec médiation" in page and "Échec état civil" not in page
    assert staff_client(case_worker).get(reverse("notifications:outbox")).status_code == 404


def test_the_person_page_lists_only_the_messages_the_viewer_may_read(civil_letter, case_worker, advisor):
    person = civil_letter.person
    other = services.notify(
        person=person, template="generic", context={"subject": "Atelier numérique", "text": "T"}, related=None
    )
    page = staff_client(case_worker).get(person.get_absolute_url())
    # A case worker reaches the person through the case of their team.
    assert page.status_code == 200
    text = page.content.decode()
    assert "Votre passeport" in text
    assert "Atelier numérique" not in text and f"Message n° {other.pk}" not in text
    text = staff_client(advisor).get(person.get_absolute_url()).content.decode()
    assert "Votre passeport" not in text and f"Message n° {civil_letter.pk}" not in text


def test_a_mediation_booking_message_is_read_by_the_mediation_team_only(
    booking_message, advisor, case_worker, reception_client
):
    message = booking_message
    url = reverse("notifications:message_detail", args=[message.pk])
    assert message.subject in staff_client(advisor).get(url).content.decode()
    assert staff_client(case_worker).get(url).status_code == 404
    assert message.subject not in reception_client.get(url).content.decode()


def test_account_emails_are_nobodys_business(reception_client, administrator):
    message = services.send_email(to="someone@example.org", subject="Code", body="123456")
    for client in (reception_client, staff_client(administrator)):
        assert client.get(reverse("notifications:message_detail", args=[message.pk])).status_code == 404
