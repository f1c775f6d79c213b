"""The staff API after review: tampered cursors, appointments emptied by retention, the
correction check on decisions, an appointment's defaults, assignment answers that tell
nothing of other accounts, an application's reads that leave a resident's reply new."""

import base64
import json

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Role, User
from relais.api import cursor as api_cursor
from relais.cases import services as case_services
from relais.cases.models import Case
from relais.mediation import selectors as mediation_selectors
from relais.mediation.models import Accompaniment, Appointment
from tests.api.test_staff_accompaniments import advisor_key
from tests.api.test_staff_cases import api, staff_key
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil():
    return staff_key("etat-civil", Role.CASE_WORKER)


@pytest.fixture
def civil_case():
    return Case.objects.filter(team__slug="etat-civil", status="in_progress").first()


@pytest.fixture
def coop():
    return advisor_key()


def unsigned(text: str) -> str:
    """A cursor as the API wrote them before they were signed: base64 of JSON."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# ---------------------------------------------------------------- cursors

TAMPERED_CASE_CURSORS = {
    "an id beyond any float": ("-submitted_at", '["cases-submitted_at","2026-01-01T00:00:00+00:00",1e400]'),
    "an id beyond any row": ("-submitted_at", '["cases-submitted_at","2026-01-01T00:00:00+00:00",' + "9" * 30 + "]"),
    "the last instant of year 9999": ("-submitted_at", '["cases-submitted_at","9999-12-31T23:59:59-14:00",1]'),
    "the first instant of year 1": ("-submitted_at", '["cases-submitted_at","0001-01-01T00:00:00+14:00",1]'),
    "a lone surrogate": ("reference", '["casesreference","\\ud800",1]'),
    "a NUL": ("reference", '["casesreference","a\\u0000b",1]'),
    "a far due date": ("due_date", '["casesdue_date","9999-12-31",1]'),
    "a decimal id": ("-submitted_at", '["cases-submitted_at","2026-01-01T00:00:00+00:00",1.5]'),
}


@pytest.mark.parametrize("name", list(TAMPERED_CASE_CURSORS))
def test_a_tampered_case_cursor_is_a_422_on_the_cursor(civil, name):
    _app, raw = civil
    sort, text = TAMPERED_CASE_CURSORS[name]
    for cursor in (unsigned(text), unsigned(text) + ":forged"):
        response = api("get", "/staff/cases", raw, tab="toutes", sort=sort, cursor=cursor)
        assert response.status_code == 422, name
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "cursor"


def test_a_tampered_accompaniment_cursor_is_a_422(coop):
    _app, raw = coop
    for text in (
        '["accompaniments","2026-01-01","2026-01-01T00:00:00+00:00",1e400]',
        '["accompaniments","2026-01-01","9999-12-31T23:59:59-14:00",1]',
    ):
        response = api("get", "/staff/accompaniments", raw, cursor=unsigned(text))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


def test_the_next_cursor_walks_the_queue_and_serves_only_its_own_list_and_sort(civil):
    _app, raw = civil
    total = api("get", "/staff/cases", raw, tab="toutes", limit=100).json()["results"]
    assert len(total) >= 3
    seen, cursor = [], None
    while True:
        params = {"tab": "toutes", "limit": 2, "sort": "reference"}
        if cursor:
            params["cursor"] = cursor
        page = api("get", "/staff/cases", raw, **params).json()
        seen += [row["reference"] for row in page["results"]]
        cursor = page["next"]
        if not cursor:
            break
        last_cursor = cursor
    assert seen == sorted(row["reference"] for row in total)
    # Handed to another sort of the same list, or with one character changed, it is refused.
    other_sort = api("get", "/staff/cases", raw, tab="toutes", sort="due_date", cursor=last_cursor)
    assert other_sort.status_code == 422
    changed = last_cursor[:-1] + ("A" if last_cursor[-1] != "A" else "B")
    assert api("get", "/staff/cases", raw, tab="toutes", sort="reference", cursor=changed).status_code == 422


def test_signed_values_out_of_range_are_still_refused_not_sent_to_the_database():
    # Only the server signs, but a conversion that would overflow stays guarded all the same.
    kind, keys = "cases-submitted_at", [("submitted_at", True), ("pk", True)]
    qs = Case.objects.order_by("-submitted_at", "-pk")
    for values in (("9999-12-31T23:59:59-14:00", 1), ("2026-01-01T00:00:00+00:00", 10**30), ("x", True)):
        with pytest.raises(ValidationError) as refused:
            api_cursor.paginate_queryset(qs, kind=kind, keys=keys, cursor=api_cursor.encode(values, kind), limit=5)
        assert "cursor" in refused.value.message_dict
    first = Case.objects.order_by("-submitted_at", "-pk").first()
    good = api_cursor.encode((first.submitted_at.isoformat(), first.pk), kind)
    rows, _next = api_cursor.paginate_queryset(qs, kind=kind, keys=keys, cursor=good, limit=5)
    assert first not in rows and rows == list(qs.exclude(pk=first.pk)[:5])
    assert signing.loads(good, salt="relais.api.cursor:" + kind) == [first.submitted_at.isoformat(), first.pk]


# ---------------------------------------------------------------- decisions and corrections


def test_a_decision_without_the_reads_correction_version_is_refused_while_a_correction_waits(civil, civil_case):
    _app, raw = civil
    Case.objects.filter(pk=civil_case.pk).update(correction_received_at=timezone.now())
    path = f"/staff/cases/{civil_case.reference}/status"
    omitted = api("post", path, raw, {"status": "accepted"})
    assert omitted.status_code == 422 and "relisez" in omitted.json()["errors"][0]["detail"]
    civil_case.refresh_from_db()
    assert civil_case.status == "in_progress" and civil_case.correction_received_at is not None
    seen = api("get", f"/staff/cases/{civil_case.reference}", raw).json()["correction_version"]
    assert seen
    decided = api("post", path, raw, {"status": "accepted", "correction_seen": seen})
    assert decided.status_code == 200 and decided.json()["correction_received"] is False


def test_the_case_page_refuses_a_decision_posted_without_its_version_too(civil_case, case_worker):
    Case.objects.filter(pk=civil_case.pk).update(correction_received_at=timezone.now())
    with pytest.raises(Exception, match="relisez"):
        case_services.case_change_status(case=civil_case, status="accepted", explain=True, actor=case_worker)
    # A bulk action (no page read, explain=False) still moves it, as before.
    case_services.case_change_status(case=civil_case, status="accepted", actor=case_worker)
    civil_case.refresh_from_db()
    assert civil_case.status == "accepted"


def test_the_openapi_schema_tells_a_decision_needs_the_correction_version_and_lists_413_415():
    schema = Client().get("/api/v1/openapi.json").json()
    assert "correction_version" in json.dumps(schema["components"]["schemas"]["StatusIn"], ensure_ascii=False)
    for path, method in (
        ("/api/v1/staff/cases/{reference}/status", "post"),
        ("/api/v1/staff/cases/{reference}/assignee", "put"),
        ("/api/v1/staff/cases/{reference}/notes", "post"),
        ("/api/v1/staff/accompaniments", "post"),
        ("/api/v1/staff/accompaniments/{pk}", "patch"),
    ):
        responses = schema["paths"][path][method]["responses"]
        assert {"413", "415"} <= set(responses), path


# ---------------------------------------------------------------- assigning


def test_assigning_answers_the_same_for_an_unknown_id_and_someone_outside_the_team(
    civil, civil_case, other_case_worker
):
    _app, raw = civil
    path = f"/staff/cases/{civil_case.reference}/assignee"
    resident_account = User.objects.filter(is_staff=False, memberships=None).exclude(is_application=True).first()
    answers = [
        api("put", path, raw, {"assignee_id": pk})
        for pk in (2_000_000, other_case_worker.pk, resident_account.pk if resident_account else 1_999_999)
    ]
    assert [a.status_code for a in answers] == [422, 422, 422]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["errors"][0]["field"] == "assignee_id"
    civil_case.refresh_from_db()
    assert civil_case.assignee_id not in {other_case_worker.pk, 2_000_000}


# ---------------------------------------------------------------- an application's reads


def test_an_applications_read_leaves_the_residents_reply_new_for_the_agents(civil, civil_case, case_worker):
    _app, raw = civil
    replied = timezone.now()
    Case.objects.filter(pk=civil_case.pk).update(resident_replied_at=replied)
    assert api("get", f"/staff/cases/{civil_case.reference}", raw).json()["resident_replied"] is True
    civil_case.refresh_from_db()
    assert civil_case.resident_replied_at == replied
    listed = api("get", "/staff/cases", raw, tab="toutes", limit=100).json()["results"]
    assert next(c for c in listed if c["reference"] == civil_case.reference)["resident_replied"] is True
    # An agent opening the case page has read it.
    page = staff_client(case_worker).get(reverse("cases:detail", args=[civil_case.reference]))
    assert page.status_code == 200
    civil_case.refresh_from_db()
    assert civil_case.resident_replied_at is None


# ---------------------------------------------------------------- accompaniments from appointments


def _appointment(user, **filters) -> Appointment:
    appointment = (
        mediation_selectors.appointments_visible_to(user)
        .filter(team_id__in=mediation_selectors.mediation_team_ids(user), **filters)
        .order_by("pk")
        .first()
    )
    if appointment is None:
        pytest.skip("the demo town has no appointment of the mediation team")
    return appointment


def test_an_appointment_whose_person_retention_emptied_is_recorded_without_a_500(coop, resident_with_email):
    application, raw = coop
    appointment = _appointment(application.user)
    Appointment.objects.filter(pk=appointment.pk).update(person=None)
    named = api(
        "post", "/staff/accompaniments", raw,
        {"appointment_id": appointment.pk, "person_id": resident_with_email.pk, "themes": ["email"]},
        idempotency_key="emptied-1",
    )  # fmt: skip
    assert named.status_code == 201, named.content
    assert named.json()["person"]["id"] == resident_with_email.pk
    assert named.json()["appointment_id"] == appointment.pk
    anonymous = api(
        "post", "/staff/accompaniments", raw,
        {"appointment_id": appointment.pk, "themes": ["email"], "gender": "feminin",
         "age_band": "soixante_dix_plus", "social_status": "retraite"},
        idempotency_key="emptied-2",
    )  # fmt: skip
    assert anonymous.status_code == 201 and anonymous.json()["person"] is None


def test_a_record_from_an_appointment_starts_from_its_day_length_place_and_team(coop):
    application, raw = coop
    appointment = _appointment(application.user, person__isnull=False)
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    response = api(
        "post", "/staff/accompaniments", raw, {"appointment_id": appointment.pk, "themes": ["email"]},
        idempotency_key="from-appointment",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["date"] == timezone.localtime(appointment.starts_at).date().isoformat()
    assert body["duration"] == minutes
    assert (body["place"] or {}).get("id") == appointment.place_id
    assert body["person"]["id"] == appointment.person_id
    assert Accompaniment.objects.get(pk=body["id"]).team_id == appointment.team_id
    # What is sent wins over the appointment's values.
    sent = api(
        "post", "/staff/accompaniments", raw,
        {"appointment_id": appointment.pk, "themes": ["email"], "duration": minutes + 15, "date": "2026-01-05"},
        idempotency_key="from-appointment-2",
    )  # fmt: skip
    assert sent.status_code == 201 and sent.json()["duration"] == minutes + 15 and sent.json()["date"] == "2026-01-05"


def test_a_record_without_a_place_is_in_the_advisors_usual_place(coop):
    application, raw = coop
    usual = mediation_selectors.usual_place(application.user)
    assert usual is not None
    body = {"themes": ["email"], "gender": "feminin", "age_band": "soixante_dix_plus", "social_status": "retraite"}
    response = api("post", "/staff/accompaniments", raw, body, idempotency_key="no-place")
    assert response.status_code == 201 and response.json()["place"]["id"] == usual.pk
    # At home, no place is assumed (the commune is asked instead).
    home = api(
        "post", "/staff/accompaniments", raw, {**body, "place_type": "domicile", "commune": "Valbrenne"},
        idempotency_key="at-home",
    )  # fmt: skip
    assert home.status_code == 201 and home.json()["place"] is None
