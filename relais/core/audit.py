"""Writing to, and reading from, the append-only audit journal; sealing, verifying and
purging it (the MAC chain itself is in `core.auditchain`)."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from relais.core import auditchain, journal
from relais.core.auditchain import PURGE_ACTION, ChainRefused, ChainReport
from relais.core.models import AuditEvent, AuditPerson

UNLOCK_TABLE = "relais_audit_unlock"
VERIFIED_ACTION = journal.Action.JOURNAL_VERIFIED

# No purge keeps less than this. French practice (CNIL recommendation on logging, 2021)
# keeps access logs from six months to one year: under six months the trail no longer
# covers the time a misuse takes to be noticed and reported (a resident's complaint, a
# request for who saw their file), and a typo such as `--days 0` would empty the journal.
AUDIT_RETENTION_FLOOR_DAYS = 180


class PurgeRefused(Exception):
    """A purge that would keep less than the floor, or remove entries that do not verify."""


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


def _check_action(action: str) -> None:
    if not journal.is_known(action):
        raise ValueError(f"unknown journal action {action!r}: name it in its app's journal.Action (see core.journal)")


def _entry(*, actor, action: str, obj, person_id, reason: str = "", request, details: dict) -> AuditEvent:
    """An unsaved entry, built the one way both writers below use: no anonymous actor, no
    NUL character in what a visitor may have typed."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent(
        actor=actor,
        actor_label=actor.email if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=without_nul(str(obj.pk)) if obj is not None else "",
        person_id=person_id,
        reason=without_nul(reason)[:500],
        ip=client_ip(request),
        details=without_nul(details),
    )


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
    _check_action(action)
    if person is None and obj is not None and obj._meta.label == "core.Person":
        person = obj
    details = dict(details or {})
    named = sorted({p if isinstance(p, int) else p.pk for p in people if p is not None})
    if named:
        details["people"] = named
    event = _entry(
        actor=actor,
        action=action,
        obj=obj,
        person_id=person.pk if person is not None else None,
        reason=reason,
        request=request,
        details=details,
    )
    # The entry and the people it names together: one write transaction (a page viewed is
    # otherwise two on SQLite, each taking the writers' lock), no savepoint in a caller's.
    with transaction.atomic(savepoint=False):
        event.save(force_insert=True)
        if named:
            AuditPerson.objects.bulk_create([AuditPerson(event=event, person_id=pk) for pk in named], batch_size=1000)
    return event


def people_viewed(
    *, actor, action: str, person_ids, obj=None, request: HttpRequest | None = None, details: dict | None = None
) -> int:
    """One journal entry per person shown on a staff screen (one INSERT for them all), so
    that "who looked at this person" finds list pages too. Returns the number of entries."""
    _check_action(action)
    ids = sorted({pk for pk in person_ids if pk})
    entries = [
        _entry(actor=actor, action=action, obj=obj, person_id=pk, request=request, details=details or {}) for pk in ids
    ]
    AuditEvent.objects.bulk_create(entries)
    return len(ids)


@contextmanager
def _unlocked() -> Iterator[None]:
    """Let the database triggers accept deletes, for this transaction only."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES (%s)", ["retention purge"])
        try:
            yield
        finally:
            cursor.execute(f"DELETE FROM {UNLOCK_TABLE}")


def audit_seal(*, wait: bool = True) -> int:
    """Seal every entry still waiting for its seal; returns how many (cron, commands)."""
    return auditchain.seal(wait=wait)


def audit_verify(*, record: bool = True) -> ChainReport:
    """Seal what is pending, then walk the whole chain and report its first break.

    With `record`, the result is itself journaled (`core.journal.verified`): the administrator's
    journal page shows the last one."""
    with suppress(ChainRefused):  # the walk says why
        auditchain.seal()
    report = auditchain.verify_chain()
    if record:
        details = {"intact": report.intact, "entries": report.entries, "last_position": report.last_position}
        if report.intact:
            details["last_mac"] = report.last_mac
        else:
            details.update(problem=report.problem, position=report.position, entry_id=report.entry_id)
            details["detail"] = report.detail
        audit_log(actor=None, action=VERIFIED_ACTION, details=details)
    return report


def audit_purge(*, older_than_days: int, dry_run: bool = False) -> int:
    """Remove the oldest sealed entries past the retention period, in chain order, and
    journal the purge with a signed marker (where the chain now starts); returns how
    many entries were (or, with `dry_run`, would be) removed. A dry run writes nothing."""
    if older_than_days < AUDIT_RETENTION_FLOOR_DAYS:
        raise PurgeRefused(
            f"the audit journal is kept at least {AUDIT_RETENTION_FLOOR_DAYS} days; "
            f"refusing to remove entries younger than that ({older_than_days} days asked)"
        )
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    if dry_run:
        plan = auditchain.purge_plan(cutoff=cutoff, lock=False)
        _refuse_broken(plan)
        return plan.count
    try:
        auditchain.seal()
    except ChainRefused as refusal:
        raise PurgeRefused(f"the journal cannot be sealed ({refusal}); nothing removed") from refusal
    with transaction.atomic():
        plan = auditchain.purge_plan(cutoff=cutoff, lock=True)
        _refuse_broken(plan)
        if plan.count:
            removed = AuditEvent.objects.filter(
                chain_position__gte=plan.first_position, chain_position__lte=plan.last_position
            )
            with _unlocked():
                # Bypass the model's refusal deliberately: this is the one sanctioned path.
                models.QuerySet.delete(removed)
        marker = auditchain.purge_marker(plan=plan, cutoff=cutoff, retention_days=older_than_days)
        audit_log(actor=None, action=PURGE_ACTION, details=marker)
    return plan.count


def _refuse_broken(plan: auditchain.PurgePlan) -> None:
    if plan.problem is not None:
        raise PurgeRefused(
            f"{plan.problem}; nothing removed (a purge never deletes entries that do not verify: "
            "run `relais audit_verify`)"
        )
