"""Open311 as FixMyStreet and a partner meet it: the web's sender rules for requests nobody
vouches for, readable XML whatever was pasted, one set of notes per request, a retry
recognised for 24 hours, a one-word name, FixMyStreet's own attributes kept, machine errors
where the site would answer HTML, and the key kept out of error reports."""

import datetime
import json
import uuid
from xml.etree import ElementTree as ET

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter

from relais.accounts.models import User
from relais.api import idempotency, open311
from relais.api.models import IdempotentReply
from relais.cases.forms import ContactForm
from relais.cases.models import Case, CaseEvent, EventKind, Form
from relais.cases.services import case_submit
from relais.core.models import BlockedSender, Channel, ContactChannel, Person
from relais.notifications.models import Message
from tests.api import test_open311 as base
from tests.api.test_open311 import BASE, _json, _neighbour_report, _post, _publish, _valid, _xml

# The fixtures of the Open311 tests (an application key, the street form, its team's agent)
app_key, street_form, worker = base.app_key, base.street_form, base.worker

pytestmark = pytest.mark.django_db


def _api_cases():
    return Case.objects.filter(channel=Channel.API)


# ---------------------------------------------------------------- unsolicited (cases.services)


def test_a_blocked_sender_cannot_file_through_an_application(client, app_key):
    BlockedSender.objects.create(
        kind=BlockedSender.Kind.EMAIL,
        value_hash=BlockedSender.digest(BlockedSender.Kind.EMAIL, "victim@example.org"),
        until=timezone.now() + datetime.timedelta(days=1),
    )
    response = _post(client, **_valid(app_key, email="victim@example.org"))
    assert response.status_code == 400 and "Appelez la mairie" in _json(response)[0]["description"]
    assert not _api_cases().exists()


def test_one_contact_gets_three_receipts_a_day_through_an_application(client, app_key):
    for n in range(5):
        response = _post(client, **_valid(app_key, email="victim@example.org", description=f"Lampadaire n° {n}."))
        assert response.status_code == 200  # filed all the same: the agent sees each request
    assert _api_cases().count() == 5
    assert Message.objects.filter(template="case_receipt", to_email="victim@example.org").count() == 3
    withheld = CaseEvent.objects.filter(case__channel=Channel.API, kind=EventKind.NOTE, text__startswith="Récépissé")
    assert withheld.count() == 2


def test_an_application_has_its_own_hourly_limit(client, app_key, settings):
    settings.RELAIS = {**settings.RELAIS, "CASES_API_PER_APPLICATION_HOUR": 2}
    codes = [_post(client, **_valid(app_key, description=f"Trou n° {n}.")).status_code for n in range(3)]
    assert codes == [200, 200, 400]
    assert _api_cases().count() == 2


def test_a_resident_with_an_account_or_a_phone_call_is_not_unsolicited():
    from relais.cases.services import _is_unsolicited

    robot = User.objects.filter(is_application=True).first() or User(is_application=True, pk=10**6)
    agent = User.objects.get(email="urbanisme@valbrenne.fr")
    stranger = Person(first_name="A", last_name="B")
    resident = Person.objects.filter(user__isnull=False).first()
    assert _is_unsolicited(Channel.API, robot, stranger)
    assert not _is_unsolicited(Channel.API, robot, stranger, on_behalf=True)
    assert not _is_unsolicited(Channel.API, robot, resident)
    assert not _is_unsolicited(Channel.PHONE, agent, stranger)
    assert _is_unsolicited(Channel.ONLINE, None, stranger)


# ---------------------------------------------------------------- readable XML


def test_a_control_character_never_makes_the_xml_unreadable(client, app_key, worker):
    refused = _post(client, "xml", **_valid(app_key, **{"attribute[type]": "A\x0bB"}))
    assert refused.status_code == 400 and _xml(refused).tag == "errors"
    form = Form.objects.get(slug="signalement-voirie")
    case = _neighbour_report(form)
    from relais.cases import street_services

    report = street_services.report_publish(
        case=case, title="Dépôt\x0bsauvage", description="ligne 1\x0bligne 2", location_text="Rue des Lilas",
        actor=worker,
    )  # fmt: skip
    listed = _xml(client.get(f"{BASE}/requests.xml"))
    mine = next(r for r in listed if r.findtext("service_request_id") == str(report.pk))
    assert mine.findtext("title") == "Dépôtsauvage"
    assert ET.fromstring(client.get(f"{BASE}/requests/{report.pk}.xml").content).tag == "service_requests"


def test_the_ods_export_and_open311_share_the_xml_rule():
    from relais.core.exports import _ods_text
    from relais.core.text import xml_safe

    assert xml_safe("a\x0bb\x00c\td\ufffe") == "abc\td"
    assert "\x0b" not in _ods_text("a\x0bb")


# ---------------------------------------------------------------- notes and retries


def test_notes_are_filed_with_the_case_once_whatever_the_retries(street_form):
    person = Person.objects.create(first_name="Paul", last_name="Martin", email="paul@example.org")
    key = uuid.uuid4()
    kwargs = dict(
        form=street_form, person=person, channel=Channel.PHONE, answers={"type": "Déchets", "description": "x"},
        location={"location_text": "Rue des Lilas"}, submission_key=key, notes=["Lien : https://e.org/p.jpg"],
    )  # fmt: skip
    first = case_submit(**kwargs)
    again = case_submit(**kwargs)
    assert first.pk == again.pk
    assert list(CaseEvent.objects.filter(case=first, kind=EventKind.NOTE).values_list("text", flat=True)) == [
        "Lien : https://e.org/p.jpg"
    ]


def test_a_retry_without_header_is_recognised_for_24_hours_not_the_calendar_day(client, app_key):
    def filed_ago(hours):  # as if the first POST had come `hours` ago
        moment = timezone.now() - datetime.timedelta(hours=hours)
        for reply in IdempotentReply.objects.all():
            key = reply.key.rsplit(":", 1)[0] + ":" + moment.strftime("%Y%m%d%H")
            Case.objects.filter(
                submission_key=idempotency.submission_key(reply.application, reply.operation, reply.key)
            ).update(submission_key=idempotency.submission_key(reply.application, reply.operation, key))
            reply.key, reply.created_at = key, moment
            reply.save()

    first = _json(_post(client, **_valid(app_key)))[0]
    # The first came 23 hours ago (yesterday evening, say): still a retry.
    filed_ago(23)
    again = _post(client, **_valid(app_key))
    assert _json(again)[0]["token"] == first["token"] and again["Idempotent-Replayed"] == "true"
    assert _api_cases().count() == 1
    # 25 hours ago: the same words are a new report (the same lamp, broken again).
    filed_ago(25)
    later = _json(_post(client, **_valid(app_key)))[0]
    assert later["token"] != first["token"] and _api_cases().count() == 2


# ---------------------------------------------------------------- privacy of the public list


def test_the_public_list_gives_the_hour_of_a_report_not_its_minute(client, street_form, worker):
    case = _neighbour_report(street_form)
    Case.objects.filter(pk=case.pk).update(
        submitted_at=(timezone.now() - datetime.timedelta(hours=1)).replace(minute=37, second=12)
    )
    report = _publish(case, worker)
    mine = next(r for r in _json(client.get(f"{BASE}/requests.json")) if r["service_request_id"] == str(report.pk))
    assert mine["requested_datetime"][13:19] == ":00:00"


# ---------------------------------------------------------------- errors as machines read them


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_nul_character_is_an_open311_error(client, fmt):
    response = client.get(f"{BASE}/requests.{fmt}?service_code=%00")
    assert response.status_code == 400
    if fmt == "json":
        assert _json(response)[0]["code"] == 400
    else:
        root = _xml(response)
        assert root.tag == "errors" and root.findtext("error/code") == "400"


def test_too_many_fields_is_an_open311_error(client, app_key):
    data = _valid(app_key) | {f"attribute[x{i}]": "1" for i in range(1100)}
    response = _post(client, "xml", **data)
    assert response.status_code == 400 and _xml(response).findtext("error/code") == "400"


def test_a_nul_character_under_api_is_a_problem_document(client):
    response = client.get("/api/v1/forms?q=%00")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 400


def test_the_site_keeps_its_html_page_for_people(client):
    response = client.get("/?q=%00")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_the_api_key_never_reaches_an_error_report(monkeypatch, app_key):
    seen = {}

    def capture(request, fmt):
        seen["request"] = request
        return open311.error(fmt, 400, "x")

    monkeypatch.setattr(open311, "_file", capture)
    request = RequestFactory().post(f"{BASE}/requests.json", {"api_key": app_key, "service_code": "x"})
    open311.service_requests(request, fmt="json")
    cleaned = SafeExceptionReporterFilter().get_post_parameters(seen["request"])
    assert cleaned["api_key"] != app_key and cleaned["service_code"] == "x"


# ---------------------------------------------------------------- what FixMyStreet sends


@pytest.mark.parametrize("names", [{"last_name": ""}, {"first_name": ""}])
def test_one_name_is_enough_for_an_application(client, app_key, names):
    response = _post(client, **_valid(app_key, **names))
    assert response.status_code == 200, response.content
    case = _api_cases().get()
    assert (case.person.first_name or case.person.last_name) in ("Paul", "Martin")


def test_the_web_form_still_asks_both_names():
    data = {"first_name": "Paul", "last_name": "", "preferred_channel": ContactChannel.EMAIL, "email": "p@example.org"}
    assert not ContactForm(data=data).is_valid()
    assert ContactForm(data=data, channel=Channel.API).is_valid()
    assert not ContactForm(data=data | {"first_name": ""}, channel=Channel.API).is_valid()


def test_fixmystreet_attributes_are_kept_as_one_note(client, app_key):
    extra = {
        "attribute[title]": "Lampadaire en panne",
        "attribute[report_url]": "https://fixmystreet.example.org/report/42",
        "attribute[fixmystreet_id]": "42",
    }
    assert _post(client, **_valid(app_key, **extra)).status_code == 200
    notes = list(
        CaseEvent.objects.filter(case__channel=Channel.API, kind=EventKind.NOTE).values_list("text", flat=True)
    )
    assert len(notes) == 1
    for text in ("title : Lampadaire en panne", "report_url : https://fixmystreet.example.org/report/42", "42"):
        assert text in notes[0]


def test_an_over_long_description_is_named_description(client, app_key):
    response = _post(client, **_valid(app_key, description="é" * 6000))
    assert response.status_code == 400
    assert [e["description"].split(" :")[0] for e in _json(response)] == ["description"]


def test_the_services_come_from_the_page_cache_with_their_headers(client, django_assert_max_num_queries):
    first = client.get(f"{BASE}/services.json")
    with django_assert_max_num_queries(1):
        again = client.get(f"{BASE}/services.json")
    assert again.content == first.content
    assert again["Cache-Control"] == first["Cache-Control"] == open311.CACHE
    assert again["Access-Control-Allow-Origin"] == "*"
