"""Nobody can run up the town's bill or flood a queue through online requests: limits per
connection and per destination, a cap on documents, and a "spam" action for the team."""

from html import unescape

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from relais.cases import services
from relais.cases.models import Case, Document, Draft, EventKind, Form
from relais.core.http import OutOfReach
from relais.core.models import AuditEvent, BlockedSender, Channel, Person
from relais.notifications.models import Message
from tests.cases.conftest import pdf_file
from tests.cases.test_online_journey import answer_ccas
from tests.conftest import staff_client


def file_ccas(client, *, ip="203.0.113.7", **contact):
    """A request to the CCAS sent online without an account; returns the check page's response."""
    contact = {"first_name": "Léa", "last_name": "Roux", "preferred_channel": "email", "email": "lea@example.org"} | (
        contact
    )
    contact_url = answer_ccas(client, Form.objects.get(slug="rendez-vous-ccas"))
    check_url = client.post(contact_url, contact)["Location"]
    return client.post(check_url, REMOTE_ADDR=ip)


def big_pdf(name, size):
    return pdf_file(name, b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n")


# ---------------------------------------------------------------- per connection


def test_a_connection_sends_five_requests_an_hour_then_reads_why_and_keeps_its_draft(client, ccas_form, settings):
    people, cases = Person.objects.count(), Case.objects.count()
    for n in range(5):
        assert file_ccas(client, email=f"lea{n}@example.org").status_code == 302
    refused = file_ccas(client, email="lea5@example.org")
    html = unescape(refused.content.decode())
    assert refused.status_code == 429
    assert "Trop de demandes sont parties de cette connexion dans l'heure" in html
    assert settings.RELAIS["TOWN_PHONE"] in html and "Votre demande n'est pas perdue" in html
    assert Case.objects.count() == cases + 5 and Person.objects.count() == people + 5  # nothing made for the 6th
    draft = Draft.objects.filter(case__isnull=True).latest("created_at")
    assert draft.data["contact"]["email"] == "lea5@example.org" and draft.data["answers"]["motif"] == "Logement"
    assert "Mon propriétaire veut vendre." in html  # the answers are still on the page
    # another connection is not held back by this one
    check_url = reverse("cases:check", args=[ccas_form.slug, draft.key])
    assert client.post(check_url, REMOTE_ADDR="198.51.100.4").status_code == 302


def test_a_connection_has_a_daily_limit_too(client, ccas_form, settings):
    settings.RELAIS = {**settings.RELAIS, "CASES_ONLINE_PER_IP_HOUR": 0, "CASES_ONLINE_PER_IP_DAY": 2}
    assert file_ccas(client, email="a@example.org").status_code == 302
    assert file_ccas(client, email="b@example.org").status_code == 302
    refused = file_ccas(client, email="c@example.org")
    assert refused.status_code == 429 and "cette connexion aujourd'hui" in unescape(refused.content.decode())


def test_residents_with_an_account_and_staff_recordings_are_not_limited(
    client, ccas_form, resident_with_email, reception_agent, settings
):
    settings.RELAIS = {**settings.RELAIS, "CASES_ONLINE_PER_IP_HOUR": 1}
    client.force_login(resident_with_email.user)
    for _ in range(3):
        check_url = answer_ccas(client, ccas_form)
        assert client.post(check_url, REMOTE_ADDR="203.0.113.9").status_code == 302
    from django.test import RequestFactory

    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    before = Case.objects.filter(person=resident_with_email).count()
    for _ in range(3):
        services.case_submit(
            form=ccas_form,
            person=resident_with_email,
            answers={"motif": "Logement", "precisions": "", "moments": ["Le matin"]},
            channel=Channel.COUNTER,
            recorded_by=reception_agent,
            request=request,
        )
    assert Case.objects.filter(person=resident_with_email).count() == before + 3


# ---------------------------------------------------------------- per destination


def test_one_phone_gets_three_receipts_a_day_from_requests_filed_without_an_account(client, ccas_form, reception_agent):
    spellings = ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "06.12.34.56.78"]
    for n, phone in enumerate(spellings):
        response = file_ccas(
            client, ip=f"203.0.113.{n + 10}", preferred_channel="sms", phone=phone, email="", last_name=f"Roux{n}"
        )
        assert response.status_code == 302
    cases = list(Case.objects.filter(person__last_name__startswith="Roux").order_by("pk"))
    assert len(cases) == 4  # every request is filed
    receipts = Message.objects.filter(template="case_receipt", related_id__in=[str(c.pk) for c in cases])
    assert receipts.count() == 3 and {m.channel for m in receipts} == {"sms"}
    last = cases[-1]
    assert not receipts.filter(related_id=str(last.pk)).exists()
    note = last.events.get(kind=EventKind.NOTE)
    assert "Récépissé non envoyé" in note.text
    page = client.get(last.get_tracking_url())
    assert page.status_code == 200 and last.reference in page.content.decode()  # the resident has it on screen
    assert (
        AuditEvent.objects.get(action="cases.case.submitted", object_id=str(last.pk)).details["receipt"] == "withheld"
    )
    # an agent recording a request for that number still sends its receipt
    person = last.person
    recorded = services.case_submit(
        form=ccas_form,
        person=person,
        answers={"motif": "Logement", "precisions": "", "moments": ["Le matin"]},
        channel=Channel.PHONE,
        recorded_by=reception_agent,
    )
    assert Message.objects.filter(template="case_receipt", related_id=str(recorded.pk)).exists()


# ---------------------------------------------------------------- documents


def test_an_agent_cannot_add_more_documents_than_a_case_holds(case_worker, settings):
    case = Case.objects.get(form__slug="attestation-accueil", status="in_progress")
    held = case.documents.count()
    settings.RELAIS = {**settings.RELAIS, "CASES_MAX_DOCUMENTS": held + 1}
    client = staff_client(case_worker)
    assert (
        client.post(case.get_absolute_url(), {"action": "document", "document": pdf_file("a.pdf")}).status_code == 302
    )
    response = client.post(case.get_absolute_url(), {"action": "document", "document": pdf_file("b.pdf")})
    html = unescape(response.content.decode())
    assert response.status_code == 200 and f"Cette demande a déjà {held + 1} documents : c'est le maximum" in html
    assert 'class="error-message"' in html
    assert case.documents.count() == held + 1
    assert not case.events.filter(kind=EventKind.DOCUMENT, text="b.pdf").exists()


def test_a_resident_reply_cannot_take_the_case_past_its_total_size(client, db, settings):
    case = Case.objects.get(status="waiting_for_resident")
    held = sum(case.documents.values_list("size", flat=True))
    settings.RELAIS = {**settings.RELAIS, "CASES_MAX_DOCUMENTS_MB": 1}
    response = client.post(
        case.get_tracking_url(), {"text": "Voici le plan.", "document": big_pdf("plan.pdf", 1024 * 1024 - held)}
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200 and "pèseraient plus de 1,0" in html
    assert "Voici le plan." in html  # what was typed stays
    case.refresh_from_db()
    assert case.status == "waiting_for_resident" and not case.documents.filter(name="plan.pdf").exists()


def test_a_draft_cannot_hold_more_than_the_total_size(client, electoral_form, settings):
    from tests.cases.test_online_journey import start

    settings.RELAIS = {**settings.RELAIS, "CASES_MAX_DOCUMENTS_MB": 1}
    url = start(client, electoral_form)
    url = client.post(url, {"naissance": "1990-05-01"})["Location"]
    url = client.post(url, {"lieu_naissance": "Tours"})["Location"]
    url = client.post(url, {"nationalite": "Français"})["Location"]
    response = client.post(url, {"piece": big_pdf("carte.pdf", 1024 * 1024 + 10)})
    html = unescape(response.content.decode())
    assert response.status_code == 200 and "pèseraient plus de 1,0" in html and 'class="error-message"' in html
    assert not Draft.objects.get(form=electoral_form).files.exists()
    assert client.post(url, {"piece": pdf_file("carte.pdf")}).status_code == 302


def test_a_recorded_letter_whose_scan_is_too_heavy_is_explained_to_the_agent(
    reception_client, resident_by_letter, settings
):
    import uuid

    settings.RELAIS = {**settings.RELAIS, "CASES_MAX_DOCUMENTS_MB": 1}
    url = reverse("cases:record", args=[resident_by_letter.pk, "rendez-vous-ccas"]) + "?canal=post"
    key = str(uuid.uuid4())
    data = {"motif": "Autre", "moments": ["Le matin"], "submission_key": key}
    response = reception_client.post(url, {**data, "scan": big_pdf("courrier.pdf", 1024 * 1024 + 10)})
    html = unescape(response.content.decode())
    assert response.status_code == 200 and "pèseraient plus de 1,0" in html
    assert not Case.objects.filter(submission_key=key).exists()


# ---------------------------------------------------------------- spam


@pytest.fixture
def spam_case(client, ccas_form):
    assert file_ccas(client, ip="203.0.113.66", email="spam@example.org", phone="06 99 88 77 66").status_code == 302
    return Case.objects.get(person__email="spam@example.org")


@pytest.fixture
def ccas_worker(db):
    from relais.accounts.models import Role
    from tests.conftest import make_member

    return make_member("instruction.ccas@valbrenne.fr", "ccas", Role.CASE_WORKER)


def test_the_team_marks_an_online_request_as_spam_after_confirming(
    client, spam_case, ccas_worker, ccas_form, django_capture_on_commit_callbacks
):
    document = services.case_add_document(case=spam_case, upload=pdf_file("pub.pdf"), actor=None, by_resident=True)
    stored = document.file.name
    person = spam_case.person
    draft = Draft.objects.get(case=spam_case)
    worker = staff_client(ccas_worker)
    detail = worker.get(spam_case.get_absolute_url()).content.decode()
    spam_url = reverse("cases:spam", args=[spam_case.reference])
    assert spam_url in detail
    confirm = unescape(worker.get(spam_url).content.decode())
    assert "Signaler la demande" in confirm and "ne peuvent plus envoyer de demande en ligne" in confirm
    assert Case.objects.filter(pk=spam_case.pk).exists()  # nothing happens before the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = worker.post(spam_url)
    assert response.status_code == 302 and response["Location"] == reverse("cases:queue")
    assert not Case.objects.filter(pk=spam_case.pk).exists()
    assert not Document.objects.filter(pk=document.pk).exists() and not default_storage.exists(stored)
    assert not Person.objects.filter(pk=person.pk).exists()  # nothing else in Relais
    assert not Message.objects.filter(related_type="cases.case", related_id=str(spam_case.pk)).exists()
    assert not Draft.objects.filter(key=draft.key).exists()
    assert set(BlockedSender.objects.current().values_list("kind", flat=True)) == {"address", "email", "phone"}
    marked = AuditEvent.objects.get(action="cases.case.marked_spam")
    assert marked.actor == ccas_worker and marked.details["reference"] == spam_case.reference
    assert "Logement" not in str(marked.details) and "spam@example.org" not in str(marked.details)
    assert AuditEvent.objects.filter(action="core.person.deleted", person_id=person.pk).exists()
    assert AuditEvent.objects.filter(action="core.sender.blocked").exists()
    # the sender can no longer file online: same connection, or same phone from elsewhere
    html = unescape(file_ccas(client, ip="203.0.113.66", email="other@example.org").content.decode())
    assert "ne peut pas être envoyée en ligne" in html
    again = file_ccas(client, ip="198.51.100.99", email="", preferred_channel="sms", phone="+33699887766")
    assert again.status_code == 403
    assert not Case.objects.filter(person__phone__in=["+33699887766"]).exists()
    # anybody else can
    assert file_ccas(client, ip="198.51.100.99", email="voisine@example.org").status_code == 302


def test_a_person_with_other_records_is_kept(spam_case, ccas_worker, advisor):
    from relais.accounts.models import Team
    from relais.mandates import services as mandates

    person = spam_case.person
    mandates.mandate_create(
        person=person,
        team=Team.objects.get(slug="mediation"),
        scopes=["social"],
        duration="1m",
        consent_method="paper",
        actor=advisor,
    )
    staff_client(ccas_worker).post(reverse("cases:spam", args=[spam_case.reference]))
    assert not Case.objects.filter(pk=spam_case.pk).exists()
    assert Person.objects.filter(pk=person.pk).exists()
    assert not AuditEvent.objects.filter(action="core.person.deleted", person_id=person.pk).exists()


def test_a_hidden_record_keeps_the_person_too(spam_case, ccas_worker, resident_with_email):
    from relais.mutualaid.models import Block

    Block.objects.create(blocker=resident_with_email, blocked=spam_case.person)  # related_name="+"
    staff_client(ccas_worker).post(reverse("cases:spam", args=[spam_case.reference]))
    assert Person.objects.filter(pk=spam_case.person_id).exists()


def test_only_the_case_workers_of_the_team_may_mark_spam(spam_case, case_worker, reception_agent, manager):
    url = reverse("cases:spam", args=[spam_case.reference])
    for user in (case_worker, reception_agent, manager):  # État civil, reception, Médiation
        client = staff_client(user)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert Case.objects.filter(pk=spam_case.pk).exists()
    with pytest.raises(OutOfReach):
        services.case_mark_spam(case=spam_case, actor=case_worker)


def test_a_request_recorded_by_staff_is_never_spam(ccas_worker, resident_by_letter, reception_agent, ccas_form):
    case = services.case_submit(
        form=ccas_form,
        person=resident_by_letter,
        answers={"motif": "Logement", "precisions": "", "moments": ["Le matin"]},
        channel=Channel.COUNTER,
        recorded_by=reception_agent,
    )
    client = staff_client(ccas_worker)
    assert reverse("cases:spam", args=[case.reference]) not in client.get(case.get_absolute_url()).content.decode()
    assert client.post(reverse("cases:spam", args=[case.reference])).status_code == 404
    with pytest.raises(Exception, match="sans compte"):
        services.case_mark_spam(case=case, actor=ccas_worker)
    assert Case.objects.filter(pk=case.pk).exists()
