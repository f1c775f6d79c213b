"""Open311 GeoReport v2: the location forms as services, only the public street reports as
requests (no name, no contact, the published point), filing through the web's validation
with an application key, a retried POST filing once, and errors in Open311's own shape."""

import datetime
import json
import uuid
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relais.accounts.models import User
from relais.api import services as api_services
from relais.api.models import Scope
from relais.cases import street_selectors, street_services
from relais.cases.models import Case, CaseEvent, EventKind, Form, Status
from relais.cases.services import case_change_status, case_submit
from relais.core.models import AuditEvent, Channel, Person

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
FORM_TYPE = "application/x-www-form-urlencoded"


@pytest.fixture
def street_form():
    return Form.objects.get(slug="signalement-voirie")


@pytest.fixture
def worker():
    return User.objects.get(email="urbanisme@valbrenne.fr")


@pytest.fixture
def app_key():
    admin = User.objects.get(email="admin@valbrenne.fr")
    application, raw = api_services.application_create(
        name="Appli Signale-Valbrenne", scopes=[Scope.REQUESTS_WRITE], actor=admin
    )
    return raw


def _neighbour_report(form, *, status=Status.SUBMITTED, lat=47.25331, lon=0.68617):
    person = Person.objects.create(
        first_name="Odile", last_name="Verdier", email="odile.verdier@example.org", phone="0611223344"
    )
    case = case_submit(
        form=form,
        person=person,
        channel=Channel.PHONE,
        answers={"type": "Déchets", "description": "Chez Odile Verdier, 3 rue des Lilas : sacs éventrés."},
        location={"location_text": "3 rue des Lilas", "latitude": lat, "longitude": lon},
        submission_key=uuid.uuid4(),
    )
    worker = User.objects.get(email="urbanisme@valbrenne.fr")
    if status != Status.SUBMITTED:
        case_change_status(case=case, status=status, actor=worker)
    return case


def _publish(case, worker):
    return street_services.report_publish(
        case=case, title="Dépôt sauvage", description="Des sacs sur le trottoir.", location_text="Rue des Lilas",
        actor=worker,
    )  # fmt: skip


def _json(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def _post(client, fmt="json", headers=None, **data):
    return client.post(f"{BASE}/requests.{fmt}", urlencode(data, doseq=True), content_type=FORM_TYPE, headers=headers)


def _valid(app_key, **extra):
    return {
        "api_key": app_key,
        "service_code": "signalement-voirie",
        "lat": "47.2540",
        "long": "0.6870",
        "attribute[type]": "Éclairage",
        "description": "Le lampadaire clignote toute la nuit.",
        "first_name": "Paul",
        "last_name": "Martin",
        "email": "paul.martin@example.org",
        **extra,
    }


# ---------------------------------------------------------------- services


def test_services_are_the_location_forms_with_their_questions_flagged(client, street_form):
    services = _json(client.get(f"{BASE}/services.json"))
    codes = {s["service_code"] for s in services}
    assert "signalement-voirie" in codes
    assert codes == set(Form.objects.published().filter(asks_location=True).values_list("slug", flat=True))
    voirie = next(s for s in services if s["service_code"] == "signalement-voirie")
    assert voirie["service_name"] == street_form.title
    assert voirie["metadata"] is True and voirie["type"] == "realtime"
    assert voirie["group"] == street_form.team.name
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")].count("signalement-voirie") == 1
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_lists_the_questions_as_attributes(client, street_form):
    definition = _json(client.get(f"{BASE}/services/signalement-voirie.json"))
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert "photo" not in attributes  # a file question: Open311 sends a media_url instead
    kind = attributes["type"]
    assert kind["datatype"] == "singlevaluelist" and kind["required"] is True and kind["order"] == 1
    assert kind["description"] == "De quoi s'agit-il ?"
    assert {"key": "Éclairage", "name": "Éclairage"} in kind["values"]
    assert attributes["description"]["datatype"] == "text"
    root = _xml(client.get(f"{BASE}/services/signalement-voirie.xml"))
    assert root.tag == "service_definition"
    names = [v.findtext("name") for v in root.findall("attributes/attribute/values/value")]
    assert "Trou dans la chaussée" in names


def test_an_unknown_service_or_format_is_an_open311_404(client):
    assert _json(client.get(f"{BASE}/services/nope.json"))[0]["code"] == 404
    root = _xml(client.get(f"{BASE}/services/nope.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert "service" in root.findtext("error/description")
    response = client.get(f"{BASE}/services.html")
    assert response.status_code == 404 and _json(response)[0]["code"] == 404
    response = client.get("/open311/v3/services.xml")
    assert response.status_code == 404 and _xml(response).tag == "errors"


def test_the_discovery_document_says_where_the_endpoint_is(client):
    discovery = _json(client.get("/open311/"))
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    assert (
        _xml(client.get("/open311/discovery.xml")).findtext("endpoints/endpoint/formats/format") == "application/json"
    )


# ---------------------------------------------------------------- requests (GET)


def test_requests_are_the_public_reports_only_without_the_residents_words(client, street_form, worker):
    hidden = _neighbour_report(street_form)
    shown = _neighbour_report(street_form, status=Status.IN_PROGRESS)
    report = _publish(shown, worker)
    response = client.get(f"{BASE}/requests.json")
    body = response.content.decode()
    requests = _json(response)
    ids = {r["service_request_id"] for r in requests}
    assert str(report.pk) in ids
    assert all(r["service_request_id"] != str(getattr(hidden, "street_report", None)) for r in requests)
    assert len(requests) == street_selectors.public_reports().count()
    for secret in ("Odile", "Verdier", "odile.verdier", "0611223344", "3 rue des Lilas", "sacs éventrés"):
        assert secret not in body
    mine = next(r for r in requests if r["service_request_id"] == str(report.pk))
    assert mine["status"] == "open" and mine["status_notes"] == "pris en charge"
    assert mine["detailed_status"] == "in_progress" and mine["channel"] == "phone"
    assert mine["address"] == "Rue des Lilas" and mine["description"] == "Des sacs sur le trottoir."
    # The published point (rounded to the public grid), never where the resident stood.
    assert (mine["lat"], mine["long"]) == street_selectors.public_point(47.25331, 0.68617)
    assert (mine["lat"], mine["long"]) != (47.25331, 0.68617)
    assert mine["media_url"] is None and mine["url"].endswith(f"/signalements/{report.pk}/")
    root = _xml(client.get(f"{BASE}/requests/{report.pk}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == str(report.pk)
    assert root.findtext("request/status") == "open"


def test_a_report_off_the_plan_has_no_point(client, street_form, worker):
    case = _neighbour_report(street_form)
    report = street_services.report_publish(
        case=case, title="Tag", description="", location_text="Rue des Lilas", actor=worker, on_map=False
    )
    item = _json(client.get(f"{BASE}/requests/{report.pk}.json"))[0]
    assert item["lat"] is None and item["long"] is None


def test_a_case_that_is_not_published_is_not_found(client, street_form, worker):
    case = _neighbour_report(street_form)
    report = _publish(case, worker)
    street_services.report_unpublish(case=case, actor=worker)
    assert client.get(f"{BASE}/requests/{report.pk}.json").status_code == 404
    assert client.get(f"{BASE}/requests/abc.json").status_code == 404
    assert client.get(f"{BASE}/requests/99999999999999999999999.xml").status_code == 404


def test_requests_filter_by_id_service_status_and_dates(client, street_form, worker):
    open_report = _publish(_neighbour_report(street_form), worker)
    closed_report = _publish(_neighbour_report(street_form, status=Status.ACCEPTED), worker)

    def ids(**params):
        return {r["service_request_id"] for r in _json(client.get(f"{BASE}/requests.json", params))}

    assert ids(service_request_id=f"{open_report.pk}, {closed_report.pk},x") == {
        str(open_report.pk),
        str(closed_report.pk),
    }
    assert str(closed_report.pk) in ids(status="closed") and str(open_report.pk) not in ids(status="closed")
    assert str(open_report.pk) in ids(status="open") and str(closed_report.pk) not in ids(status="open")
    assert str(open_report.pk) in ids(status="open,closed", service_code="signalement-voirie")
    assert ids(service_code="autre-chose") == set()
    Case.objects.filter(pk=closed_report.case_id).update(submitted_at=timezone.now() - datetime.timedelta(days=30))
    today = timezone.localdate()
    recent = ids(start_date=(today - datetime.timedelta(days=2)).isoformat())
    assert str(open_report.pk) in recent and str(closed_report.pk) not in recent
    month = ids(start_date=f"{today - datetime.timedelta(days=40)}T00:00:00Z", end_date=f"{today}T23:59:59+01:00")
    assert {str(open_report.pk), str(closed_report.pk)} <= month


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "hier"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"start_date": "2026-02-01", "end_date": "2026-01-01"},
        {"start_date": "2025-01-01", "end_date": "2026-01-01"},
        {"status": "ouvert"},
        {"start_date": "0001-01-01T00:00:00+23:00"},
    ],
)
def test_bad_filters_are_a_400_in_french(client, params):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    error = _json(response)[0]
    assert error["code"] == 400 and error["description"]
    assert _xml(client.get(f"{BASE}/requests.xml", params)).findtext("error/code") == "400"


# Hostile query strings never make a server error; the answer is a list or Open311 errors.
# (A NUL character is refused before any view, for the whole site: core.middleware.)
hostile_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
params_strategy = st.dictionaries(
    st.sampled_from(["service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id"]),
    st.one_of(
        hostile_text,
        st.sampled_from(["2026-01-01", "2026-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "1,2,3", "open"]),
    ),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=params_strategy, fmt=st.sampled_from(["json", "xml"]))
def test_fuzzed_query_parameters_never_break_the_server(client, params, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code in (200, 400)
    if fmt == "json":
        assert isinstance(json.loads(response.content), list)
    else:
        assert ET.fromstring(response.content).tag in ("service_requests", "errors")


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segment=hostile_text.filter(lambda s: s != "").filter(lambda s: "/" not in s and s not in (".", "..")))
def test_fuzzed_ids_and_tokens_are_404s(client, segment):
    for path in (f"requests/{segment}.json", f"tokens/{segment}.xml", f"services/{segment}.json"):
        response = client.get(f"{BASE}/{path.replace('%', '%25').replace('?', '%3F').replace('#', '%23')}")
        assert response.status_code in (200, 404)


# ---------------------------------------------------------------- filing (POST)


def test_a_partner_files_a_request_as_the_web_does(client, app_key, street_form):
    before = Case.objects.count()
    response = _post(client, **_valid(app_key, media_url="https://photos.example.org/lampadaire.jpg"))
    assert response.status_code == 200, response.content
    reply = _json(response)[0]
    assert reply["token"] and "reçue" in reply["service_notice"]
    assert Case.objects.count() == before + 1
    case = Case.objects.get(reference=reply["reference"])
    assert case.channel == Channel.API and case.recorded_by.is_application
    assert str(case.recorded_by) == "Appli Signale-Valbrenne"
    assert case.person.first_name == "Paul" and case.person.email == "paul.martin@example.org"
    assert case.answer("type")["value"] == "Éclairage"
    assert case.answer("description")["value"] == "Le lampadaire clignote toute la nuit."
    assert case.location_text.startswith("Point indiqué sur une carte") and case.latitude == 47.254
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert "https://photos.example.org/lampadaire.jpg" in note.text
    assert AuditEvent.objects.filter(action="cases.case.submitted", actor=case.recorded_by).exists()
    # FixMyStreet reads the service_request_id at once: an opaque id, the same as the token.
    token = reply["token"]
    assert reply["service_request_id"] == token
    assert _json(client.get(f"{BASE}/tokens/{token}.json")) == [
        {"service_request_id": token, "token": token, "public_request_id": None}
    ]
    # Until the team publishes it, its holder reads its status and service, nothing it said.
    record = _json(client.get(f"{BASE}/requests/{token}.json"))[0]
    assert record["service_request_id"] == token and record["status"] == "open"
    assert record["service_code"] == "signalement-voirie" and record["requested_datetime"]
    assert record["description"] is None and record["address"] is None and record["lat"] is None
    assert record["public_request_id"] is None
    report = _publish(case, User.objects.get(email="urbanisme@valbrenne.fr"))
    assert _json(client.get(f"{BASE}/tokens/{token}.json"))[0]["public_request_id"] == str(report.pk)
    assert _xml(client.get(f"{BASE}/tokens/{token}.xml")).findtext("request/service_request_id") == token
    published = _json(client.get(f"{BASE}/requests/{token}.json"))[0]
    assert published["public_request_id"] == str(report.pk) and published["description"] == report.description
    assert published["address"] == report.location_text
    # Asked for by its id, the list gives it too; unasked, the list shows public reports only.
    listed = _json(client.get(f"{BASE}/requests.json", {"service_request_id": f"{report.pk},{token}"}))
    assert [r["service_request_id"] for r in listed] == [str(report.pk), token]
    assert token not in client.get(f"{BASE}/requests.json").content.decode()
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert client.get(f"{BASE}/tokens/{forged}.json").status_code == 404
    assert client.get(f"{BASE}/requests/{forged}.json").status_code == 404


def test_an_address_alone_locates_the_request(client, app_key):
    data = _valid(app_key, address_string="Parking de la gare")
    del data["lat"], data["long"]
    reply = _json(_post(client, **data))[0]
    case = Case.objects.get(reference=reply["reference"])
    assert case.location_text == "Parking de la gare" and case.latitude is None


def test_the_web_validation_refuses_with_open311_errors_in_french(client, app_key):
    data = _valid(app_key, **{"attribute[type]": "Fusée", "email": "", "lat": "91"})
    del data["first_name"], data["last_name"]
    response = _post(client, **data)
    assert response.status_code == 400
    descriptions = [e["description"] for e in _json(response)]
    assert all(e["code"] == 400 for e in _json(response))
    assert any(d.startswith("attribute[type] :") for d in descriptions)
    assert any(d.startswith("last_name :") and "prénom ou nom" in d for d in descriptions)
    assert any(d.startswith("email :") for d in descriptions)
    assert any(d.startswith("lat :") for d in descriptions)
    root = _xml(_post(client, "xml", **{k: v for k, v in data.items() if k not in ("lat", "long")}))
    assert root.tag == "errors" and "address_string" in " ".join(e.findtext("description") for e in root)


def test_keys_scopes_and_service_codes_are_checked(client, app_key):
    assert _post(client, **_valid("rls_nope_nope")).status_code == 403
    admin = User.objects.get(email="admin@valbrenne.fr")
    _app, reader = api_services.application_create(name="Lecteur", scopes=[Scope.REQUESTS_READ], actor=admin)
    response = _post(client, **_valid(reader))
    assert response.status_code == 403 and "requests:write" in _json(response)[0]["description"]
    response = _post(client, **_valid(app_key, service_code="attestation-accueil"))
    assert response.status_code == 400 and _json(response)[0]["description"].startswith("service_code")
    assert not Case.objects.filter(channel=Channel.API).exists()


def test_a_retried_post_files_once_with_or_without_an_idempotency_key(client, app_key):
    first = _post(client, **_valid(app_key))
    again = _post(client, **_valid(app_key))
    # The same answer (PostgreSQL's jsonb keeps the stored reply's keys in its own order).
    assert _json(first) == _json(again) and again["Idempotent-Replayed"] == "true"
    assert Case.objects.filter(channel=Channel.API).count() == 1
    other = _post(client, **_valid(app_key, description="Un autre lampadaire, rue Voltaire."))
    assert _json(other)[0]["token"] != _json(first)[0]["token"]
    assert Case.objects.filter(channel=Channel.API).count() == 2
    keyed = _post(client, headers={"Idempotency-Key": "essai-1"}, **_valid(app_key, last_name="Durand"))
    replay = _post(client, "xml", headers={"Idempotency-Key": "essai-1"}, **_valid(app_key, last_name="Durand"))
    assert _xml(replay).findtext("request/token") == _json(keyed)[0]["token"]
    clash = _post(client, headers={"Idempotency-Key": "essai-1"}, **_valid(app_key, last_name="Autre"))
    assert clash.status_code == 422 and _json(clash)[0]["code"] == 422
    assert Case.objects.filter(channel=Channel.API).count() == 3


def test_wrong_content_type_oversize_and_wrong_method_are_open311_errors(client, app_key):
    response = client.post(f"{BASE}/requests.json", json.dumps(_valid(app_key)), content_type="application/json")
    assert response.status_code == 415 and _json(response)[0]["code"] == 415
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        # Read first by the site's NUL guard (core.middleware): its "cannot read" 400, no error.
        response = _post(client, **_valid(app_key, description="x" * 5000))
    assert response.status_code == 400
    response = client.delete(f"{BASE}/requests.xml")
    assert response.status_code == 405 and _xml(response).tag == "errors"
    assert client.post(f"{BASE}/services.json").status_code == 405


def test_a_media_url_must_be_a_web_address(client, app_key):
    response = _post(client, **_valid(app_key, media_url="file:///etc/passwd"))
    assert response.status_code == 400 and _json(response)[0]["description"].startswith("media_url")


def test_a_service_refusal_comes_back_as_an_open311_error(client, app_key, monkeypatch):
    from relais.cases import services as case_services

    def refuse(**kwargs):
        raise ValidationError({"location_text": "Dites-nous où se trouve le problème."})

    monkeypatch.setattr(case_services, "case_submit", refuse)
    response = _post(client, **_valid(app_key))
    assert response.status_code == 400
    assert _json(response) == [{"code": 400, "description": "address_string : Dites-nous où se trouve le problème."}]
