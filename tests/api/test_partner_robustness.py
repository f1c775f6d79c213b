"""Every write operation of the partner API, taken from the OpenAPI schema, against what a
partner's mistakes (or an intruder) send: no key, a wrong, revoked or rotated-out key, a
key without the scope, another application's object, a missing or reused Idempotency-Key,
an oversize body, a wrong content type, broken JSON. Each answer is a French problem
document with the right status, never a 500 nor another's data; a retry files nothing twice.

A write operation added to the schema without a sample below fails `test_every_write_operation_has_a_sample`.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from relais.accounts.models import Team
from relais.api import services
from relais.api.models import ApplicationKey, Scope
from relais.api.v1 import api
from relais.cases.models import Case, Document
from relais.mediation import selectors as mediation_selectors
from relais.mediation.models import Appointment, Registration, Workshop, WorkshopSession
from tests.api.test_partner import RESIDENT, bookable_slots, fileable_forms, valid_answers
from tests.cases.conftest import PDF

pytestmark = pytest.mark.django_db

PARTNER_TAG = "Applications partenaires"


def write_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return sorted(
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch", "delete") and PARTNER_TAG in operation.get("tags", ())
    )


@dataclass
class Sample:
    """How to call one write operation correctly, for the application in `world`."""

    scope: str
    path: Callable[[dict], str]
    body: Callable[[dict], dict] | None = None  # JSON body; None: no body
    multipart: bool = False
    creates: Callable[[], int] | None = None  # counts the records a create makes
    other_body: Callable[[dict], dict] | None = None
    extra: dict = field(default_factory=dict)


def _pdf():
    return SimpleUploadedFile("piece.pdf", PDF, content_type="application/pdf")


SAMPLES = {
    ("post", "/api/v1/requests"): Sample(
        scope=Scope.REQUESTS_WRITE,
        path=lambda w: "/api/v1/requests",
        body=lambda w: {"form": w["form"].slug, "answers": valid_answers(w["form"]), "resident": RESIDENT},
        other_body=lambda w: {
            "form": w["form"].slug, "answers": valid_answers(w["form"]), "resident": {**RESIDENT, "last_name": "Autre"}
        },
        creates=lambda: Case.objects.count(),
    ),
    ("post", "/api/v1/requests/{reference}/documents"): Sample(
        scope=Scope.REQUESTS_WRITE,
        path=lambda w: f"/api/v1/requests/{w['case'].reference}/documents",
        multipart=True,
        creates=lambda: Document.objects.count(),
    ),
    ("post", "/api/v1/appointments"): Sample(
        scope=Scope.BOOKINGS_WRITE,
        path=lambda w: "/api/v1/appointments",
        body=lambda w: {"dropin": w["slot"].dropin.pk, "starts_at": w["slot"].starts_at.isoformat(), "resident": RESIDENT},
        other_body=lambda w: {
            "dropin": w["slot"].dropin.pk, "starts_at": w["slot"].starts_at.isoformat(), "resident": RESIDENT,
            "topic": "Autre chose",
        },
        creates=lambda: Appointment.objects.count(),
    ),
    ("post", "/api/v1/appointments/{appointment_id}/cancel"): Sample(
        scope=Scope.BOOKINGS_WRITE,
        path=lambda w: f"/api/v1/appointments/{w['appointment'].pk}/cancel",
    ),
    ("post", "/api/v1/registrations"): Sample(
        scope=Scope.BOOKINGS_WRITE,
        path=lambda w: "/api/v1/registrations",
        body=lambda w: {"workshop": w["workshop"].slug, "resident": RESIDENT},
        other_body=lambda w: {"workshop": w["workshop"].slug, "resident": {**RESIDENT, "first_name": "Autre"}},
        creates=lambda: Registration.objects.count(),
    ),
    ("post", "/api/v1/registrations/{registration_id}/cancel"): Sample(
        scope=Scope.BOOKINGS_WRITE,
        path=lambda w: f"/api/v1/registrations/{w['registration'].pk}/cancel",
    ),
}  # fmt: skip

ALL_SCOPES = [Scope.REQUESTS_WRITE, Scope.REQUESTS_READ, Scope.BOOKINGS_WRITE]


def send(sample: Sample, world, raw: str | None, *, key="auto", body="sample", content_type=None, client=None):
    client = client or Client()
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    if key == "auto":
        key = str(uuid.uuid4())
    if key:
        headers["Idempotency-Key"] = key
    path = sample.path(world)
    if sample.multipart and body == "sample":
        return client.post(path, {"file": _pdf()}, headers=headers)
    if body == "sample":
        body = sample.body(world) if sample.body else None
    if body is None:
        return client.post(path, headers=headers)
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, data, content_type=content_type or "application/json", headers=headers)


def assert_problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


@pytest.fixture
def world(administrator):
    """Two applications; the first filed a request, booked an appointment and registered someone."""
    application, raw = services.application_create(
        name="Appli A", scopes=ALL_SCOPES, actor=administrator, rate_limit=100_000
    )
    other, other_raw = services.application_create(
        name="Appli B", scopes=ALL_SCOPES, actor=administrator, rate_limit=100_000
    )
    form = fileable_forms().filter(asks_location=False, fields__required=True).distinct().first()
    start = timezone.now() + datetime.timedelta(days=7)
    workshop = Workshop.objects.create(
        team=Team.objects.get(slug="mediation"), slug="atelier-robuste", title="Atelier", description="Essai.",
        theme="email", place_id=mediation_selectors.places_with_appointments(advisors_only=False).first().pk,
        capacity=5, registration_opens_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    WorkshopSession.objects.create(workshop=workshop, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    slots = bookable_slots()
    w = {"app": application, "raw": raw, "other": other, "other_raw": other_raw, "form": form,
         "workshop": workshop, "slot": slots[0]}  # fmt: skip
    headers = {"Authorization": f"Bearer {raw}"}
    client = Client()
    made = client.post(
        "/api/v1/requests", SAMPLES["post", "/api/v1/requests"].body(w), content_type="application/json",
        headers={**headers, "Idempotency-Key": "monde-1"},
    )  # fmt: skip
    w["case"] = Case.objects.get(reference=made.json()["reference"])
    booked = client.post(
        "/api/v1/appointments",
        {"dropin": slots[1].dropin.pk, "starts_at": slots[1].starts_at.isoformat(), "resident": RESIDENT},
        content_type="application/json", headers={**headers, "Idempotency-Key": "monde-2"},
    )  # fmt: skip
    w["appointment"] = Appointment.objects.get(pk=booked.json()["id"])
    registered = client.post(
        "/api/v1/registrations", {"workshop": workshop.slug, "resident": {**RESIDENT, "first_name": "Inscrite"}},
        content_type="application/json", headers={**headers, "Idempotency-Key": "monde-3"},
    )  # fmt: skip
    w["registration"] = Registration.objects.get(pk=registered.json()["id"])
    return w


OPERATIONS = write_operations()


def test_every_write_operation_has_a_sample():
    assert OPERATIONS, "the partner router has no write operation"
    assert set(OPERATIONS) == set(SAMPLES)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_without_a_valid_key_nothing_happens(operation, world, administrator):
    sample = SAMPLES[operation]
    counted = sample.creates() if sample.creates else None
    assert_problem(send(sample, world, None), 401)
    assert_problem(send(sample, world, "rls_0000_nimportequoi"), 401)
    assert_problem(send(sample, world, world["raw"][:-2] + "xx"), 401)
    # A revoked key, and a key replaced by a rotation once its grace period is over.
    application, revoked = services.application_create(name="Révoquée", scopes=ALL_SCOPES, actor=administrator)
    services.key_revoke(key=application.keys.get(), actor=administrator)
    assert_problem(send(sample, world, revoked), 401)
    application, rotated = services.application_create(name="Tournée", scopes=ALL_SCOPES, actor=administrator)
    services.key_rotate(application=application, actor=administrator)
    ApplicationKey.objects.filter(application=application, expires_at__isnull=False).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert_problem(send(sample, world, rotated), 401)
    # The whole application revoked.
    application, raw = services.application_create(name="Arrêtée", scopes=ALL_SCOPES, actor=administrator)
    services.application_revoke(application=application, actor=administrator)
    assert_problem(send(sample, world, raw), 401)
    if counted is not None:
        assert sample.creates() == counted


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_a_key_without_the_scope_is_forbidden(operation, world, administrator):
    sample = SAMPLES[operation]
    others = [s for s in ALL_SCOPES if s != sample.scope]
    _application, raw = services.application_create(name="Sans le droit", scopes=others, actor=administrator)
    body = assert_problem(send(sample, world, raw), 403)
    assert "Appli A" not in json.dumps(body)


@pytest.mark.parametrize(
    "operation", [o for o in OPERATIONS if "{" in o[1]], ids=[f"{m} {p}" for m, p in OPERATIONS if "{" in p]
)
def test_another_application_object_is_not_found_and_unchanged(operation, world):
    sample = SAMPLES[operation]
    response = send(sample, world, world["other_raw"])
    body = assert_problem(response, 404)
    text = json.dumps(body, ensure_ascii=False)
    assert RESIDENT["last_name"] not in text and world["case"].reference not in text
    world["appointment"].refresh_from_db()
    world["registration"].refresh_from_db()
    assert world["appointment"].cancelled_at is None and world["registration"].status != "cancelled"
    assert not world["case"].documents.exists()


CREATES = [o for o in OPERATIONS if SAMPLES[o].creates]


@pytest.mark.parametrize("operation", CREATES, ids=[f"{m} {p}" for m, p in CREATES])
def test_a_create_needs_an_idempotency_key_and_a_retry_files_once(operation, world):
    sample = SAMPLES[operation]
    before = sample.creates()
    body = assert_problem(send(sample, world, world["raw"], key=None), 400)
    assert "Idempotency-Key" in body["title"]
    assert sample.creates() == before
    first = send(sample, world, world["raw"], key="essai-1")
    assert first.status_code == 201, first.content
    again = send(sample, world, world["raw"], key="essai-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert sample.creates() == before + 1
    # The same key with another body is a mistake of the caller: refused, nothing made.
    if sample.other_body:
        assert_problem(send(sample, world, world["raw"], key="essai-1", body=sample.other_body(world)), 422)
    else:
        other = SimpleUploadedFile("autre.pdf", PDF + b"\n", content_type="application/pdf")
        response = Client().post(
            sample.path(world), {"file": other},
            headers={"Authorization": f"Bearer {world['raw']}", "Idempotency-Key": "essai-1"},
        )  # fmt: skip
        assert_problem(response, 422)
    assert sample.creates() == before + 1
    # Another application may use the same key for its own creates: keys are per application.
    if not sample.multipart:
        response = send(sample, world, world["other_raw"], key="essai-1")
        assert "Idempotent-Replayed" not in response and response.status_code in (201, 409, 422), response.content


JSON_CREATES = [o for o in OPERATIONS if SAMPLES[o].body]


@pytest.mark.parametrize("operation", JSON_CREATES, ids=[f"{m} {p}" for m, p in JSON_CREATES])
def test_broken_bodies_are_problems_never_server_errors(operation, world, settings):
    sample = SAMPLES[operation]
    before = sample.creates()
    raw = world["raw"]
    assert_problem(send(sample, world, raw, body='{"form": '), 400)
    assert_problem(send(sample, world, raw, body=b"\xff\xfe\x00"), 400)
    assert_problem(send(sample, world, raw, body="a=b&c=d", content_type="application/x-www-form-urlencoded"), 415)
    assert_problem(send(sample, world, raw, body=json.dumps(sample.body(world)), content_type="text/plain"), 415)
    assert_problem(send(sample, world, raw, body="[1, 2]"), 422)
    assert_problem(send(sample, world, raw, body={}), 422)
    big = {**sample.body(world), "padding": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    body = assert_problem(send(sample, world, raw, body=big), 413)
    assert "taille" in body["detail"]
    assert sample.creates() == before


def test_the_document_operation_refuses_json_and_oversize_files_as_problems(world, settings):
    sample = SAMPLES["post", "/api/v1/requests/{reference}/documents"]
    raw = world["raw"]
    response = send(sample, world, raw, body={"file": "piece.pdf"})
    assert response.status_code in (415, 422) and response["Content-Type"] == "application/problem+json"
    settings.RELAIS = {**settings.RELAIS, "MAX_UPLOAD_MB": 1}
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    response = Client().post(
        sample.path(world), {"file": big}, headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "gros"}
    )
    assert_problem(response, 413)
    assert not world["case"].documents.exists()


def test_odd_values_are_refused_as_problems_never_server_errors(world):
    raw, form, slot = world["raw"], world["form"], world["slot"]
    client = Client()

    def post(path, body):
        return client.post(
            path, json.dumps(body), content_type="application/json",
            headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip

    before = Case.objects.count(), Appointment.objects.count(), Registration.objects.count()
    assert_problem(post("/api/v1/requests", {"form": form.slug, "resident": {**RESIDENT, "last_name": "A\x00B"}}), 422)
    assert_problem(post("/api/v1/requests", {"form": "a\x00b", "resident": RESIDENT}), 422)
    question = next(iter(valid_answers(form)))
    for odd in ({"a": 1}, [{"a": 1}], [1, 2]):
        body = assert_problem(post("/api/v1/requests", {"form": form.slug, "answers": {question: odd},
                                                        "resident": RESIDENT}), 422)  # fmt: skip
        assert body["errors"][0]["field"] == f"answers.{question}"
    far = {"dropin": slot.dropin.pk, "starts_at": "9999-12-31T10:00:00+01:00", "resident": RESIDENT}
    assert_problem(post("/api/v1/appointments", far), 409)
    assert_problem(post("/api/v1/appointments", {**far, "starts_at": "0001-01-01T10:00:00"}), 409)
    assert_problem(post("/api/v1/appointments", {**far, "dropin": 10**30}), 422)
    assert_problem(post("/api/v1/registrations", {"workshop": "9" * 40, "resident": RESIDENT}), 422)
    assert_problem(post("/api/v1/requests", {"form": form.slug, "on_behalf": {"person": 10**20}}), 422)
    assert_problem(post(f"/api/v1/appointments/{10**20}/cancel", {}), 404)
    assert_problem(post(f"/api/v1/registrations/{10**20}/cancel", {}), 404)
    assert (Case.objects.count(), Appointment.objects.count(), Registration.objects.count()) == before


def test_a_local_time_without_offset_books_the_town_s_slot(world):
    slot = world["slot"]
    local = timezone.localtime(slot.starts_at).replace(tzinfo=None).isoformat()
    response = Client().post(
        "/api/v1/appointments", {"dropin": slot.dropin.pk, "starts_at": local, "resident": RESIDENT},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['raw']}", "Idempotency-Key": "heure-locale"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert Appointment.objects.get(pk=response.json()["id"]).starts_at == slot.starts_at
