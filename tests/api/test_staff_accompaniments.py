"""Staff applications record accompaniments as an advisor of their mediation team would,
validated by the staff form, recorded by the same service, seen as the staff list shows them."""

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relais.accounts.models import Role, Team, TeamKind, User
from relais.api import services as api_services
from relais.api.models import Scope
from relais.core.models import AuditEvent
from relais.directory.models import Place
from relais.mediation import selectors
from relais.mediation.models import Accompaniment

pytestmark = pytest.mark.django_db


def advisor_key(team_slug: str = "mediation", role: str = Role.ADVISOR, scopes=(Scope.ACCOMPANIMENTS_WRITE,),
                name: str = "Coop de la médiation"):  # fmt: skip
    admin = User.objects.get(email="admin@valbrenne.fr")
    team = Team.objects.get(slug=team_slug)
    return api_services.application_create(name=name, scopes=list(scopes), team=team, role=role, actor=admin)


def api(method: str, path: str, key: str | None = None, body=None, idempotency_key: str | None = None, **params):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    url = f"/api/v1{path}"
    if method == "get":
        return Client().get(url, params, headers=headers)
    return getattr(Client(), method)(url, json.dumps(body or {}), content_type="application/json", headers=headers)


@pytest.fixture
def coop():
    return advisor_key()


@pytest.fixture
def place():
    return Place.objects.filter(teams__slug="mediation").order_by("nom").first()


def quick(place, **more):
    """The quick record: an anonymous half-hour at the desk, for e-mail."""
    return {"place_id": place.pk, "themes": ["email"], "gender": "feminin", "age_band": "soixante_dix_plus",
            "social_status": "retraite", **more}  # fmt: skip


@pytest.fixture
def other_mediation_key():
    Team.objects.create(slug="mediation-nord", name="Médiation du quartier nord", kind=TeamKind.MEDIATION)
    return advisor_key("mediation-nord", name="Espace numérique nord")


def operations(pk: int):
    return [
        ("get", "/staff/accompaniments", None),
        ("get", f"/staff/accompaniments/{pk}", None),
        ("post", "/staff/accompaniments", {"themes": ["email"]}),
        ("patch", f"/staff/accompaniments/{pk}", {"duration": 45}),
    ]


def call(method, path, key, body):
    if method == "get":
        return api("get", path, key)
    return api(method, path, key, body, idempotency_key=str(uuid.uuid4()))


def test_a_retried_record_is_one_accompaniment_in_the_applications_team(coop, place):
    application, raw = coop
    first = api("post", "/staff/accompaniments", raw, quick(place), idempotency_key="cra-1")
    again = api("post", "/staff/accompaniments", raw, quick(place), idempotency_key="cra-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    records = Accompaniment.objects.filter(advisor=application.user)
    assert records.count() == 1
    record = records.get()
    assert record.team.slug == "mediation" and record.duration == 30 and record.place == place
    assert record.is_anonymous and record.themes == ["email"]
    body = first.json()
    assert body["id"] == record.pk and body["advisor"] == "Coop de la médiation" and body["person"] is None
    entry = AuditEvent.objects.get(action="mediation.accompaniment.recorded", actor=application.user)
    assert entry.details == {"kind": "individuel", "anonymous": True}


def test_a_named_record_for_a_person_and_a_case_reference_the_team_does_not_follow(coop, place, resident_with_email):
    _app, raw = coop
    response = api(
        "post", "/staff/accompaniments", raw,
        {"place_id": place.pk, "themes": ["aide_aux_demarches_administratives"], "admin_subthemes": ["papiers_elections_citoyennete"],
         "person_id": resident_with_email.pk, "duration": 75, "oriented_to": "aide_sociale", "first_time": True},
        idempotency_key="cra-2",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == {"id": resident_with_email.pk, "name": resident_with_email.display_name}
    assert body["duration"] == 75 and body["oriented_to"] == "aide_sociale" and body["first_time"] is True
    refused = api(
        "post", "/staff/accompaniments", raw,
        {"place_id": place.pk, "themes": ["email"], "person_id": resident_with_email.pk, "case_reference": "2026-99999"},
        idempotency_key="cra-3",
    )  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "case_reference"
    assert (
        api("post", "/staff/accompaniments", raw, quick(place, person_id=10**9), idempotency_key="cra-4").json()[
            "errors"
        ][0]["field"]
        == "person_id"
    )


def test_the_web_forms_rules_answer_in_french_beside_the_field(coop, place):
    _app, raw = coop

    def errors(body, key):
        response = api("post", "/staff/accompaniments", raw, body, idempotency_key=key)
        assert response.status_code == 422, response.content
        assert response["Content-Type"] == "application/problem+json"
        return {e["field"]: e["detail"] for e in response.json()["errors"]}

    assert errors(quick(place, themes=[]), "e1") == {"themes": "Choisissez au moins un thème."}
    assert "admin_subthemes" in errors(quick(place, admin_subthemes=["papiers_elections_citoyennete"]), "e2")
    assert errors(quick(place, kind="collectif"), "e3") == {
        "anonymous_count": "Indiquez combien de personnes étaient présentes."
    }
    assert "oriented_to" in errors(quick(place, kind="collectif", anonymous_count=6, oriented_to="aide_sociale"), "e4")
    assert "commune" in errors(quick(place, place_type="domicile", place_id=None), "e5")
    other_place = Place.objects.create(nom="Gymnase des Tilleuls", commune="Valbrenne")  # no team works there
    assert list(errors(quick(other_place), "e6")) == ["place_id"]
    assert "gender" in errors({"place_id": place.pk, "themes": ["email"]}, "e7")  # anonymous: the profile is asked
    assert api("post", "/staff/accompaniments", raw, quick(place, duration=0), idempotency_key="e8").status_code == 422
    assert not Accompaniment.objects.filter(advisor__is_application=True).exists()


def test_the_list_is_what_the_staff_list_shows_an_advisor_and_is_journaled(coop, place, advisor):
    application, raw = coop
    made = [
        api("post", "/staff/accompaniments", raw, quick(place, duration=15 * (i + 1)), idempotency_key=f"l{i}").json()[
            "id"
        ]
        for i in range(5)
    ]
    # An advisor sees the records they made, never a colleague's (selectors.accompaniments_visible_to).
    assert Accompaniment.objects.filter(advisor=advisor).exists()
    walked, cursor = [], None
    while True:
        page = api("get", "/staff/accompaniments", raw, limit=2, **({"cursor": cursor} if cursor else {})).json()
        walked += [row["id"] for row in page["results"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert walked == list(selectors.accompaniments_visible_to(application.user).values_list("pk", flat=True))
    assert sorted(walked) == sorted(made)
    assert AuditEvent.objects.filter(action="mediation.accompaniment.list_viewed", actor=application.user).count() == 0
    named = api(
        "post", "/staff/accompaniments", raw,
        {"place_id": place.pk, "themes": ["email"], "person_id": advisor_key_person().pk}, idempotency_key="named",
    ).json()  # fmt: skip
    api("get", "/staff/accompaniments", raw)
    seen = AuditEvent.objects.filter(action="mediation.accompaniment.list_viewed", actor=application.user)
    assert list(seen.values_list("person_id", flat=True)) == [named["person"]["id"]]


def advisor_key_person():
    from relais.core.models import Person

    return Person.objects.get(email="marie.dupont@example.org")


def test_a_correction_changes_only_what_is_sent(coop, place):
    application, raw = coop
    pk = api("post", "/staff/accompaniments", raw, quick(place, notes="Boîte mail créée."), idempotency_key="c").json()[
        "id"
    ]
    response = api("patch", f"/staff/accompaniments/{pk}", raw, {"duration": 45, "equipment": ["telephone"]})
    assert response.status_code == 200, response.content
    record = Accompaniment.objects.get(pk=pk)
    assert record.duration == 45 and record.equipment == ["telephone"]
    assert record.notes == "Boîte mail créée." and record.themes == ["email"] and record.place == place
    entry = AuditEvent.objects.get(action="mediation.accompaniment.corrected", actor=application.user)
    assert sorted(entry.details["fields"]) == ["duration", "equipment"]
    cleared = api("patch", f"/staff/accompaniments/{pk}", raw, {"notes": None, "kind": None})
    assert cleared.status_code == 200 and cleared.json()["notes"] == "" and cleared.json()["kind"] == "individuel"
    refused = api("patch", f"/staff/accompaniments/{pk}", raw, {"themes": []})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "themes"
    assert api("get", f"/staff/accompaniments/{pk}", raw).json()["duration"] == 45
    # Reading a record that names someone is journaled against them (an anonymous one names nobody).
    person = advisor_key_person()
    named = api("post", "/staff/accompaniments", raw, quick(place, person_id=person.pk), idempotency_key="n").json()
    assert api("get", f"/staff/accompaniments/{named['id']}", raw).status_code == 200
    seen = AuditEvent.objects.get(action="mediation.accompaniment.viewed", actor=application.user)
    assert seen.person_id == person.pk and seen.object_id == str(named["id"])


def test_no_key_a_revoked_key_and_a_key_without_the_scope(coop, place):
    application, raw = coop
    pk = api("post", "/staff/accompaniments", raw, quick(place), idempotency_key="x").json()["id"]
    _app, reader = advisor_key(scopes=[Scope.CASES_READ], name="Lecteur")
    for method, path, body in operations(pk):
        assert call(method, path, None, body).status_code == 401, path
        assert call(method, path, reader, body).status_code == 403, path
    api_services.application_revoke(application=application, actor=User.objects.get(email="admin@valbrenne.fr"))
    for method, path, body in operations(pk):
        assert call(method, path, raw, body).status_code == 401, path
    assert Accompaniment.objects.get(pk=pk).duration == 30
    assert Accompaniment.objects.filter(advisor=application.user).count() == 1


def test_a_key_of_another_team_gets_404_and_an_empty_list(coop, place, other_mediation_key):
    _app, raw = coop
    pk = api("post", "/staff/accompaniments", raw, quick(place), idempotency_key="y").json()["id"]
    _other, other_raw = other_mediation_key
    assert api("get", "/staff/accompaniments", other_raw).json() == {"results": [], "next": None}
    assert api("get", f"/staff/accompaniments/{pk}", other_raw).status_code == 404
    assert api("patch", f"/staff/accompaniments/{pk}", other_raw, {"duration": 90}).status_code == 404
    # Its team has no place of Valbrenne's: a record there names one of its own, or none.
    refused = api("post", "/staff/accompaniments", other_raw, quick(place), idempotency_key="z")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "place_id"
    assert Accompaniment.objects.get(pk=pk).duration == 30


def test_a_case_worker_key_does_not_record_accompaniments():
    _app, raw = advisor_key("etat-civil", Role.CASE_WORKER, name="État civil")
    response = api("get", "/staff/accompaniments", raw)
    assert response.status_code == 403 and "médiation" in response.json()["detail"]


def test_the_list_costs_the_same_queries_whatever_its_length(coop, place, django_assert_max_num_queries):
    application, raw = coop
    Accompaniment.objects.bulk_create(
        [
            Accompaniment(team=application.team, advisor=application.user, duration=30, place=place, themes=["email"])
            for _ in range(60)
        ]
    )
    with CaptureQueriesContext(connection) as small:
        assert len(api("get", "/staff/accompaniments", raw, limit=2).json()["results"]) == 2
    with django_assert_max_num_queries(len(small)):
        assert len(api("get", "/staff/accompaniments", raw, limit=60).json()["results"]) == 60
