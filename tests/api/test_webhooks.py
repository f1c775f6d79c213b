"""Webhooks: the domain's events reach the partners allowed to hear them, signed as the
README says, retried with back-off, never with personal data, never to a private address."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from relais.accounts.models import Role, Team, User
from relais.api import services, webhooks
from relais.api.models import DeliveryStatus, Scope, WebhookDelivery
from relais.cases.models import Form, FormField
from relais.cases.services import case_change_status, case_submit
from relais.core import retention
from relais.core.models import Person
from relais.mediation.models import DropIn
from relais.mediation.selectors import free_slots
from relais.mediation.services import appointments, dropins, workshops
from tests.mediation.conftest import make_dropin, make_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_partners(settings):
    """The partners' servers of these tests listen on 127.0.0.1 over plain http."""
    settings.RELAIS_WEBHOOKS_ALLOW_PRIVATE = True


class Receiver:
    """A partner's server, for real: http.server on 127.0.0.1, in a thread."""

    def __init__(self, status: int = 200):
        self.status = status
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/relais/evenements"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def admin():
    return User.objects.get(email="admin@valbrenne.fr")


@pytest.fixture
def worker():
    return User.objects.get(email="etat-civil@valbrenne.fr")


def _form(team_slug: str) -> Form:
    form, created = Form.objects.get_or_create(
        slug=f"demarche-{team_slug}",
        defaults={"title": "Démarche", "intro": "Test.", "team": Team.objects.get(slug=team_slug)},
    )
    if created:
        FormField.objects.create(form=form, key="objet", label="Objet", required=False)
        Form.objects.filter(pk=form.pk).update(published=True)
        form.refresh_from_db()
    return form


def _slot(dropin):
    return next(iter(free_slots(dropins=DropIn.objects.filter(pk=dropin.pk)))).starts_at


def _resident(first_name: str = "Odile") -> Person:
    return Person.objects.create(
        first_name=first_name, last_name="Secret", email=f"{first_name.lower()}.secret@example.org", phone="0611223344"
    )


def _application(admin, *, team_slug=None, scopes=(Scope.CASES_READ,), url="https://partenaire.example.org/h"):
    team = Team.objects.get(slug=team_slug) if team_slug else None
    role = (Role.ADVISOR if team_slug == "mediation" else Role.CASE_WORKER) if team else ""
    application, _raw = services.application_create(
        name=f"Partenaire {team_slug or 'sans équipe'}", scopes=list(scopes), team=team, role=role, actor=admin
    )
    endpoint, secret = webhooks.webhook_create(
        application=application,
        url=url,
        events=[name for name, _label in webhooks.events_for(application)],
        actor=admin,
    )
    return application, endpoint, secret


def _file(form, person, *, by=None, channel="counter"):
    return case_submit(form=form, person=person, answers={"objet": "Une question"}, channel=channel, recorded_by=by)


def test_a_delivery_is_signed_as_documented_and_the_partner_can_check_it(admin, worker,
                                                                        django_capture_on_commit_callbacks):  # fmt: skip
    with Receiver() as partner:
        _app, endpoint, secret = _application(admin, team_slug="etat-civil", url=partner.url)
        with django_capture_on_commit_callbacks(execute=True):
            case = _file(_form("etat-civil"), _resident(), by=worker)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert webhooks.deliver(delivery.pk) == "sent"

    (got,) = partner.received
    headers, body = got["headers"], got["body"]
    assert got["path"] == "/relais/evenements"
    assert headers["Relais-Event"] == "case.filed" and headers["Relais-Delivery"] == str(delivery.pk)
    # The recipe in the README, as a partner writes it.
    fields = dict(part.split("=", 1) for part in headers["Relais-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])
    assert abs(int(fields["t"]) - timezone.now().timestamp()) < 300
    tampered = body.replace(b"case.filed", b"case.filez")
    assert hmac.new(secret.encode(), f"{fields['t']}.".encode() + tampered, hashlib.sha256).hexdigest() != fields["v1"]
    payload = json.loads(body)
    assert payload["id"] == delivery.pk and payload["event"] == "case.filed"
    assert payload["data"]["reference"] == case.reference and payload["data"]["status"] == "submitted"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.last_status_code == 200


def test_a_failing_partner_is_retried_with_back_off_then_given_up(admin, worker, django_capture_on_commit_callbacks):
    with Receiver(status=500) as partner:
        _app, endpoint, _secret = _application(admin, team_slug="etat-civil", url=partner.url)
        with django_capture_on_commit_callbacks(execute=True):
            _file(_form("etat-civil"), _resident(), by=worker)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        delays = []
        for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
            before = timezone.now()
            outcome = webhooks.deliver(delivery.pk)
            delivery.refresh_from_db()
            if attempt < webhooks.MAX_ATTEMPTS:
                assert outcome == "retry" and delivery.status == DeliveryStatus.PENDING
                delays.append(delivery.next_attempt_at - before)
                # Not due yet: a worker picking it up now sends nothing.
                assert webhooks.deliver(delivery.pk) == "not due"
                WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            else:
                assert outcome == "failed"
        assert len(partner.received) == webhooks.MAX_ATTEMPTS
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    # 1 min, 5 min, 30 min, 2 h, 12 h (give or take the test's own run time).
    assert [round(d.total_seconds() / 60) for d in delays] == [1, 5, 30, 120, 720]
    assert [a["status"] for a in delivery.attempt_log] == [500] * webhooks.MAX_ATTEMPTS
    assert delivery.last_status_code == 500


def test_resending_a_failed_delivery_sends_it_again(admin, worker, django_capture_on_commit_callbacks):
    with Receiver(status=503) as partner:
        _app, endpoint, _secret = _application(admin, team_slug="etat-civil", url=partner.url)
        with django_capture_on_commit_callbacks(execute=True):
            _file(_form("etat-civil"), _resident(), by=worker)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        partner.status = 204
        webhooks.delivery_resend(delivery=delivery, actor=admin)
        webhooks.delivery_resend(delivery=delivery, actor=admin)  # a second click: nothing more
        assert webhooks.deliver_due() == {"sent": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(partner.received) == 1


def test_an_application_hears_only_its_team_or_its_own_records(admin, worker, django_capture_on_commit_callbacks):
    _a, civil_status, _s = _application(admin, team_slug="etat-civil")
    _b, town_planning, _s = _application(admin, team_slug="urbanisme")
    website, lonely, _s = _application(admin, scopes=(Scope.REQUESTS_WRITE, Scope.REQUESTS_READ))
    # A team, but only the partner scopes: it works none of the team's records.
    _c, partner_of_civil_status, _s = _application(admin, team_slug="etat-civil", scopes=(Scope.REQUESTS_READ,))
    with django_capture_on_commit_callbacks(execute=True):
        mine = _file(_form("urbanisme"), _resident(), by=website.user, channel="api")
        theirs = _file(_form("etat-civil"), _resident(), by=worker)
        case_change_status(case=theirs, status="in_progress", actor=worker)
        case_change_status(case=mine, status="in_progress", actor=User.objects.get(email="urbanisme@valbrenne.fr"))

    def heard(endpoint):
        return sorted((d.event, d.payload["data"]["reference"]) for d in endpoint.deliveries.all())

    assert heard(civil_status) == [("case.filed", theirs.reference), ("case.status_changed", theirs.reference)]
    assert heard(town_planning) == [("case.filed", mine.reference), ("case.status_changed", mine.reference)]
    # No team: only what it filed itself, whichever team works it.
    assert heard(lonely) == [("case.filed", mine.reference), ("case.status_changed", mine.reference)]
    assert heard(partner_of_civil_status) == []


def test_nothing_is_told_about_a_change_rolled_back_or_to_a_revoked_application(admin, worker,
                                                                               django_capture_on_commit_callbacks):  # fmt: skip
    class Undone(Exception):
        pass

    application, endpoint, _s = _application(admin, team_slug="etat-civil")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(Undone), transaction.atomic():
        _file(_form("etat-civil"), _resident(), by=worker)
        assert endpoint.deliveries.exists()  # written with the case, in its transaction
        raise Undone
    assert not endpoint.deliveries.exists()  # the rollback took them away with the case
    assert not [c for c in callbacks if "enqueue" in c.__qualname__]  # and their tasks
    services.application_revoke(application=application, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        _file(_form("etat-civil"), _resident(), by=worker)
    assert not endpoint.deliveries.exists()


def test_payloads_carry_no_personal_data(admin, django_capture_on_commit_callbacks):
    advisor = User.objects.get(email="conseiller@valbrenne.fr")
    _app, endpoint, _s = _application(admin, team_slug="mediation", scopes=(Scope.ACCOMPANIMENTS_WRITE,))
    person = _resident()
    waiting = _resident("Bérénice")
    dropin = make_dropin()
    workshop = make_workshop(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointments.appointment_book(
            dropin=dropin, starts_at=_slot(dropin), person=person, channel="counter", actor=advisor
        )
        appointments.appointment_cancel(appointment=appointment, actor=advisor, by_service=True)
        first = workshops.registration_create(workshop=workshop, person=person, channel="counter", actor=advisor)
        workshops.registration_create(workshop=workshop, person=waiting, channel="counter", actor=advisor)
        workshops.registration_cancel(registration=first, actor=advisor)
    got = {d.event: d.payload for d in endpoint.deliveries.all()}
    assert set(got) == {"appointment.booked", "appointment.cancelled", "registration.promoted"}
    text = json.dumps(list(got.values()), ensure_ascii=False)
    for personal in ("Odile", "Bérénice", "Secret", "secret@example.org", "0611223344", "06 11 22 33 44"):
        assert personal not in text
    assert got["appointment.cancelled"]["data"]["id"] == appointment.pk
    assert got["appointment.cancelled"]["data"]["by_service"] is True


def test_a_cancelled_drop_in_date_tells_of_its_appointments(admin, django_capture_on_commit_callbacks):
    advisor = User.objects.get(email="conseiller@valbrenne.fr")
    _app, endpoint, _s = _application(admin, team_slug="mediation", scopes=(Scope.ACCOMPANIMENTS_WRITE,))
    dropin = make_dropin()
    starts_at = _slot(dropin)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=starts_at, person=_resident(), channel="counter", actor=advisor
    )
    with django_capture_on_commit_callbacks(execute=True):
        dropins.dropin_cancel_date(dropin=dropin, date=timezone.localdate(starts_at), notice="Fermé.", actor=advisor)
    (delivery,) = endpoint.deliveries.filter(event="appointment.cancelled")
    assert delivery.payload["data"]["id"] == appointment.pk


def test_private_and_plain_http_addresses_are_refused_when_not_allowed(admin, settings):
    settings.RELAIS_WEBHOOKS_ALLOW_PRIVATE = False
    application, _raw = services.application_create(name="Appli", scopes=[Scope.REQUESTS_READ], actor=admin)
    for url in ("http://partenaire.example.org/h", "https://127.0.0.1/h", "https://10.1.2.3/h",
                "https://[::1]/h", "https://169.254.169.254/latest", "https://localhost/h",
                "https://user:pw@partenaire.example.org/h"):  # fmt: skip
        with pytest.raises(ValidationError):
            webhooks.webhook_create(application=application, url=url, events=["case.filed"], actor=admin)
    # And at delivery time, on the address the name resolves to (DNS may change after).
    with pytest.raises(webhooks.AddressRefused):
        webhooks.post("https://localhost/h", b"{}", {})
    with override_settings(RELAIS_WEBHOOKS_ALLOW_PRIVATE=True):
        endpoint, _secret = webhooks.webhook_create(
            application=application, url="http://127.0.0.1:9/h", events=["case.filed"], actor=admin
        )
    assert endpoint.pk


def test_an_application_chooses_only_events_its_scopes_cover(admin):
    application, _raw = services.application_create(name="Appli", scopes=[Scope.BOOKINGS_WRITE], actor=admin)
    assert {name for name, _label in webhooks.events_for(application)} == {
        "appointment.booked", "appointment.cancelled", "registration.promoted"}  # fmt: skip
    with pytest.raises(ValidationError):
        webhooks.webhook_create(
            application=application, url="https://partenaire.example.org/h", events=["case.filed"], actor=admin
        )


def test_deliveries_are_purged_after_30_days_but_not_one_still_waiting(admin, worker, request,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    _app, endpoint, _s = _application(admin, team_slug="etat-civil")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _file(_form("etat-civil"), _resident(), by=worker)
    old, waiting, recent = endpoint.deliveries.order_by("pk")
    long_ago = timezone.now() - datetime.timedelta(days=31)
    WebhookDelivery.objects.filter(pk__in=[old.pk, waiting.pk]).update(created_at=long_ago)
    WebhookDelivery.objects.filter(pk__in=[old.pk, recent.pk]).update(status=DeliveryStatus.SENT)
    outcome = retention.purge("api.webhook_deliveries")
    assert outcome.count == 1
    assert set(endpoint.deliveries.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


# ---------------------------------------------------------------- review fixes


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo
    ],
)
def test_a_private_ipv4_address_inside_an_ipv6_one_is_refused(address, settings):
    assert not webhooks._is_public(address)
    settings.RELAIS_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        webhooks.check_url(f"https://[{address}]/h")


@pytest.mark.parametrize("address", ["2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::", "8.8.8.8"])
def test_a_public_address_stays_allowed(address):
    assert webhooks._is_public(address)


def test_a_partner_answering_a_line_at_a_time_is_cut_off_at_the_deadline():
    """Each line comes well within the per-read timeout: only a deadline on the whole try
    stops it (else the worker is held, and the lease may run out under it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        with conn:
            while not stop.wait(0.2):
                try:
                    conn.sendall(b"X-A: b\r\n")
                except OSError:
                    return

    threading.Thread(target=serve, daemon=True).start()
    try:
        with pytest.raises(TimeoutError):
            webhooks.post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {}, deadline=1)
    finally:
        stop.set()
        server.close()
    assert webhooks.LEASE.total_seconds() > webhooks.TRY_DEADLINE + webhooks.TIMEOUT


def test_a_name_lookup_that_hangs_is_given_up():
    release = threading.Event()

    def hanging(*args, **kwargs):
        release.wait(10)
        return []

    with mock.patch.object(socket, "getaddrinfo", hanging), pytest.raises(TimeoutError):
        webhooks.resolve("lent.example.org", 443, timeout=0.2)
    release.set()


def test_a_try_outliving_its_claim_does_not_overwrite_the_next_one(admin):
    """The lease ran out during a try and a second worker sent the delivery: the first
    worker's late outcome (a timeout) must not replace the second one's ("sent")."""
    _app, endpoint, _s = _application(admin, team_slug="etat-civil", url="http://127.0.0.1:9/x")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="case.filed", payload={"id": 1}, next_attempt_at=timezone.now()
    )
    real_now = timezone.now
    outcomes, tries = [], []

    def slow_then_fine(url, body, headers):
        tries.append(headers["Relais-Signature"])
        if len(tries) == 1:
            later = real_now() + webhooks.LEASE + datetime.timedelta(seconds=1)
            with mock.patch("django.utils.timezone.now", lambda: later):
                outcomes.append(webhooks.deliver(delivery.pk))  # the second worker
            raise TimeoutError("timed out")
        return 200

    with mock.patch.object(webhooks, "post", slow_then_fine):
        first = webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert outcomes == ["sent"] and first == "lost"
    assert delivery.status == DeliveryStatus.SENT and delivery.last_error == "" and delivery.next_attempt_at is None
    assert [attempt["status"] for attempt in delivery.attempt_log] == [200]


def test_the_worker_sends_a_delivery_whose_task_was_lost(admin):
    from relais.notifications.worker import housekeeping

    with Receiver() as partner:
        _app, endpoint, _s = _application(admin, team_slug="etat-civil", url=partner.url)
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="case.filed", payload={"id": 1}, next_attempt_at=timezone.now()
        )  # its task never ran
        counts = housekeeping("worker-test")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(partner.received) == 1
    assert counts["webhooks_sent"] == 1


def test_a_broken_webhook_machinery_never_stops_a_case_being_filed(admin, worker, django_capture_on_commit_callbacks):
    _app, endpoint, _s = _application(admin, team_slug="etat-civil")

    def broken(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")  # a database error, mid-transaction

    with (
        mock.patch.object(webhooks, "_listeners", broken),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        case = _file(_form("etat-civil"), _resident(), by=worker)
    case.refresh_from_db()
    assert case.reference and not endpoint.deliveries.exists()


def test_a_partner_that_only_files_requests_is_not_told_what_became_of_them(admin):
    writer, _raw = services.application_create(name="Formulaire", scopes=[Scope.REQUESTS_WRITE], actor=admin)
    reader, _raw = services.application_create(
        name="Suivi", scopes=[Scope.REQUESTS_WRITE, Scope.REQUESTS_READ], actor=admin
    )
    assert [name for name, _label in webhooks.events_for(writer)] == ["case.filed"]
    assert "case.status_changed" in [name for name, _label in webhooks.events_for(reader)]


def test_only_the_standard_ports_are_allowed_and_the_journal_keeps_no_query_string(admin, settings):
    from relais.core.models import AuditEvent

    settings.RELAIS_WEBHOOKS_ALLOW_PRIVATE = False
    application, _raw = services.application_create(name="Ports", scopes=[Scope.REQUESTS_READ], actor=admin)
    with pytest.raises(ValidationError) as refused:
        webhooks.check_url("https://93.184.215.14:6379/h")
    assert "port" in str(refused.value)
    with pytest.raises(webhooks.AddressRefused):
        webhooks.post("https://93.184.215.14:25/h", b"{}", {})
    endpoint, _secret = webhooks.webhook_create(
        application=application, url="https://93.184.215.14/h?token=s3cret", events=["case.filed"], actor=admin
    )
    assert endpoint.url.endswith("?token=s3cret")  # sent as the partner gave it
    journal = AuditEvent.objects.filter(details__endpoint=endpoint.pk).get()
    assert journal.details["url"] == "https://93.184.215.14/h"
