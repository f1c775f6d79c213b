"""Writes about people. Each call validates, changes atomically and writes its audit entry."""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from relais.core.audit import audit_log
from relais.core.extensions import prepare_merge
from relais.core.idempotency import create_once
from relais.core.journal import Action
from relais.core.models import PERSON_DETAILS, BlockedSender, Channel, Person
from relais.core.selectors import person_has_records, person_relations


def person_create(
    *, actor, data: dict, channel: str = Channel.COUNTER, submission_key=None, request: HttpRequest | None = None
) -> Person:
    """A new person (the counter's form sent twice with its key makes one), in one
    transaction: `create_once`'s (a savepoint of its own would add nothing to it)."""

    def create() -> Person:
        person = Person(
            **data,
            created_via=channel,
            created_by=actor if actor and actor.is_authenticated else None,
            submission_key=submission_key,
        )
        person.full_clean()
        person.save()
        audit_log(actor=actor, action=Action.PERSON_CREATED, obj=person, request=request, details={"channel": channel})
        return person

    person, _created = create_once(Person, submission_key, create)
    return person


@transaction.atomic
def person_update(*, person: Person, actor, data: dict, request: HttpRequest | None = None) -> list[str]:
    """Apply `data`; returns the names of the fields that changed (only those are saved)."""
    changed = [name for name, value in data.items() if getattr(person, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(person, name, data[name])
    person.full_clean()
    person.save(update_fields=changed)
    audit_log(actor=actor, action=Action.PERSON_UPDATED, obj=person, request=request, details={"fields": changed})
    return changed


@transaction.atomic
def person_for_account(*, user) -> Person:
    """The Person behind a resident's login, created on first need (online, from the e-mail)."""
    person = Person.objects.active().filter(user=user).first()
    if person is None:
        person = Person(email=user.email, user=user, created_via=Channel.ONLINE, preferred_channel="email")
        if user.full_name:
            first, _, last = user.full_name.partition(" ")
            person.first_name, person.last_name = first, last
        person.full_clean()
        person.save()
        audit_log(actor=user, action=Action.PERSON_CREATED, obj=person, details={"channel": Channel.ONLINE})
    return person


def person_viewed(*, person: Person, actor, request: HttpRequest | None = None, reason: str = "", shown=()) -> None:
    """A staff member saw `person` (and, on the same page, the people in `shown`)."""
    audit_log(actor=actor, action=Action.PERSON_VIEWED, obj=person, people=shown, request=request, reason=reason)


def people_searched(*, actor, query: str, count: int, shown=(), request: HttpRequest | None = None) -> None:
    """A people search: the query, how many matched, and who was shown."""
    audit_log(
        actor=actor,
        action=Action.PERSON_SEARCHED,
        request=request,
        people=shown,
        details={"query": query[:100], "results": count},
    )


@transaction.atomic
def person_merge(*, duplicate: Person, kept: Person, actor, request: HttpRequest | None = None) -> Person:
    """Fold `duplicate` into `kept`: fill gaps, move every record, keep a tombstone.

    Records of other apps (cases, registrations…) follow automatically because every
    relation to Person is discovered from the model graph.
    """
    if duplicate.pk == kept.pk:
        raise ValueError("A person cannot be merged into itself.")
    duplicate = Person.objects.select_for_update().get(pk=duplicate.pk)
    kept = Person.objects.select_for_update().get(pk=kept.pk)
    if duplicate.is_merged or kept.is_merged:
        raise ValueError("Merged records cannot be merged again.")
    if duplicate.is_erased or kept.is_erased:
        raise ValueError("Erased records cannot be merged.")
    filled = [name for name in PERSON_DETAILS if not getattr(kept, name) and getattr(duplicate, name)]
    for name in filled:
        setattr(kept, name, getattr(duplicate, name))
    if duplicate.user_id and not kept.user_id:
        user_id = duplicate.user_id
        Person.objects.filter(pk=duplicate.pk).update(user=None)
        kept.user_id = user_id
        filled.append("user")
    prepare_merge(duplicate=duplicate, kept=kept)
    moved = {}
    for rel in person_relations():
        if rel.related_model is Person:
            continue  # merged_into itself
        manager: models.Manager = rel.related_model._base_manager
        count = manager.filter(**{rel.field.name: duplicate}).update(**{rel.field.name: kept})
        if count:
            moved[rel.related_model._meta.label_lower] = count
    kept.save()
    duplicate.merged_into = kept
    duplicate.save(update_fields=["merged_into"])
    audit_log(
        actor=actor,
        action=Action.PERSON_MERGED,
        obj=kept,
        request=request,
        details={"duplicate": duplicate.pk, "filled": filled, "moved": moved},
    )
    audit_log(actor=actor, action=Action.PERSON_MERGED_AWAY, obj=duplicate, request=request, details={"kept": kept.pk})
    return kept


@transaction.atomic
def person_delete_if_unused(*, person: Person, actor, reason: str, request: HttpRequest | None = None) -> bool:
    """Delete a person who has nothing else in Relais (no account, no record in any app);
    True when deleted. The journal keeps that it happened and the person's number only."""
    person = Person.objects.select_for_update().filter(pk=person.pk).first()
    if person is None or person_has_records(person):
        return False
    audit_log(actor=actor, action=Action.PERSON_DELETED, obj=person, reason=reason, request=request)
    person.delete()
    return True


@transaction.atomic
def senders_block(
    *, digests: dict[str, str], days: int, reason: str, actor, request: HttpRequest | None = None
) -> list[str]:
    """Refuse these senders ({kind: BlockedSender.digest(...)}) online for `days` days;
    returns the kinds blocked. Blocks already past their date are forgotten here."""
    now = timezone.now()
    BlockedSender.objects.filter(until__lte=now).delete()
    until = now + datetime.timedelta(days=days)
    by = actor if actor is not None and actor.is_authenticated else None
    kinds = []
    for kind, digest in digests.items():
        if not digest:
            continue
        BlockedSender.objects.create(kind=kind, value_hash=digest, until=until, reason=reason[:200], created_by=by)
        kinds.append(str(kind))
    kinds.sort()
    if kinds:
        audit_log(
            actor=actor,
            action=Action.SENDER_BLOCKED,
            reason=reason,
            request=request,
            details={"kinds": kinds, "until": until.date().isoformat()},
        )
    return kinds


@transaction.atomic
def accessibility_statement_save(*, form, actor, request: HttpRequest | None = None):
    """Save the accessibility statement from its validated form, journal it, and refresh every
    public page (their footer shows the conformance state)."""
    statement = form.save()
    audit_log(
        actor=actor,
        action=Action.ACCESSIBILITY_STATEMENT_UPDATED,
        obj=statement,
        request=request,
        details={
            "fields": sorted(form.changed_data),
            "rate": None if statement.rate is None else str(statement.rate),
            "state": statement.state,
        },
    )
    return statement  # the public pages are refreshed by core.apps (post_save)
