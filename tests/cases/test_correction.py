"""A case worker asks the resident to correct one answer: the resident's link opens just
that question, the new answer replaces the old one in place, the old one stays in the
timeline, and the queue shows "correction reçue"."""

import uuid

import pytest
from django.urls import reverse

from relais.cases import services
from relais.cases.models import Case, CaseEvent, Correction, Document, EventKind, Status
from relais.core.http import OutOfReach
from relais.core.models import AuditEvent
from relais.notifications.models import Message
from tests.cases.conftest import pdf_file
from tests.conftest import staff_client


@pytest.fixture
def civil_case(db):
    """A request for an attestation d'accueil, in progress at État civil, with a passport file."""
    return Case.objects.get(form__slug="attestation-accueil", status="in_progress")


def _ask(case, worker, key="date_arrivee", reason="La date est passée.", submission_key=None):
    return services.correction_request(
        case=case, field_key=key, reason=reason, actor=worker, submission_key=submission_key or uuid.uuid4()
    )


def _keys(case):
    return [a["key"] for a in case.answers]


def test_a_worker_asks_from_the_case_page_and_the_resident_gets_a_link_to_just_that_question(civil_case, case_worker):
    client = staff_client(case_worker)
    page = client.get(civil_case.get_absolute_url() + "?corriger=passeport").content.decode()
    assert '<option value="passeport" selected>' in page
    messages = Message.objects.count()
    response = client.post(
        civil_case.get_absolute_url(),
        {
            "action": "correction",
            "field_key": "passeport",
            "reason": "Le passeport est illisible.",
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    correction = Correction.objects.get(case=civil_case, field_key="passeport")
    civil_case.refresh_from_db()
    assert civil_case.status == Status.WAITING
    assert Message.objects.count() == messages + 1  # one message, not one more for the status
    message = Message.objects.order_by("-pk").first()
    assert correction.get_absolute_url() in message.body and "Le passeport est illisible." in message.body
    assert CaseEvent.objects.filter(case=civil_case, kind=EventKind.CORRECTION_ASKED, message=message).exists()
    assert AuditEvent.objects.filter(action="cases.case.correction_asked", object_id=str(civil_case.pk)).exists()
    # The resident's follow-up page points to it.
    track = client.get(civil_case.get_tracking_url()).content.decode()
    assert correction.get_absolute_url() in track


def test_the_reason_and_the_question_are_required_and_kept_when_wrong(civil_case, case_worker):
    client = staff_client(case_worker)
    response = client.post(
        civil_case.get_absolute_url(), {"action": "correction", "field_key": "nope", "reason": "Trop vieux"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Choisissez une question de cette demande." in page
    assert "Trop vieux</textarea>" in page
    assert not Correction.objects.filter(reason="Trop vieux").exists()


def test_the_resident_corrects_a_typed_answer_which_replaces_the_old_one_in_place(client, civil_case, case_worker):
    before = _keys(civil_case)
    correction = _ask(civil_case, case_worker)
    page = client.get(correction.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Date d&#x27;arrivée prévue</label></h1>" in html  # just that question, as the page's heading
    assert 'value="2027-01-10"' in html and "La date est passée." in html  # corrected once in the demo
    assert "nationalite" not in html
    bad = client.post(correction.get_absolute_url(), {"date_arrivee": "31/02/2027", "submission_key": uuid.uuid4()})
    assert bad.status_code == 400 and "Écrivez une date" in bad.content.decode()
    assert 'value="31/02/2027"' in bad.content.decode()
    response = client.post(
        correction.get_absolute_url(), {"date_arrivee": "2027-02-14", "submission_key": uuid.uuid4()}
    )
    assert response.status_code == 302 and response["Location"] == civil_case.get_tracking_url()
    civil_case.refresh_from_db()
    assert _keys(civil_case) == before  # replaced in place
    answer = civil_case.answer("date_arrivee")
    assert answer["value"] == "2027-02-14" and answer["display"] == "14 février 2027"
    assert civil_case.status == Status.IN_PROGRESS and civil_case.correction_received_at is not None
    event = CaseEvent.objects.get(correction_answer=correction)
    assert "10 janvier 2027" in event.text and "14 février 2027" in event.text  # the old answer kept
    correction.refresh_from_db()
    assert correction.old_answer["value"] == "2027-01-10" and not correction.is_open
    assert AuditEvent.objects.filter(action="cases.case.correction_received", object_id=str(civil_case.pk)).exists()
    # The link now says it is done.
    assert client.get(correction.get_absolute_url())["Location"] == civil_case.get_tracking_url()


def test_a_new_file_replaces_the_old_one_which_the_staff_still_reach_from_the_timeline(client, civil_case, case_worker):
    old_document = civil_case.answer("passeport")["document"]
    correction = _ask(civil_case, case_worker, key="passeport", reason="Illisible.")
    missing = client.post(correction.get_absolute_url(), {"submission_key": uuid.uuid4()})
    assert missing.status_code == 400 and "Ajoutez le fichier demandé." in missing.content.decode()
    client.post(
        correction.get_absolute_url(), {"passeport": pdf_file("passeport-net.pdf"), "submission_key": uuid.uuid4()}
    )
    civil_case.refresh_from_db()
    answer = civil_case.answer("passeport")
    new = Document.objects.get(pk=answer["document"])
    assert new.pk != old_document and new.field_key == "passeport" and new.name == "passeport-net.pdf"
    assert Document.objects.filter(pk=old_document).exists()
    page = staff_client(case_worker).get(civil_case.get_absolute_url()).content.decode()
    assert reverse("cases:document", args=[civil_case.reference, old_document]) in page
    assert "Ancien fichier : passeport-invitee.pdf" in page


def test_the_queue_shows_and_filters_corrections_received_until_a_worker_decides(client, civil_case, case_worker):
    correction = _ask(civil_case, case_worker)
    services.correction_answer(correction=correction, value="2027-03-01")
    worker = staff_client(case_worker)
    queue = worker.get(reverse("cases:queue"), {"onglet": "toutes", "correction": "on"})
    assert [c.pk for c in queue.context["page_obj"]] == [civil_case.pk]
    assert "correction reçue" in queue.content.decode()
    services.case_change_status(case=civil_case, status=Status.ACCEPTED, actor=case_worker)
    queue = worker.get(reverse("cases:queue"), {"onglet": "toutes", "correction": "on"})
    assert list(queue.context["page_obj"]) == []


def test_asking_twice_with_the_same_key_is_one_correction_and_one_message(civil_case, case_worker):
    key = uuid.uuid4()
    messages = Message.objects.count()
    first = _ask(civil_case, case_worker, submission_key=key)
    again = _ask(civil_case, case_worker, submission_key=key)
    assert first.pk == again.pk and Message.objects.count() == messages + 1


def test_answering_twice_is_one_correction_event(civil_case, case_worker):
    correction = _ask(civil_case, case_worker)
    key = uuid.uuid4()
    received = CaseEvent.objects.filter(case=civil_case, kind=EventKind.CORRECTION_RECEIVED).count()
    services.correction_answer(correction=correction, value="2027-03-01", submission_key=key)
    services.correction_answer(correction=correction, value="2027-03-01", submission_key=key)
    services.correction_answer(correction=correction, value="2027-04-01", submission_key=uuid.uuid4())
    assert CaseEvent.objects.filter(case=civil_case, kind=EventKind.CORRECTION_RECEIVED).count() == received + 1
    civil_case.refresh_from_db()
    assert civil_case.answer("date_arrivee")["value"] == "2027-03-01"


def test_one_open_correction_per_answer(civil_case, case_worker):
    from django.core.exceptions import ValidationError

    _ask(civil_case, case_worker)
    with pytest.raises(ValidationError):
        _ask(civil_case, case_worker)


def test_only_the_cases_team_asks_and_another_team_gets_404(civil_case, other_case_worker, reception_agent):
    with pytest.raises(OutOfReach):
        _ask(civil_case, other_case_worker)
    with pytest.raises(OutOfReach):
        _ask(civil_case, reception_agent)  # recorded it at the counter, but does not decide on it
    response = staff_client(other_case_worker).post(
        civil_case.get_absolute_url(), {"action": "correction", "field_key": "nationalite", "reason": "x"}
    )
    assert response.status_code == 404
    assert not Correction.objects.filter(requested_by=other_case_worker).exists()


def test_a_wrong_token_or_another_cases_correction_is_404(client, civil_case, case_worker):
    correction = _ask(civil_case, case_worker)
    other = Case.objects.exclude(pk=civil_case.pk).first()
    assert client.get(reverse("cases:correct", args=[civil_case.reference, "x" * 32, correction.pk])).status_code == 404
    assert client.get(reverse("cases:correct", args=[other.reference, other.token, correction.pk])).status_code == 404


def test_a_document_sent_later_attaches_to_the_required_document_it_answers(client, civil_case, case_worker):
    page = client.get(civil_case.get_tracking_url()).content.decode()
    assert '<option value="passeport">' in page
    client.post(
        civil_case.get_tracking_url(),
        {"document": pdf_file("passeport-2.pdf"), "field_key": "passeport", "submission_key": uuid.uuid4()},
    )
    document = Document.objects.get(case=civil_case, name="passeport-2.pdf")
    assert document.field_key == "passeport"
    staff_page = staff_client(case_worker).get(civil_case.get_absolute_url()).content.decode()
    assert "Aussi envoyé :" in staff_page


def test_the_timelines_name_the_new_status(client, civil_case):
    track = client.get(civil_case.get_tracking_url()).content.decode()
    assert "Nouvel état : En cours de traitement" in track


def test_erasing_the_person_blanks_what_they_were_asked_and_their_old_answers(civil_case, case_worker):
    from relais.cases.person import erase

    correction = _ask(civil_case, case_worker)
    services.correction_answer(correction=correction, value="2027-03-01")
    erase(person=civil_case.person)
    assert not Correction.objects.filter(case__person=civil_case.person).exclude(reason="").exists()
    assert not Correction.objects.filter(case__person=civil_case.person, old_answer__isnull=False).exists()


def test_a_letter_asking_for_a_correction_prints_a_code_not_the_private_link(case_worker):
    jeanne = Case.objects.filter(person__first_name="Jeanne", team__slug="etat-civil").order_by("pk").first()
    assert jeanne.person.preferred_channel == "letter"
    correction = _ask(jeanne, case_worker, key=jeanne.answers[0]["key"], reason="Merci de préciser.")
    letter = Message.objects.filter(channel="letter").order_by("-pk").first()
    assert correction.get_absolute_url() not in letter.body and jeanne.token not in letter.body
    assert "Merci de préciser." in letter.body
    [code] = letter.paper_codes
    from relais.core.models import AccessCode

    assert AccessCode.objects.get(code=code["code"]).target == correction.get_absolute_url()


# ---------------------------------------------------------------- after a decision, withdrawn, replaced files


def test_a_decision_withdraws_the_corrections_asked_and_their_link_says_so(client, civil_case, case_worker):
    from django.core.exceptions import ValidationError

    correction = _ask(civil_case, case_worker)
    assert correction.get_absolute_url() in client.get(civil_case.get_tracking_url()).content.decode()
    services.case_change_status(case=civil_case, status=Status.REFUSED, actor=case_worker, message="Hors délai.")
    correction.refresh_from_db()
    assert correction.cancelled_at is not None and not correction.is_open
    track = client.get(civil_case.get_tracking_url()).content.decode()
    assert correction.get_absolute_url() not in track and "Le service vous demande de corriger" not in track
    link = client.get(correction.get_absolute_url())
    assert link.status_code == 302 and link["Location"] == civil_case.get_tracking_url()
    with pytest.raises(ValidationError, match="plus attendue"):
        services.correction_answer(correction=correction, value="2027-03-01")
    civil_case.refresh_from_db()
    assert civil_case.answer("date_arrivee")["value"] == "2027-01-10" and civil_case.correction_received_at is None


def test_an_answer_sent_once_the_case_is_decided_is_refused_with_a_message(client, civil_case, case_worker):
    correction = _ask(civil_case, case_worker)
    page = client.get(correction.get_absolute_url())  # the resident opens the question…
    assert page.status_code == 200
    # …meanwhile the case is closed, and the correction left open (an old row, or a race).
    Case.objects.filter(pk=civil_case.pk).update(status=Status.ACCEPTED)
    response = client.post(
        correction.get_absolute_url(), {"date_arrivee": "2027-02-14", "submission_key": uuid.uuid4()}
    )
    assert response.status_code == 302  # the link now says it is no longer asked
    Correction.objects.filter(pk=correction.pk).update(cancelled_at=None)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="plus attendue"):
        services.correction_answer(correction=correction, value="2027-02-14", submission_key=uuid.uuid4())
    assert not CaseEvent.objects.filter(
        case=civil_case, kind=EventKind.CORRECTION_RECEIVED, text__contains="14 f"
    ).exists()


def test_a_worker_withdraws_a_correction_from_the_case_page_once(client, civil_case, case_worker, other_case_worker):
    correction = _ask(civil_case, case_worker)
    worker = staff_client(case_worker)
    page = worker.get(civil_case.get_absolute_url()).content.decode()
    assert "Retirer la demande de correction de « Date d&#x27;arrivée prévue »" in page
    post = {"action": "withdraw", "correction": correction.pk}
    assert staff_client(other_case_worker).post(civil_case.get_absolute_url(), post).status_code == 404
    correction.refresh_from_db()
    assert correction.is_open
    assert worker.post(civil_case.get_absolute_url(), post).status_code == 302
    assert worker.post(civil_case.get_absolute_url(), post).status_code == 302  # a second click: nothing more
    correction.refresh_from_db()
    assert correction.cancelled_at is not None
    assert (
        AuditEvent.objects.filter(action="cases.case.correction_withdrawn", object_id=str(civil_case.pk)).count() == 1
    )
    assert CaseEvent.objects.filter(case=civil_case, text__startswith="Correction retirée").count() == 1
    assert correction.get_absolute_url() not in client.get(civil_case.get_tracking_url()).content.decode()
    assert client.get(correction.get_absolute_url())["Location"] == civil_case.get_tracking_url()
    # Withdrawn, the same answer may be asked again.
    assert _ask(civil_case, case_worker).pk != correction.pk


def test_a_correction_arriving_after_the_page_was_loaded_holds_the_decision(civil_case, case_worker):
    worker = staff_client(case_worker)
    page = worker.get(civil_case.get_absolute_url())
    seen = page.context["correction_version"]
    correction = _ask(civil_case, case_worker)
    services.correction_answer(correction=correction, value="2027-03-01")  # while the worker reads
    decision = {"action": "status", "status": "accepted", "message": "Accordé.", "correction_seen": seen}
    response = worker.post(civil_case.get_absolute_url(), decision)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Une correction vient d&#x27;arriver : relisez la demande avant de décider." in html
    assert "Accordé.</textarea>" in html  # the form is kept
    civil_case.refresh_from_db()
    assert civil_case.status == Status.IN_PROGRESS and civil_case.correction_received_at is not None
    # Reread: the page now carries the new version, and the decision goes through.
    assert response.context["correction_version"] == services.correction_version(civil_case) != seen
    decision["correction_seen"] = response.context["correction_version"]
    assert worker.post(civil_case.get_absolute_url(), decision).status_code == 302
    civil_case.refresh_from_db()
    assert civil_case.status == Status.ACCEPTED and civil_case.correction_received_at is None


def test_a_decision_from_an_up_to_date_page_clears_the_correction_flag(civil_case, case_worker):
    correction = _ask(civil_case, case_worker)
    services.correction_answer(correction=correction, value="2027-03-01")
    worker = staff_client(case_worker)
    seen = worker.get(civil_case.get_absolute_url()).context["correction_version"]
    assert seen
    response = worker.post(
        civil_case.get_absolute_url(),
        {"action": "status", "status": "waiting_for_resident", "message": "Précisez.", "correction_seen": seen},
    )
    assert response.status_code == 302
    civil_case.refresh_from_db()
    assert civil_case.correction_received_at is None


def test_a_replaced_file_is_the_staffs_only_and_no_longer_counts(client, civil_case, case_worker, settings):
    old = Document.objects.get(pk=civil_case.answer("passeport")["document"])
    correction = _ask(civil_case, case_worker, key="passeport", reason="Illisible.")
    held = Document.objects.filter(case=civil_case).count()
    settings.RELAIS = {**settings.RELAIS, "CASES_MAX_DOCUMENTS": held}  # full: the replacement still fits
    response = client.post(
        correction.get_absolute_url(), {"passeport": pdf_file("passeport-net.pdf"), "submission_key": uuid.uuid4()}
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.superseded_at is not None
    track = client.get(civil_case.get_tracking_url()).content.decode()
    assert "passeport-net.pdf" in track and old.name not in track.split('id="historique"')[1].split("<h2")[2]
    url = reverse("cases:track_document", args=[civil_case.reference, civil_case.token, old.pk])
    assert client.get(url).status_code == 404
    staff = staff_client(case_worker)
    assert staff.get(reverse("cases:document", args=[civil_case.reference, old.pk])).status_code == 200
    assert "ancien fichier, remplacé par une correction" in staff.get(civil_case.get_absolute_url()).content.decode()


def test_the_correction_message_is_in_the_residents_language(civil_case, case_worker):
    type(civil_case.person).objects.filter(pk=civil_case.person_id).update(preferred_language="en")
    civil_case.person.refresh_from_db()
    correction = _ask(civil_case, case_worker, reason="The date has passed.")
    assert correction.asked_event.text == "Please correct your answer to “Date d'arrivée prévue”: The date has passed."
