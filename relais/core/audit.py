"""Writing to, and reading from, the append-only audit journal."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from relais.core.models import AuditEvent, AuditPerson

UNLOCK_TABLE = "relais_audit_unlock"


def client_ip(request: HttpRequest | None) -> str | None:
    """The visitor's address: behind TRUSTED_PROXY_COUNT proxies, the entry they added to
    X-Forwarded-For (anything further left was written by the client and is not trusted)."""
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if ip.strip()]
    if count and len(forwarded) >= count:
        candidate = forwarded[-count]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def without_nul(value):
    """`value` with every NUL character removed from its texts (dict keys included):
    PostgreSQL stores none, in text or JSON, and refuses the whole entry otherwise."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [without_nul(v) for v in value]
    return value


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    person=None,
    people: Iterable = (),
    reason: str = "",
    request: HttpRequest | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one entry; call it inside the transaction of the change it records.

    `person` is the one person the entry is about; `people` the persons a page, an export
    or a batch showed (ids or Person objects), kept in `details["people"]` and indexed so
    that the journal filtered by person finds the entry.

    What a visitor typed may reach `reason` and `details` (a search, a filter): NUL
    characters are removed there, so that the entry, and the change it goes with, is kept.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    if person is None and obj is not None and obj._meta.label == "core.Person":
        person = obj
    details = dict(details or {})
    named = sorted({p if isinstance(p, int) else p.pk for p in people if p is not None})
    if named:
        details["people"] = named
    event = AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.email if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=without_nul(str(obj.pk)) if obj is not None else "",
        person_id=person.pk if person is not None else None,
        reason=without_nul(reason)[:500],
        ip=client_ip(request),
        details=without_nul(details),
    )
    if named:
        AuditPerson.objects.bulk_create([AuditPerson(event=event, person_id=pk) for pk in named], batch_size=1000)
    return event


@contextmanager
def _unlocked() -> Iterator[None]:
    """Let the database triggers accept deletes, for this transaction only."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES (%s)", ["retention purge"])
        try:
            yield
        finally:
            cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")


def audit_purge(*, older_than_days: int, dry_run: bool = False) -> int:
    """Remove entries past the retention period; returns how many (would be) removed."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    old = AuditEvent.objects.filter(at__lt=cutoff)
    count = old.count()
    if dry_run or not count:
        return count
    with _unlocked():
        # Bypass the model's refusal deliberately: this is the one sanctioned path.
        models.QuerySet.delete(old)
    return count
