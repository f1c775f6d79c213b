"""Staff applications and the team's cases: exactly what an agent of the key's role in the
key's team sees and may do, through the staff screens' own selectors and services."""

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relais.accounts.models import Role, Team, User
from relais.api import services as api_services
from relais.api.models import Scope
from relais.cases import selectors
from relais.cases import services as case_services
from relais.cases.models import Case, CaseEvent, EventKind, Form
from relais.core.models import AuditEvent, Channel
from relais.notifications.models import Message
from tests.conftest import make_member, staff_client

pytestmark = pytest.mark.django_db

ALL_CASE_SCOPES = [Scope.CASES_READ, Scope.CASES_WRITE]


def staff_key(team_slug: str, role: str, scopes=ALL_CASE_SCOPES, name: str = "Logiciel de l'état civil"):
    admin = User.objects.get(email="admin@valbrenne.fr")
    team = Team.objects.get(slug=team_slug)
    return api_services.application_create(name=name, scopes=scopes, team=team, role=role, actor=admin)


def api(method: str, path: str, key: str | None = None, body=None, idempotency_key: str | None = None, **params):
    headers = {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    client = Client()
    url = f"/api/v1{path}"
    if method == "get":
        return client.get(url, params, headers=headers)
    return getattr(client, method)(
        url, json.dumps(body if body is not None else {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def civil():
    """A key of a case worker of État civil."""
    return staff_key("etat-civil", Role.CASE_WORKER)


@pytest.fixture
def civil_case():
    return Case.objects.filter(team__slug="etat-civil", status="in_progress").first()


@pytest.fixture
def street_key():
    """A key of a case worker of Urbanisme: another team."""
    return staff_key("urbanisme", Role.CASE_WORKER, name="Logiciel de l'urbanisme")


def operations(reference: str):
    """Every case operation: (method, path, body)."""
    return [
        ("get", "/staff/cases", None),
        ("get", "/staff/colleagues", None),
        ("get", f"/staff/cases/{reference}", None),
        ("post", f"/staff/cases/{reference}/status", {"status": "accepted"}),
        ("put", f"/staff/cases/{reference}/assignee", {"assignee_id": None}),
        ("post", f"/staff/cases/{reference}/notes", {"text": "Vu au guichet."}),
        ("post", f"/staff/cases/{reference}/messages", {"text": "Votre dossier avance."}),
    ]


def call(method, path, key, body):
    if method == "get":
        return api("get", path, key)
    return api(method, path, key, body, idempotency_key=str(uuid.uuid4()))


# ---------------------------------------------------------------- who may call


def test_without_a_key_or_with_a_revoked_one_every_operation_answers_401(civil, civil_case):
    application, raw = civil
    api_services.application_revoke(application=application, actor=User.objects.get(email="admin@valbrenne.fr"))
    before = civil_case.events.count()
    for method, path, body in operations(civil_case.reference):
        for key in (None, raw, "rls_nimporte_quoi"):
            response = call(method, path, key, body)
            assert response.status_code == 401, (method, path, key)
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["title"] == "Clé d'application absente ou invalide."
    civil_case.refresh_from_db()
    assert civil_case.status == "in_progress" and civil_case.events.count() == before


def test_a_key_without_the_scope_is_refused_with_403(civil_case):
    _app, reader = staff_key("etat-civil", Role.CASE_WORKER, scopes=[Scope.CASES_READ], name="Lecteur")
    _app, writer = staff_key("etat-civil", Role.CASE_WORKER, scopes=[Scope.CASES_WRITE], name="Rédacteur")
    _app, advisor = staff_key("mediation", Role.ADVISOR, scopes=[Scope.ACCOMPANIMENTS_WRITE], name="Coop")
    for method, path, body in operations(civil_case.reference):
        reads = method == "get"
        assert call(method, path, advisor, body).status_code == 403, path
        assert call(method, path, writer if reads else reader, body).status_code == 403, path
    civil_case.refresh_from_db()
    assert civil_case.status == "in_progress"
    assert not civil_case.events.filter(kind__in=[EventKind.NOTE, EventKind.MESSAGE]).exists()


def test_a_key_of_another_team_never_sees_nor_touches_the_case(street_key, civil_case):
    _app, raw = street_key
    listed = api("get", "/staff/cases", raw, tab="toutes", limit=100).json()["results"]
    assert listed and all(row["form"]["slug"] != civil_case.form.slug for row in listed)
    assert civil_case.reference not in {row["reference"] for row in listed}
    searched = api("get", "/staff/cases", raw, tab="toutes", q=civil_case.reference).json()["results"]
    assert searched == []
    for method, path, body in operations(civil_case.reference)[2:]:
        response = call(method, path, raw, body)
        assert response.status_code == 404, path
        assert response.json()["title"] == "Introuvable."
        assert civil_case.person.last_name not in response.content.decode()
    civil_case.refresh_from_db()
    assert civil_case.status == "in_progress"


# ---------------------------------------------------------------- reading


def test_the_list_is_the_rows_the_staff_queue_shows_to_an_agent_of_the_same_role(civil):
    _app, raw = civil
    agent = make_member("second.instructeur@valbrenne.fr", "etat-civil", Role.CASE_WORKER)
    web = staff_client(agent)
    for query, params in [
        ("?onglet=toutes", {"tab": "toutes"}),
        ("?onglet=nouvelles", {"tab": "nouvelles"}),
        ("?onglet=toutes&status=in_progress", {"tab": "toutes", "status": "in_progress"}),
        ("?onglet=toutes&sort=due_date", {"tab": "toutes", "sort": "due_date"}),
        ("?onglet=traitees", {"tab": "traitees"}),
    ]:
        page = web.get(reverse("cases:queue") + query)
        assert page.status_code == 200
        shown = [case.reference for case in page.context["page_obj"]]
        listed = [row["reference"] for row in api("get", "/staff/cases", raw, **params).json()["results"]]
        assert listed == shown, query


def test_a_reception_key_gets_what_a_reception_agent_gets(reception_agent, civil_case):
    application, raw = staff_key("accueil", Role.RECEPTION, name="Borne d'accueil")
    # The queue is the case workers' screen: the web refuses it to reception, so does the API.
    assert staff_client(reception_agent).get(reverse("cases:queue")).status_code == 404
    response = api("get", "/staff/cases", raw)
    assert response.status_code == 403 and response.json()["detail"]
    # A case recorded by another reception agent: neither of them opens it.
    recorded = case_services.case_submit(
        form=civil_case.form, person=civil_case.person, answers={a["key"]: a["value"] for a in civil_case.answers},
        channel=Channel.COUNTER, recorded_by=reception_agent,
    )  # fmt: skip
    other_agent = make_member("autre.accueil@valbrenne.fr", "accueil", Role.RECEPTION)
    assert staff_client(other_agent).get(recorded.get_absolute_url()).status_code == 404
    assert api("get", f"/staff/cases/{recorded.reference}", raw).status_code == 404
    # One it recorded itself it follows, read only, like the agent who recorded it.
    own = case_services.case_submit(
        form=civil_case.form, person=civil_case.person, answers={a["key"]: a["value"] for a in civil_case.answers},
        channel=Channel.API, recorded_by=application.user,
    )  # fmt: skip
    assert staff_client(reception_agent).get(recorded.get_absolute_url()).status_code == 200
    detail = api("get", f"/staff/cases/{own.reference}", raw)
    assert detail.status_code == 200 and detail.json()["may_work"] is False
    refused = api("post", f"/staff/cases/{own.reference}/status", raw, {"status": "accepted"})
    assert refused.status_code == 403
    own.refresh_from_db()
    assert own.status == "submitted"


def test_a_case_reads_with_answers_documents_and_timeline_and_the_read_is_journaled(civil, civil_case):
    application, raw = civil
    response = api("get", f"/staff/cases/{civil_case.reference}", raw)
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == civil_case.reference and body["status"] == "in_progress"
    assert body["status_label"] == "En cours de traitement" and body["team"] == "etat-civil"
    assert body["person_name"] == civil_case.person.display_name
    assert [a["key"] for a in body["answers"]] == [a["key"] for a in civil_case.answers]
    assert {d["name"] for d in body["documents"]} == set(civil_case.documents.values_list("name", flat=True))
    assert [e["kind"] for e in body["timeline"]] == list(civil_case.events.values_list("kind", flat=True))
    assert body["may_work"] is True
    seen = AuditEvent.objects.filter(action="cases.case.viewed", actor=application.user, object_id=str(civil_case.pk))
    assert seen.count() == 1 and seen.get().person_id == civil_case.person_id


def test_the_list_is_journaled_with_the_people_it_shows(civil):
    application, raw = civil
    rows = api("get", "/staff/cases", raw, tab="toutes", limit=5).json()["results"]
    entry = AuditEvent.objects.get(action="cases.queue.viewed", actor=application.user)
    shown = Case.objects.filter(reference__in=[row["reference"] for row in rows]).values_list("person_id", flat=True)
    assert sorted(entry.details["people"]) == sorted(set(shown))


def _more_cases(n: int) -> None:
    """`n` more requests at État civil (copies of one, each its own reference)."""
    model = Case.objects.filter(team__slug="etat-civil").first()
    Case.objects.bulk_create(
        [
            Case(
                reference=f"2025-9{i:04d}", form=model.form, team=model.team, person=model.person,
                answers=model.answers, channel=model.channel, status="submitted", due_date=model.due_date,
                submitted_at=model.submitted_at, search_text=model.search_text,
            )
            for i in range(n)
        ]
    )  # fmt: skip


def test_the_cursor_walks_every_row_once_in_the_queue_order(civil):
    _app, raw = civil
    _more_cases(12)
    everything = [
        row["reference"] for row in api("get", "/staff/cases", raw, tab="toutes", limit=100).json()["results"]
    ]
    assert len(everything) > 12
    walked, cursor = [], None
    while True:
        params = {"tab": "toutes", "limit": 5, **({"cursor": cursor} if cursor else {})}
        page = api("get", "/staff/cases", raw, **params).json()
        walked += [row["reference"] for row in page["results"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert walked == everything
    refused = api("get", "/staff/cases", raw, tab="toutes", cursor="pas-un-curseur")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "cursor"
    # A cursor belongs to its sort: reused with another, it is refused rather than skipping rows.
    first = api("get", "/staff/cases", raw, tab="toutes", limit=5).json()["next"]
    assert api("get", "/staff/cases", raw, tab="toutes", sort="due_date", cursor=first).status_code == 422


def test_filters_are_the_queues_and_bad_ones_are_said_in_french(civil, civil_case):
    _app, raw = civil
    by_form = api("get", "/staff/cases", raw, tab="toutes", form=civil_case.form.slug).json()["results"]
    assert by_form and {row["form"]["slug"] for row in by_form} == {civil_case.form.slug}
    found = api("get", "/staff/cases", raw, tab="toutes", q=civil_case.reference).json()["results"]
    assert [row["reference"] for row in found] == [civil_case.reference]
    street_form = Form.objects.filter(team__slug="urbanisme").first()
    refused = api("get", "/staff/cases", raw, form=street_form.slug)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["form"]
    backwards = api("get", "/staff/cases", raw, start="2026-12-01", end="2026-11-01")
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == [
        {"field": "end", "pointer": "#/end", "detail": "La date de fin doit être après la date de début."}
    ]
    assert api("get", "/staff/cases", raw, assignee="123456").json()["errors"][0]["field"] == "assignee"
    assert api("get", "/staff/cases", raw, tab="corbeille").status_code == 422


def test_the_list_costs_the_same_queries_whatever_its_length(civil, django_assert_max_num_queries):
    _app, raw = civil
    _more_cases(110)
    with CaptureQueriesContext(connection) as small:
        assert len(api("get", "/staff/cases", raw, tab="toutes", limit=2).json()["results"]) == 2
    with django_assert_max_num_queries(len(small)):
        assert len(api("get", "/staff/cases", raw, tab="toutes", limit=100).json()["results"]) == 100


# ---------------------------------------------------------------- changing


def test_a_status_change_is_in_the_timeline_and_the_journal_under_the_application_name(civil, civil_case):
    application, raw = civil
    # A decision is taken on a read: it sends back the read's correction_version.
    seen = api("get", f"/staff/cases/{civil_case.reference}", raw).json()["correction_version"]
    response = api(
        "post", f"/staff/cases/{civil_case.reference}/status", raw,
        {"status": "accepted", "message": "C'est accordé.", "correction_seen": seen},
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    civil_case.refresh_from_db()
    assert civil_case.status == "accepted"
    event = civil_case.events.filter(kind=EventKind.STATUS).last()
    assert event.actor == application.user and event.new_status == "accepted"
    assert str(event.actor) == "Logiciel de l'état civil"
    entry = AuditEvent.objects.get(
        action="cases.case.status_changed", object_id=str(civil_case.pk), actor=application.user
    )
    assert entry.actor == application.user and entry.details == {"from": "in_progress", "to": "accepted"}
    timeline = api("get", f"/staff/cases/{civil_case.reference}", raw).json()["timeline"]
    assert timeline[-1]["actor"] == "Logiciel de l'état civil" and timeline[-1]["new_status"] == "accepted"


def test_a_change_the_workflow_refuses_is_a_422_with_the_services_french_message(civil, civil_case):
    _app, raw = civil
    response = api("post", f"/staff/cases/{civil_case.reference}/status", raw, {"status": "submitted"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "status", "pointer": "#/status", "detail": "Ce dossier ne peut pas passer à cet état."}
    ]
    # As on the case page, a refusal or a question tells the resident why.
    refused = api("post", f"/staff/cases/{civil_case.reference}/status", raw, {"status": "refused"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "message"
    assert (
        refused.json()["errors"][0]["detail"] == "Expliquez à l'habitant ce qu'il doit faire ou pourquoi c'est refusé."
    )
    civil_case.refresh_from_db()
    assert civil_case.status == "in_progress"
    asked = api(
        "post", f"/staff/cases/{civil_case.reference}/status", raw,
        {
            "status": "waiting_for_resident",
            "message": "Envoyez la copie du passeport.",
            "correction_seen": api("get", f"/staff/cases/{civil_case.reference}", raw).json()["correction_version"],
        },
    )  # fmt: skip
    assert asked.status_code == 200
    assert Message.objects.filter(person=civil_case.person, template="case_status").exists()


def test_a_decision_made_before_a_correction_arrived_is_refused(civil, civil_case):
    _app, raw = civil
    seen = api("get", f"/staff/cases/{civil_case.reference}", raw).json()["correction_version"]
    Case.objects.filter(pk=civil_case.pk).update(correction_received_at="2026-11-30T10:00:00Z")
    response = api(
        "post", f"/staff/cases/{civil_case.reference}/status", raw, {"status": "accepted", "correction_seen": seen}
    )
    assert response.status_code == 422
    assert "relisez" in response.json()["errors"][0]["detail"]


def test_assignment_within_the_team_only(civil, civil_case, case_worker, other_case_worker):
    application, raw = civil
    colleagues = api("get", "/staff/colleagues", raw).json()
    assert case_worker.pk in {c["id"] for c in colleagues}
    assert other_case_worker.pk not in {c["id"] for c in colleagues}
    done = api("put", f"/staff/cases/{civil_case.reference}/assignee", raw, {"assignee_id": case_worker.pk})
    assert done.status_code == 200 and done.json()["assignee"]["id"] == case_worker.pk
    refused = api("put", f"/staff/cases/{civil_case.reference}/assignee", raw, {"assignee_id": other_case_worker.pk})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "assignee_id"
    civil_case.refresh_from_db()
    assert civil_case.assignee == case_worker
    assert civil_case.events.filter(kind=EventKind.ASSIGNED, actor=application.user).count() == 1
    cleared = api("put", f"/staff/cases/{civil_case.reference}/assignee", raw, {"assignee_id": None})
    assert cleared.status_code == 200 and cleared.json()["assignee"] is None


def test_a_retried_note_makes_one_note(civil, civil_case):
    application, raw = civil
    path = f"/staff/cases/{civil_case.reference}/notes"
    first = api("post", path, raw, {"text": "Pièce vue au guichet."}, idempotency_key="note-1")
    again = api("post", path, raw, {"text": "Pièce vue au guichet."}, idempotency_key="note-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    notes = civil_case.events.filter(kind=EventKind.NOTE, actor=application.user)
    assert notes.count() == 1 and notes.get().text == "Pièce vue au guichet."
    assert AuditEvent.objects.filter(action="cases.case.note_added", actor=application.user).count() == 1
    other_body = api("post", path, raw, {"text": "Autre chose."}, idempotency_key="note-1")
    assert other_body.status_code == 422
    missing = api("post", path, raw, {"text": "Sans clé."})
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()["title"]
    assert notes.count() == 1


def test_a_note_retried_under_the_service_lock_is_one_note(civil, civil_case):
    """Two retries arriving together: the service's own submission key makes one note."""
    application, _raw = civil
    key = uuid.uuid4()
    for _ in range(2):
        case_services.case_add_note(case=civil_case, text="Une fois.", actor=application.user, submission_key=key)
    assert CaseEvent.objects.filter(submission_key=key).count() == 1


def test_a_retried_message_reaches_the_resident_once(civil, civil_case):
    application, raw = civil
    path = f"/staff/cases/{civil_case.reference}/messages"
    before = Message.objects.filter(person=civil_case.person).count()
    for _ in range(2):
        response = api("post", path, raw, {"text": "Votre attestation est prête."}, idempotency_key="msg-42")
        assert response.status_code == 201
    assert Message.objects.filter(person=civil_case.person).count() == before + 1
    event = civil_case.events.get(kind=EventKind.MESSAGE, actor=application.user)
    assert event.text == "Votre attestation est prête." and event.visible_to_resident
    assert api("post", path, raw, {"text": ""}, idempotency_key="msg-43").status_code == 422


def test_the_queue_selector_and_the_api_agree_for_the_technical_account(civil):
    """The API list is `selectors.queue` for the application's account: nothing filtered again."""
    application, raw = civil
    expected = [c.reference for c in selectors.queue(application.user, tab="attente")[:50]]
    listed = [row["reference"] for row in api("get", "/staff/cases", raw, tab="attente").json()["results"]]
    assert listed == expected
