"""A partner application is held to the rules a resident meets on the town's pages (not the
counter's), and nothing it receives or sends opens a resident's private link to anyone else."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.api.models import IdempotentReply
from relais.cases.models import Case, FieldKind, Form
from relais.cases.models import Status as CaseStatus
from relais.core.models import Person
from relais.mediation import selectors as mediation_selectors
from relais.mediation.models import Appointment, AppointmentType, Registration
from tests.api import test_partner as partner
from tests.api.test_partner import RESIDENT, bookable_slots, call, file_request, valid_answers
from tests.cases.conftest import PDF

pytestmark = pytest.mark.django_db

# The partner tests' fixtures: an application with every partner scope, a form, a workshop.
app, form, workshop = partner.app, partner.form, partner.workshop

# What the derived key used to be: a public namespace, the application's id and its key.
OLD_NAMESPACE = uuid.UUID("5b0c8a4e-1f5e-4b55-9a7e-2f64d1f0c311")


def _stranger_form(submission_key):
    return {
        "first_name": "Eve", "last_name": "Intruse", "preferred_channel": "email", "email": "eve@example.org",
        "submission_key": str(submission_key),
    }  # fmt: skip


# ---------------------------------------------------------------- keys nobody can derive


def test_a_stranger_cannot_derive_the_key_of_a_registration_and_take_it_over_from_the_web(client, app, workshop):
    application, raw = app
    response = call(
        client, "post", "/api/v1/registrations", raw, {"workshop": workshop.slug, "resident": RESIDENT}, key="order-1"
    )
    registration = Registration.objects.get(pk=response.json()["id"])
    stranger = Client()
    for guess in (uuid.uuid5(OLD_NAMESPACE, f"{application.pk}:order-1"), uuid.uuid5(OLD_NAMESPACE, "order-1")):
        page = stranger.post(reverse("mediation:workshop", args=[workshop.slug]), _stranger_form(guess))
        assert registration.token not in page.get("Location", "") + page.content.decode()
    registration.refresh_from_db()
    assert registration.status == "confirmed" and registration.person.last_name == "Martin"


def test_a_stranger_cannot_derive_the_key_of_an_appointment_and_open_its_page(client, app):
    application, raw = app
    first, other = bookable_slots()[:2]
    body = {"dropin": first.dropin.pk, "starts_at": first.starts_at.isoformat(), "resident": RESIDENT}
    appointment = Appointment.objects.get(
        pk=call(client, "post", "/api/v1/appointments", raw, body, key="rdv-1").json()["id"]
    )
    guess = uuid.uuid5(OLD_NAMESPACE, f"{application.pk}:rdv-1")
    page = Client().post(reverse("mediation:book", args=[other.dropin.pk, other.key]), _stranger_form(guess))
    assert appointment.token not in page.get("Location", "") + page.content.decode()


def test_a_key_reused_for_another_request_after_its_reply_is_gone_finds_nothing_of_the_first(client, app, form):
    _application, raw = app
    first = file_request(client, raw, form).json()["reference"]
    second = file_request(client, raw, form).json()["reference"]

    def send(reference):
        upload = SimpleUploadedFile(f"{reference}.pdf", PDF, content_type="application/pdf")
        return client.post(
            f"/api/v1/requests/{reference}/documents", {"file": upload},
            headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "piece"},
        )  # fmt: skip

    assert send(first).status_code == 201
    IdempotentReply.objects.all().delete()  # the kept reply is purged after a day
    response = send(second)
    assert response.status_code == 201, response.content
    assert Case.objects.get(reference=second).documents.get().name == f"{second}.pdf"


# ---------------------------------------------------------------- no private link handed out


def test_replies_carry_no_private_link_of_the_resident(client, app, form, workshop):
    _application, raw = app
    filed = file_request(client, raw, form)
    case = Case.objects.get(reference=filed.json()["reference"])
    assert filed.json()["lookup_url"].endswith(reverse("cases:lookup")) and case.token not in filed.content.decode()
    followed = call(client, "get", f"/api/v1/requests/{case.reference}", raw, key=None)
    assert followed.status_code == 200 and case.token not in followed.content.decode()
    slot = bookable_slots()[0]
    booked = call(
        client, "post", "/api/v1/appointments", raw,
        {"dropin": slot.dropin.pk, "starts_at": slot.starts_at.isoformat(), "resident": RESIDENT},
    )  # fmt: skip
    appointment = Appointment.objects.get(pk=booked.json()["id"])
    assert "manage_url" not in booked.json() and appointment.token not in booked.content.decode()
    registered = call(client, "post", "/api/v1/registrations", raw, {"workshop": workshop.slug, "resident": RESIDENT})
    registration = Registration.objects.get(pk=registered.json()["id"])
    assert "manage_url" not in registered.json() and registration.token not in registered.content.decode()
    # Nor is one kept among the replies stored for retries.
    kept = str(list(IdempotentReply.objects.values_list("body", flat=True)))
    assert not any(token in kept for token in (case.token, appointment.token, registration.token))


# ---------------------------------------------------------------- the online booking rule


def _book(client, raw, slot, resident=None):
    body = {"dropin": slot.dropin.pk, "starts_at": slot.starts_at.isoformat(), "resident": resident or RESIDENT}
    return call(client, "post", "/api/v1/appointments", raw, body)


def typed_slot(**kind_fields):
    """A slot offered online of an appointment type, the type changed by `kind_fields`."""
    slot = next(s for s in mediation_selectors.free_slots(online=True) if s.dropin.appointment_type_id)
    AppointmentType.objects.filter(pk=slot.dropin.appointment_type_id).update(**kind_fields)
    return slot


def test_a_type_kept_for_the_agents_is_not_booked_by_an_application(client, app):
    _application, raw = app
    slot = typed_slot(published=False, confirm_by_code=False)
    people = Person.objects.count()
    response = _book(client, raw, slot)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "dropin"
    assert not Appointment.objects.filter(dropin=slot.dropin, starts_at=slot.starts_at).exists()
    assert Person.objects.count() == people


def test_a_type_confirmed_by_the_resident_s_code_is_refused_with_the_reason(client, app):
    _application, raw = app
    slot = typed_slot(published=True, confirm_by_code=True)
    people = Person.objects.count()
    response = _book(client, raw, slot)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "dropin" and "code" in error["detail"]
    assert not Appointment.objects.filter(dropin=slot.dropin, starts_at=slot.starts_at).exists()
    assert Person.objects.count() == people


def test_a_slot_within_the_online_notice_is_for_the_counter_not_for_an_application(client, app):
    _application, raw = app
    slot = typed_slot(published=True, confirm_by_code=False)
    hours = int((slot.starts_at - timezone.now()).total_seconds() // 3600) + 2
    AppointmentType.objects.filter(pk=slot.dropin.appointment_type_id).update(notice_hours=hours)
    assert mediation_selectors.slot_for(slot.dropin, slot.starts_at, online=False) is not None  # the counter may
    response = _book(client, raw, slot)
    assert response.status_code == 409
    assert not Appointment.objects.filter(dropin=slot.dropin, starts_at=slot.starts_at).exists()


def test_one_contact_holds_no_more_appointments_to_come_than_online(client, app):
    _application, raw = app
    cap = mediation_selectors.max_future_appointments()
    typed_slot(confirm_by_code=False)
    slots = bookable_slots()
    resident = {**RESIDENT, "email": "meme.contact@example.org"}
    booked, refused = [], None
    for one in slots:
        if len(booked) == cap:
            refused = _book(client, raw, one, resident)
            break
        response = _book(client, raw, one, resident)
        if response.status_code == 201:
            booked.append(response)
    assert len(booked) == cap and refused is not None
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "resident"
    assert Appointment.objects.filter(person__email="meme.contact@example.org").count() == cap


# ---------------------------------------------------------------- filing as on the web


def test_a_form_asking_for_an_account_is_refused(client, app):
    _application, raw = app
    form = Form.objects.published().filter(requires_account=True).first()
    response = call(
        client,
        "post",
        "/api/v1/requests",
        raw,
        {"form": form.slug, "answers": valid_answers(form), "resident": RESIDENT},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "form"
    assert "compte" in response.json()["errors"][0]["detail"]
    assert not Case.objects.filter(form=form, channel="api").exists()


def test_a_document_required_at_filing_is_not_waived_for_an_application(client, app):
    _application, raw = app
    form = (
        Form.objects.published()
        .filter(requires_account=False, fields__kind=FieldKind.FILE, fields__required=True)
        .first()
    )
    required = form.fields.get(kind=FieldKind.FILE, required=True)
    body = {"form": form.slug, "answers": valid_answers(form), "resident": RESIDENT}
    if form.asks_location:
        body["location"] = {"address": "12 rue des Lilas"}
    response = call(client, "post", "/api/v1/requests", raw, body)
    assert response.status_code == 422
    assert f"answers.{required.key}" in {e["field"] for e in response.json()["errors"]}
    assert not Case.objects.filter(form=form, channel="api").exists()


# ---------------------------------------------------------------- odd values and bodies


@pytest.mark.parametrize("ref", ["²", "١٢", "0", "99999999999999999999"])
def test_a_workshop_number_that_is_no_number_is_a_field_error(client, app, ref):
    _application, raw = app
    response = call(client, "post", "/api/v1/registrations", raw, {"workshop": ref, "resident": RESIDENT})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "workshop"


def test_a_reference_of_odd_digits_is_not_found(client, app):
    _application, raw = app
    assert call(client, "get", "/api/v1/requests/%C2%B2", raw, key=None).status_code == 404


def test_a_broken_multipart_body_is_a_french_problem(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    headers = {"Authorization": f"Bearer {raw}"}
    sent = [
        (f"/api/v1/requests/{reference}/documents", b"garbage", "multipart/form-data; boundary=zz"),
        (
            f"/api/v1/requests/{reference}/documents",
            b"--zz\r\nContent-Disposition: form-data\r\n\r\nx",
            "multipart/form-data; boundary=zz",
        ),
        ("/api/v1/requests", b"--zz\r\n\r\n--zz--", "multipart/form-data; boundary=zz"),
    ]
    for n, (path, body, content_type) in enumerate(sent):
        response = client.generic(
            "POST", path, body, content_type=content_type, headers={**headers, "Idempotency-Key": f"casse-{n}"}
        )
        assert response["Content-Type"] == "application/problem+json", (path, content_type)
        assert 400 <= response.status_code < 500 and "Cannot parse" not in response.content.decode()
    assert not Case.objects.get(reference=reference).documents.exists()


def test_a_multipart_body_without_its_file_names_the_file_field(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    response = client.post(
        f"/api/v1/requests/{reference}/documents", {"autre": "rien"},
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "sans-fichier"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


# Django itself refuses a multipart body without its boundary (before the API is reached): the
# 400 page for /api/ paths becomes a problem document with the open311-fix branch (core.views).
# Strict: once both are merged this passes, and the marker is to be removed.
def test_a_multipart_body_without_its_boundary_is_a_problem(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    response = client.generic(
        "POST", f"/api/v1/requests/{reference}/documents", b"--x\r\nfoo", content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "sans-limite"},
    )  # fmt: skip
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_the_timeline_speaks_as_the_resident_s_tracking_page(client, app, form):
    _application, raw = app
    reference = file_request(client, raw, form).json()["reference"]
    Case.objects.filter(reference=reference).update(status=CaseStatus.WAITING)
    upload = SimpleUploadedFile("piece.pdf", PDF, content_type="application/pdf")
    client.post(
        f"/api/v1/requests/{reference}/documents", {"file": upload},
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "fil-1"},
    )  # fmt: skip
    followed = call(client, "get", f"/api/v1/requests/{reference}", raw, key=None)
    labels = [event["label"] for event in followed.json()["timeline"]]
    assert labels[0] == "Demande reçue" and "Votre réponse" in labels
    assert any(label.startswith("Nouvel état : ") for label in labels)
    case = Case.objects.get(reference=reference)
    page = Client().get(case.get_tracking_url()).content.decode()
    assert all(label.replace("'", "&#x27;") in page for label in labels)
