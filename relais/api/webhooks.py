"""Webhooks: a partner's URL told of the events it chose, signed, retried, logged.

An event (core.events) reaches every active endpoint of an active application that chose
it and may see it: the application's own account filed, booked or registered the record
(scopes requests:* or bookings:write; what became of a request needs requests:read), or the record is its team's and the application
works its team's records as an agent does (cases:read/write, accompaniments:write). An
application without a team, or with only the partner scopes, hears only of its own records. Each gets a WebhookDelivery,
written in the domain's transaction, sent by a task (relais.api.tasks) once it commits and
retried with back-off; the db_worker's housekeeping (`worker_turn`) and `relais
webhooks_deliver` send the due ones whose task was lost.

A try is claimed for LEASE (60 s) and lasts at most TRY_DEADLINE (15 s: name lookup,
connection, request and answer together), so no second worker takes it over meanwhile; its
outcome is written only if its claim still holds.

What the partner receives (POST, JSON):

    {"id": 42, "event": "case.status_changed", "created_at": "2026-12-06T09:00:00+01:00",
     "data": {"id": 17, "reference": "2026-00017", "status": "accepted", ...}}

with the headers `Relais-Event`, `Relais-Delivery` (the id) and
`Relais-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
partner recomputes the HMAC over the raw body, compares in constant time, and refuses a
`t` too far from its clock (replays).

Addresses: https only, on the standard port, and never a private, loopback or link-local
address, nor an IPv6 one carrying such an IPv4 address (mapped, compatible, NAT64, 6to4;
Teredo refused) — checked when registered, and again on the resolved address at every
delivery, which is then the one connected to: no DNS rebinding, no redirect followed. `settings.DEBUG` or
`RELAIS_WEBHOOKS_ALLOW_PRIVATE` lift both rules (development, tests).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.api.journal import Action
from relais.api.models import Application, DeliveryStatus, Scope, WebhookDelivery, WebhookEndpoint
from relais.core import events
from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.notifications.worker import worker_turn

logger = logging.getLogger(__name__)

TIMEOUT = 5  # seconds, for each step (name lookup, connection, each read)
TRY_DEADLINE = 15  # seconds for a whole try (lookup, connection, request, answer), well under LEASE
# Delay before the next try, after try n (1-based): then the delivery is abandoned.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = datetime.timedelta(seconds=60)  # a claimed try: another worker leaves it alone meanwhile
ATTEMPTS_KEPT = 20  # entries of a delivery's log

# Which scopes let an application hear of an event (any one of them): about every record of
# its team (it works them as the team's agents do), or only about the records it filed,
# booked or registered itself.
_CASES_TEAM = (Scope.CASES_READ, Scope.CASES_WRITE)
_CASES_OWN = (Scope.REQUESTS_READ, Scope.REQUESTS_WRITE, *_CASES_TEAM)
# What becomes of a request it filed is read, not written: requests:read (or the team's scopes).
_CASES_OWN_READ = (Scope.REQUESTS_READ, *_CASES_TEAM)
_MEDIATION_TEAM = (Scope.ACCOMPANIMENTS_WRITE,)
_MEDIATION_OWN = (Scope.BOOKINGS_WRITE, *_MEDIATION_TEAM)
TEAM_SCOPES = {
    events.CASE_FILED: _CASES_TEAM,
    events.CASE_STATUS_CHANGED: _CASES_TEAM,
    events.APPOINTMENT_BOOKED: _MEDIATION_TEAM,
    events.APPOINTMENT_CANCELLED: _MEDIATION_TEAM,
    events.REGISTRATION_PROMOTED: _MEDIATION_TEAM,
}
OWN_SCOPES = {
    events.CASE_FILED: _CASES_OWN,
    events.CASE_STATUS_CHANGED: _CASES_OWN_READ,
    events.APPOINTMENT_BOOKED: _MEDIATION_OWN,
    events.APPOINTMENT_CANCELLED: _MEDIATION_OWN,
    events.REGISTRATION_PROMOTED: _MEDIATION_OWN,
}


def _holds(application: Application, scopes) -> bool:
    return any(application.allows(scope) for scope in scopes)


def events_for(application: Application) -> list[tuple[str, str]]:
    """The events the application's scopes let it choose: (name, French label)."""
    return [(name, str(label)) for name, label in events.EVENTS.items() if _holds(application, OWN_SCOPES[name])]


def may_hear(application: Application, name: str, *, team_id, recorded_by_id) -> bool:
    """Its own record (filed, booked, registered by its account), or its team's record when
    it works the team's records as an agent does."""
    if recorded_by_id is not None and recorded_by_id == application.user_id:
        return _holds(application, OWN_SCOPES[name])
    return team_id is not None and team_id == application.team_id and _holds(application, TEAM_SCOPES[name])


# ---------------------------------------------------------------- addresses


class AddressRefused(Exception):
    """The URL's host is (or resolves to) an address a webhook may not reach."""


def _relaxed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "RELAIS_WEBHOOKS_ALLOW_PRIVATE", False))


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), else None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _IPV4_COMPATIBLE or any(ip in network for network in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip.teredo is not None:
            return False  # a tunnel whose far end cannot be checked
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def _getaddrinfo(host: str, port: int, timeout: float) -> list:
    """socket.getaddrinfo, given up after `timeout` seconds (it has no timeout of its own:
    the lookup goes on in a daemon thread, whose result nobody waits for)."""
    result: dict = {}

    def lookup():
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the caller
            result["error"] = exc

    thread = threading.Thread(target=lookup, daemon=True, name="webhook-dns")
    thread.start()
    thread.join(max(timeout, 0))
    if thread.is_alive():
        raise TimeoutError(f"{host}: name lookup timed out")
    if "error" in result:
        raise result["error"]
    return result["infos"]


def resolve(host: str, port: int, *, timeout: float = TIMEOUT) -> str:
    """The address to connect to: the first one the host resolves to, each one checked
    (raises AddressRefused for a private one, OSError when the name does not resolve or
    the lookup takes more than `timeout` seconds)."""
    found = [info[4][0] for info in _getaddrinfo(host, port, timeout)]
    if not found:
        raise OSError(f"{host} does not resolve")
    if not _relaxed():
        for address in found:
            if not _is_public(address):
                raise AddressRefused(address)
    return found[0]


def journal_url(url: str) -> str:
    """The URL as the journal keeps it: without its query string (a partner may put a
    token there)."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl()


def check_url(url: str) -> str:
    """The URL, or a ValidationError on `url` saying in French what is wrong with it."""
    parts = urlsplit(url)
    allowed = ("https", "http") if _relaxed() else ("https",)
    if parts.scheme not in allowed:
        raise ValidationError({"url": _("L'adresse doit commencer par https://.")})
    if not parts.hostname or parts.username or parts.password:
        raise ValidationError({"url": _("Indiquez une adresse comme https://partenaire.example.org/relais.")})
    try:
        port = parts.port
    except ValueError:
        raise ValidationError({"url": _("Le port de l'adresse n'est pas valide.")}) from None
    if port not in (None, 443, 80) and not _relaxed():
        raise ValidationError({"url": _("Utilisez le port standard (443) de l'adresse.")})
    refused = ValidationError(
        {"url": _("Cette adresse mène à un réseau privé ou à la machine elle-même : indiquez une adresse publique.")}
    )
    host = parts.hostname
    if not _relaxed():
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise refused
        try:
            if not _is_public(host):
                raise refused
        except ValueError:
            pass  # a name, not an address: checked once resolved
    try:
        resolve(host, port or (443 if parts.scheme == "https" else 80))
    except AddressRefused:
        raise refused from None
    except (OSError, UnicodeError):
        pass  # not resolvable yet (a partner still setting up): checked at every delivery
    return url


# ---------------------------------------------------------------- endpoints (administrator's actions)


def _secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _check_events(application: Application, chosen: list[str]) -> list[str]:
    allowed = {name for name, _label in events_for(application)}
    if not chosen:
        raise ValidationError({"events": _("Choisissez au moins un événement.")})
    if set(chosen) - allowed:
        raise ValidationError({"events": _("Les droits de l'application ne couvrent pas cet événement.")})
    return sorted(set(chosen))


def webhook_create(
    *,
    application: Application,
    url: str,
    events: list[str],
    actor,
    submission_key=None,
    request: HttpRequest | None = None,
) -> tuple[WebhookEndpoint, str | None]:
    """Register a URL; returns (endpoint, secret shown once). The same `submission_key`
    twice gives the first endpoint back, and no secret."""
    made = {}

    @transaction.atomic
    def create() -> WebhookEndpoint:
        if not application.is_active:
            raise ValidationError(_("Cette application est révoquée."))
        chosen = _check_events(application, events)
        made["secret"] = _secret()
        endpoint = WebhookEndpoint.objects.create(
            application=application, url=check_url(url), events=chosen, secret=made["secret"], created_by=actor,
            submission_key=submission_key,
        )  # fmt: skip
        audit_log(actor=actor, action=Action.WEBHOOK_SAVED, obj=application, request=request,
                  details={"endpoint": endpoint.pk, "url": journal_url(endpoint.url), "events": chosen})  # fmt: skip
        return endpoint

    endpoint, _created = create_once(WebhookEndpoint, submission_key, create)
    return endpoint, made.get("secret")


@transaction.atomic
def webhook_update(
    *, endpoint: WebhookEndpoint, url: str, events: list[str], is_active: bool, actor, request=None
) -> WebhookEndpoint:
    endpoint.events = _check_events(endpoint.application, events)
    endpoint.url = check_url(url)
    endpoint.is_active = is_active and endpoint.application.is_active
    endpoint.save(update_fields=["url", "events", "is_active"])
    audit_log(actor=actor, action=Action.WEBHOOK_SAVED, obj=endpoint.application, request=request,
              details={"endpoint": endpoint.pk, "url": journal_url(endpoint.url), "events": endpoint.events,
                       "active": endpoint.is_active})  # fmt: skip
    return endpoint


@transaction.atomic
def webhook_delete(*, endpoint: WebhookEndpoint, actor, request=None) -> None:
    """Remove the URL and its delivery log (nothing more is sent to it)."""
    audit_log(actor=actor, action=Action.WEBHOOK_DELETED, obj=endpoint.application, request=request,
              details={"endpoint": endpoint.pk, "url": journal_url(endpoint.url)})  # fmt: skip
    endpoint.delete()


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, actor, request=None) -> WebhookDelivery:
    """Send a delivery again from its first try (a partner that lost it, or was down).
    One still waiting for its next try is left as it is (a second click changes nothing),
    unless that try is overdue by more than LEASE (its task was lost)."""
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    now = timezone.now()
    if delivery.status == DeliveryStatus.PENDING and not is_stuck(delivery, now=now):
        return delivery
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_log(actor=actor, action=Action.WEBHOOK_RESENT, obj=delivery.endpoint.application, request=request,
              details={"endpoint": delivery.endpoint_id, "delivery": delivery.pk, "event": delivery.event})  # fmt: skip
    _schedule(delivery.pk)
    return delivery


def is_stuck(delivery: WebhookDelivery, *, now=None) -> bool:
    """Pending, and its try overdue by more than LEASE: its task was lost."""
    now = now or timezone.now()
    return (
        delivery.status == DeliveryStatus.PENDING
        and delivery.next_attempt_at is not None
        and delivery.next_attempt_at < now - LEASE
    )


# ---------------------------------------------------------------- events → deliveries


def _listeners(name: str, team_id: int | None, recorded_by_id: int | None) -> list[WebhookEndpoint]:
    may_see = Q()
    if team_id is not None:
        may_see |= Q(application__team_id=team_id)
    if recorded_by_id is not None:
        may_see |= Q(application__user_id=recorded_by_id)
    if not may_see:
        return []
    endpoints = WebhookEndpoint.objects.filter(may_see, is_active=True, application__revoked_at__isnull=True)
    return [
        endpoint
        for endpoint in endpoints.select_related("application")
        if name in endpoint.events
        and may_hear(endpoint.application, name, team_id=team_id, recorded_by_id=recorded_by_id)
    ]


@receiver(events.emitted)
def on_event(sender, *, name, team_id, recorded_by_id, data, at, **kwargs) -> list[WebhookDelivery]:
    """One delivery per endpoint allowed to hear the event, written in the domain's own
    transaction (a rollback removes them, a commit keeps them with the change), each sent
    by its own task once it commits. Never breaks the domain action: a failure here is
    logged and undone in its savepoint, the change goes on without its deliveries."""
    try:
        with transaction.atomic():
            now = timezone.now()
            made = WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(endpoint=endpoint, event=name, payload={}, next_attempt_at=now)
                    for endpoint in _listeners(name, team_id, recorded_by_id)
                ]
            )
            for delivery in made:
                delivery.payload = {"id": delivery.pk, "event": name, "created_at": events.iso(at), "data": data}
            if made:
                WebhookDelivery.objects.bulk_update(made, ["payload"])
    except Exception:
        logger.exception("webhook deliveries for %s not recorded", name)
        return []
    for delivery in made:
        _schedule(delivery.pk)
    return made


def _schedule(delivery_id: int, run_after: datetime.datetime | None = None) -> None:
    """Ask a worker to send after commit (`relais webhooks_deliver` is the safety net)."""
    from relais.api.tasks import deliver_webhook

    def enqueue():
        task = deliver_webhook
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return
            task = task.using(run_after=run_after)
        try:
            task.enqueue(delivery_id)
        except Exception:  # the delivery is safe in its table; the sweeper will send it
            logger.exception("could not enqueue webhook delivery %s", delivery_id)

    transaction.on_commit(enqueue)


# ---------------------------------------------------------------- sending


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The `Relais-Signature` header: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address already resolved and checked, whatever DNS says now."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, *, deadline: float = TRY_DEADLINE) -> int:
    """POST `body` to `url` (no redirect followed); returns the HTTP status. The whole try
    (lookup, connection, request, answer) ends after `deadline` seconds: a partner that
    answers a byte at a time is cut off (TimeoutError), and the try never outlives LEASE."""
    end = time.monotonic() + deadline

    def left() -> float:
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("webhook try took too long")
        return min(TIMEOUT, remaining)

    parts = urlsplit(url)
    https = parts.scheme == "https"
    if parts.scheme not in ("https", "http") or (not https and not _relaxed()):
        raise AddressRefused(parts.scheme)
    port = parts.port or (443 if https else 80)
    if port not in (443, 80) and not _relaxed():
        raise AddressRefused(str(port))
    address = resolve(parts.hostname, port, timeout=left())
    kind = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = kind(parts.hostname, port, address=address, timeout=left())
    expired = threading.Event()

    def cut():  # past the deadline: close the socket under the reading thread
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(end - time.monotonic(), 0), cut)
    timer.daemon = True
    timer.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        if expired.is_set():
            raise TimeoutError("webhook try took too long")
        return response.status
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError("webhook try took too long") from None
        raise
    finally:
        timer.cancel()
        connection.close()


def _claim(delivery_id: int, now) -> bool:
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    )


def deliver(delivery_id: int) -> str:
    """One try of a due delivery: "sent", "retry", "failed" or "not due"."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "not due"
    delivery = WebhookDelivery.objects.select_related("endpoint__application").get(pk=delivery_id)
    endpoint = delivery.endpoint
    status, error, give_up = None, "", False
    if not endpoint.is_active or not endpoint.application.is_active:
        error = _("Adresse désactivée ou application révoquée.")
        give_up = True  # nothing more to try
    else:
        body = body_of(delivery)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Relais-Webhooks/1",
            "Relais-Event": delivery.event,
            "Relais-Delivery": str(delivery.pk),
            "Relais-Signature": signature(endpoint.secret, body, int(time.time())),
        }
        try:
            status = post(endpoint.url, body, headers)
        except AddressRefused:
            error = _("Adresse refusée : elle mène à un réseau privé.")
        except (OSError, http.client.HTTPException, ssl.SSLError, UnicodeError) as exc:
            error = (str(exc) or type(exc).__name__)[:300]
        else:
            if not 200 <= status < 300:
                error = _("Réponse %(status)s du partenaire.") % {"status": status}
    return _record(delivery, status=status, error=error, give_up=give_up)


def _record(delivery: WebhookDelivery, *, status: int | None, error: str, give_up: bool = False) -> str:
    """Write the try's outcome, only if this worker's claim still holds (same number of
    tries, still pending): else another worker took the delivery over, and its outcome
    stands ("lost")."""
    claimed_attempts = delivery.attempts
    now = timezone.now()
    log = [*delivery.attempt_log, {"at": events.iso(now), "status": status, "error": error}][-ATTEMPTS_KEPT:]
    fields = {"attempt_log": log, "last_status_code": status, "last_error": error}
    if not error:
        fields.update(status=DeliveryStatus.SENT, delivered_at=now, next_attempt_at=None)
        outcome = "sent"
    elif give_up or delivery.attempts >= MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        outcome = "failed"
    else:
        retry_at = now + BACKOFF[delivery.attempts - 1]
        fields.update(next_attempt_at=retry_at)
        outcome = "retry"
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, attempts=claimed_attempts, status=DeliveryStatus.PENDING)
    if not claimed.update(**fields):
        logger.warning("webhook delivery %s: claim lost during the try, outcome dropped", delivery.pk)
        return "lost"
    if outcome == "retry":
        _schedule(delivery.pk, run_after=fields["next_attempt_at"])
    return outcome


def deliver_due(*, limit: int = 200) -> dict[str, int]:
    """Try every due delivery now (the sweeper behind the tasks)."""
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )
    counts: dict[str, int] = {}
    for delivery_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]:
        outcome = deliver(delivery_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


WORKER_SWEEP = 50  # deliveries tried at each turn of the worker's loop


@receiver(worker_turn)
def on_worker_turn(sender, **kwargs) -> dict[str, int]:
    """The db_worker's housekeeping: send the due deliveries whose task was lost."""
    return {f"webhooks_{outcome}": n for outcome, n in deliver_due(limit=WORKER_SWEEP).items()}
