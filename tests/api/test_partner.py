"""A partner application files requests, adds documents, follows them, books and registers:
through the services the web uses, with the same rules, the application named everywhere."""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from relais.accounts.models import Role, Team
from relais.api import retention as api_retention
from relais.api import services
from relais.api.models import IdempotentReply, Scope
from relais.cases.models import Case, CaseEvent, EventKind, FieldKind, Form, FormField
from relais.cases.models import Status as CaseStatus
from relais.core import retention
from relais.core.models import AuditEvent, Channel, Person
from relais.mandates.models import Mandate, MandateScope
from relais.mediation import selectors as mediation_selectors
from relais.mediation.models import Appointment, Registration, Workshop, WorkshopSession
from tests.cases.conftest import PDF

pytestmark = pytest.mark.django_db

RESIDENT = {
    "first_name": "Léa",
    "last_name": "Martin",
    "preferred_channel": "email",
    "email": "lea.martin@example.org",
}


def answer_for(question):
    kind = question.kind
    choices = question.choice_list()
    return {
        FieldKind.NUMBER: "12",
        FieldKind.DATE: "2026-03-15",
        FieldKind.CHOICE: choices[0] if choices else "",
        FieldKind.MULTI_CHOICE: choices[:1],
        FieldKind.YES_NO: "oui",
        FieldKind.EMAIL: "lea.martin@example.org",
        FieldKind.PHONE: "06 12 34 56 78",
    }.get(kind, "Une réponse")


def valid_answers(form):
    return {q.key: answer_for(q) for q in form.fields.all() if q.kind != FieldKind.FILE}


def fileable_forms():
    """Published forms an application may file: no account needed, no document required at filing."""
    return (
        Form.objects.published()
        .filter(requires_account=False)
        .exclude(pk__in=FormField.objects.filter(kind=FieldKind.FILE, required=True).values("form"))
    )


def bookable_slots():
    """Slots the town's pages offer (the online rule applications book by), of a type booked
    without a code sent to the resident."""
    return [
        s
        for s in mediation_selectors.free_slots(online=True)
        if s.dropin.appointment_type_id is None or not s.dropin.appointment_type.confirm_by_code
    ]


@pytest.fixture
def form():
    """A fileable form without location, with at least one required question."""
    return fileable_forms().filter(asks_location=False, fields__required=True).distinct().first()


@pytest.fixture
def street_form():
    return Form.objects.published().filter(asks_location=True).first()


@pytest.fixture
def app(administrator):
    """An application allowed everything a partner may do, and its key."""
    application, raw = services.application_create(
        name="Logiciel du CCAS",
        scopes=[Scope.REQUESTS_WRITE, Scope.REQUESTS_READ, Scope.BOOKINGS_WRITE],
        actor=administrator,
        rate_limit=10_000,
    )
    return application, raw


def call(client, method, path, raw, body=None, key="auto", **extra):
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    if key == "auto":
        key = str(uuid.uuid4())
    if key:
        headers["Idempotency-Key"] = key
    send = getattr(client, method)
    if body is None:
        return send(path, headers=headers, **extra)
    return send(path, body, content_type="application/json", headers=headers, **extra)


def file_request(client, raw, form, **more):
    body = {"form": form.slug, "answers": valid_answers(form), "resident": RESIDENT, **more}
    return call(client, "post", "/api/v1/requests", raw, body)


# ---------------------------------------------------------------- requests


def test_a_request_filed_by_an_application_is_recorded_with_its_channel_and_its_name(client, app, form):
    application, raw = app
    response = file_request(client, raw, form)
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.channel == Channel.API and case.recorded_by == application.user
    assert case.person.last_name == "Martin" and case.person.created_via == Channel.API
    assert body["status"] == "submitted" and body["lookup_url"].endswith("/suivi/")
    # The resident's private link goes to the resident only, never to the application.
    assert case.token not in response.content.decode()
    # The resident gets the same receipt as on the web, and the journal names the application.
    assert case.person.messages.filter(template="case_receipt").exists()
    submitted = AuditEvent.objects.get(action="cases.case.submitted", object_id=str(case.pk))
    assert submitted.actor == application.user and str(submitted.actor) == "Logiciel du CCAS"


def test_a_request_for_someone_without_an_account_follows_the_web_sender_rules(client, app, form):
    from relais.core.models import BlockedSender
    from relais.notifications.models import Message

    _application, raw = app
    for _n in range(5):  # anyone can type someone else's e-mail: at most 3 receipts a day
        assert file_request(client, raw, form).status_code == 201
    assert Message.objects.filter(template="case_receipt", to_email=RESIDENT["email"]).count() == 3
    BlockedSender.objects.create(
        kind=BlockedSender.Kind.EMAIL,
        value_hash=BlockedSender.digest(BlockedSender.Kind.EMAIL, RESIDENT["email"]),
        until=timezone.now() + datetime.timedelta(days=1),
    )
    before = Case.objects.count()
    refused = file_request(client, raw, form)
    assert refused.status_code == 422 and "Appelez la mairie" in str(refused.json())
    assert Case.objects.count() == before


def test_answers_are_checked_as_the_web_form_checks_them_each_field_named(client, app, form):
    _application, raw = app
    required = form.fields.filter(required=True).exclude(kind=FieldKind.FILE).first()
    answers = valid_answers(form)
    answers.pop(required.key)
    answers["nimporte"] = "x"
    response = call(
        client, "post", "/api/v1/requests", raw, {"form": form.slug, "answers": answers, "resident": RESIDENT}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert "answers.nimporte" in fields
    answers.pop("nimporte")
    response = call(
        client, "post", "/api/v1/requests", raw, {"form": form.slug, "answers": answers, "resident": RESIDENT}
    )
    errors = response.json()["errors"]
    assert response.status_code == 422 and errors[0]["field"] == f"answers.{required.key}"
    assert errors[0]["pointer"] == f"#/answers/{required.key}" and errors[0]["detail"]
    assert not Case.objects.filter(channel=Channel.API).exists()


def test_the_resident_needs_a_name_and_the_contact_their_channel_needs(client, app, form):
    _application, raw = app
    response = file_request(client, raw, form, resident={"first_name": "Léa", "preferred_channel": "sms"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"resident.last_name", "resident.phone"} <= fields
    response = call(client, "post", "/api/v1/requests", raw, {"form": form.slug, "answers": valid_answers(form)})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "resident"
    response = file_request(client, raw, form, resident={**RESIDENT, "email": "", "preferred_channel": "letter"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"resident.address"}


def test_an_unknown_form_is_a_field_error(client, app):
    _application, raw = app
    response = call(client, "post", "/api/v1/requests", raw, {"form": "rien-de-tel", "resident": RESIDENT})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "form"


def test_a_street_report_takes_an_address_or_a_position(client, app, street_form):
    _application, raw = app
    response = file_request(client, raw, street_form)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location.address"
    response = file_request(client, raw, street_form, location={"latitude": 47.2533, "longitude": 0.6861})
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.latitude == pytest.approx(47.2533) and case.location_text
    response = file_request(client, raw, street_form, location={"address": "Rue Jules-Ferry, devant l'école"})
    assert response.status_code == 201
    assert Case.objects.get(reference=response.json()["reference"]).location_text.startswith("Rue Jules-Ferry")


# ---------------------------------------------------------------- on behalf, under mandate


@pytest.fixture
def helping_app(administrator):
    team = Team.objects.get(slug="mediation")
    application, raw = services.application_create(
        name="Logiciel des aidants", scopes=[Scope.REQUESTS_WRITE, Scope.REQUESTS_READ], actor=administrator,
        team=team, role=Role.ADVISOR,
    )  # fmt: skip
    return application, raw, team


def _mandate(person, team, scope, *, active=True):
    now = timezone.now()
    mandate = Mandate.objects.create(
        person=person, team=team, duration="1m", consent_method="paper", consent_text="Texte", created_by_id=1,
        activated_at=now if active else None, expires_at=now + datetime.timedelta(days=30),
    )  # fmt: skip
    MandateScope.objects.create(mandate=mandate, scope=scope)
    return mandate


def test_acting_for_someone_away_needs_an_active_mandate_of_the_application_team(client, helping_app, form):
    application, raw, team = helping_app
    person = Person.objects.create(first_name="Jean", last_name="Absent", phone="0612345678", preferred_channel="sms")
    body = {"form": form.slug, "answers": valid_answers(form), "on_behalf": {"person": person.pk}}
    response = call(client, "post", "/api/v1/requests", raw, body)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "mandat" in response.json()["detail"]
    assert not Case.objects.filter(person=person).exists()
    # A mandate still waiting for consent does not do either.
    pending = _mandate(person, team, form.mandate_scope, active=False)
    response = call(client, "post", "/api/v1/requests", raw, body)
    assert response.status_code == 403 and "accord" in response.json()["detail"]
    pending.delete()
    mandate = _mandate(person, team, form.mandate_scope)
    response = call(client, "post", "/api/v1/requests", raw, body)
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.acting_under == mandate and case.recorded_by == application.user
    assert AuditEvent.objects.filter(action="mandates.mandate.used", actor=application.user).exists()


def test_an_application_without_a_helping_team_never_acts_for_someone(client, app, form):
    _application, raw = app
    person = Person.objects.filter(cases__isnull=False).first()
    body = {"form": form.slug, "answers": valid_answers(form), "on_behalf": {"person": person.pk}}
    response = call(client, "post", "/api/v1/requests", raw, body)
    # 403 saying what is missing (a helping team and role), never who the person is.
    assert response.status_code == 403 and "aidant" in response.json()["detail"]
    assert "Martin" not in response.content.decode() and person.last_name not in response.content.decode()


# ---------------------------------------------------------------- documents


def test_a_document_is_added_to_a_request_the_application_filed(client, app, form):
    application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    upload = SimpleUploadedFile("justificatif.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/api/v1/requests/{reference}/documents", {"file": upload},
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "piece-1"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=reference)
    document = case.documents.get()
    assert document.name == "justificatif.pdf" and document.by_resident
    assert case.resident_replied_at is not None  # the service sees the resident has answered
    assert AuditEvent.objects.filter(action="cases.case.resident_replied", actor=application.user).exists()


def _send_document(client, raw, reference, key, name="piece.pdf"):
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return client.post(
        f"/api/v1/requests/{reference}/documents", {"file": upload},
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": key},
    )  # fmt: skip


def test_a_document_sent_for_a_request_waiting_for_the_resident_resumes_it(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    Case.objects.filter(reference=reference).update(status=CaseStatus.WAITING)
    assert _send_document(client, raw, reference, "attente-1").status_code == 201
    assert Case.objects.get(reference=reference).status == CaseStatus.IN_PROGRESS


def test_a_closed_request_takes_no_more_documents(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    Case.objects.filter(reference=reference).update(status=CaseStatus.REFUSED)
    response = _send_document(client, raw, reference, "close-1")
    assert response.status_code == 409 and "close" in response.json()["title"]
    assert not Case.objects.get(reference=reference).documents.exists()


def test_a_document_that_is_not_what_it_claims_is_refused(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    fake = SimpleUploadedFile("piece.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(
        f"/api/v1/requests/{reference}/documents", {"file": fake},
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "piece-2"},
    )  # fmt: skip
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "file"


def test_an_oversize_document_is_a_413_problem(client, app, form, settings):
    _application, raw = app
    settings.RELAIS = {**settings.RELAIS, "MAX_UPLOAD_MB": 1}
    reference = file_request(client, raw, form).json()["reference"]
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * (1024 * 1024 + 10), content_type="application/pdf")
    response = client.post(
        f"/api/v1/requests/{reference}/documents", {"file": big},
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "piece-3"},
    )  # fmt: skip
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
    assert not Case.objects.get(reference=reference).documents.exists()


# ---------------------------------------------------------------- following a request


def test_an_application_follows_its_request_as_the_resident_sees_it_never_internal_notes(
    client, app, form, case_worker
):
    application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    case = Case.objects.get(reference=reference)
    CaseEvent.objects.create(case=case, kind=EventKind.NOTE, actor=case_worker, text="Note interne secrète")
    response = call(client, "get", f"/api/v1/requests/{reference}", raw, key=None)
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == reference and body["status"] == "submitted"
    assert [e["kind"] for e in body["timeline"]] == ["submitted"]
    assert "secrète" not in response.content.decode()
    read = AuditEvent.objects.get(action="cases.case.followed_by_application")
    assert read.actor == application.user and read.person_id == case.person_id


def test_another_application_request_or_anyone_else_is_not_found(client, app, administrator, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    _other, other_raw = services.application_create(
        name="Autre appli", scopes=[Scope.REQUESTS_READ, Scope.REQUESTS_WRITE], actor=administrator
    )
    response = call(client, "get", f"/api/v1/requests/{reference}", other_raw, key=None)
    assert response.status_code == 404 and response.json()["title"] == "Introuvable."
    assert "Martin" not in response.content.decode()
    web_case = Case.objects.exclude(channel=Channel.API).first()
    response = call(client, "get", f"/api/v1/requests/{web_case.reference}", raw, key=None)
    assert response.status_code == 404
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/api/v1/requests/{reference}/documents", {"file": upload},
        headers={"Authorization": f"Bearer {other_raw}", "Idempotency-Key": "k"},
    )  # fmt: skip
    assert response.status_code == 404 and not Case.objects.get(reference=reference).documents.exists()


# ---------------------------------------------------------------- appointments and workshops


@pytest.fixture
def slot():
    return bookable_slots()[0]


def test_an_application_books_a_free_slot_and_cancels_it(client, app, slot):
    application, raw = app
    body = {"dropin": slot.dropin.pk, "starts_at": slot.starts_at.isoformat(), "resident": RESIDENT}
    response = call(client, "post", "/api/v1/appointments", raw, body)
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert appointment.channel == Channel.API and appointment.booked_by == application.user
    assert appointment.person.created_via == Channel.API
    assert appointment.person.messages.filter(template="mediation_appointment_confirmed").exists()
    # A time that is not a free slot: 409, and nobody is created for it.
    people = Person.objects.count()
    elsewhen = (slot.starts_at + datetime.timedelta(minutes=7)).isoformat()
    response = call(client, "post", "/api/v1/appointments", raw, {**body, "starts_at": elsewhen})
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert Person.objects.count() == people
    response = call(client, "post", f"/api/v1/appointments/{appointment.pk}/cancel", raw, key=None)
    assert response.status_code == 200 and response.json()["cancelled"] is True
    appointment.refresh_from_db()
    assert appointment.cancelled_at is not None


def test_an_application_cannot_cancel_an_appointment_it_did_not_book(client, app):
    _application, raw = app
    other = Appointment.objects.filter(cancelled_at__isnull=True).first()
    response = call(client, "post", f"/api/v1/appointments/{other.pk}/cancel", raw, key=None)
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.cancelled_at is None


@pytest.fixture
def workshop():
    start = timezone.now() + datetime.timedelta(days=7)
    item = Workshop.objects.create(
        team=Team.objects.get(slug="mediation"), slug="atelier-api", title="Atelier API", description="Essai.",
        theme="email", place_id=mediation_selectors.places_with_appointments(advisors_only=False).first().pk,
        capacity=1, registration_opens_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    WorkshopSession.objects.create(workshop=item, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    return item


def test_registrations_take_the_seats_then_the_waitlist_and_a_cancellation_promotes(client, app, workshop):
    application, raw = app
    first = call(client, "post", "/api/v1/registrations", raw, {"workshop": workshop.slug, "resident": RESIDENT})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "confirmed"
    second = call(
        client, "post", "/api/v1/registrations", raw,
        {"workshop": str(workshop.pk), "resident": {**RESIDENT, "first_name": "Paul", "email": "paul@example.org"}},
    )  # fmt: skip
    assert second.json()["status"] == "waitlisted" and second.json()["waitlist_position"] == 1
    registration = Registration.objects.get(pk=first.json()["id"])
    assert registration.channel == Channel.API and registration.registered_by == application.user
    again = call(client, "post", "/api/v1/registrations", raw, {"workshop": workshop.slug, "resident": RESIDENT})
    assert again.status_code == 409
    response = call(client, "post", f"/api/v1/registrations/{registration.pk}/cancel", raw, key=None)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Registration.objects.get(pk=second.json()["id"]).status == "confirmed"


def test_a_closed_workshop_refuses_with_the_web_words(client, app, workshop):
    _application, raw = app
    Workshop.objects.filter(pk=workshop.pk).update(registration_opens_at=timezone.now() + datetime.timedelta(days=1))
    response = call(client, "post", "/api/v1/registrations", raw, {"workshop": workshop.slug, "resident": RESIDENT})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "workshop" and "ouvrent" in error["detail"]


# ---------------------------------------------------------------- retention


def test_replies_kept_for_retries_go_after_a_day(client, app, form):
    _application, raw = app
    file_request(client, raw, form)
    assert IdempotentReply.objects.count() == 1
    assert retention.rule("api.idempotent_replies").purge is api_retention.purge_idempotent_replies
    retention.purge("api.idempotent_replies", now=timezone.now() + datetime.timedelta(hours=12))
    assert IdempotentReply.objects.count() == 1
    outcome = retention.purge("api.idempotent_replies", now=timezone.now() + datetime.timedelta(days=1, minutes=1))
    assert outcome.count == 1 and not IdempotentReply.objects.exists()
    assert Case.objects.filter(channel=Channel.API).count() == 1
