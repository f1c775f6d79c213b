"""Reads about people and the journal."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from relais.core import journal as vocabulary
from relais.core.models import AuditEvent, AuditPerson, BlockedSender, Person
from relais.core.text import fold, is_meaningful_query, phone_digits


def people_matching(query: str) -> QuerySet[Person]:
    """People whose name, e-mail, phone or birth year match every word of `query`.

    Accents and case are ignored; a phone number matches whatever its spacing. A query
    without two letters or digits matches nobody (it would list everyone).
    """
    if not is_meaningful_query(query):
        return Person.objects.none()
    qs = Person.objects.active()
    for term in query.split():
        digits = phone_digits(term)
        if len(term) == 4 and term.isdigit():
            qs = qs.filter(Q(birth_year=int(term)) | Q(search_text__contains=term))
        elif len(digits) >= 4 and len(digits) >= len(term) - 4:
            qs = qs.filter(search_text__contains=digits)
        else:
            folded = fold(term)
            for part in folded.split():
                qs = qs.filter(search_text__contains=part)
    return qs.order_by("last_name", "first_name", "pk")


_PHONE_IN_QUERY = re.compile(r"\+?\d[\d .-]{6,}\d")


def person_details_from_query(query: str) -> dict[str, str | int]:
    """What an agent typed in the person search, as the first fields of a new record: a
    phone number, an e-mail, a birth year, and the words left as the name. A word in capitals
    is the last name (« DUPONT Marie »); otherwise the last word is (« Marie Dupont »), and a
    single word is a last name."""
    details: dict[str, str | int] = {}
    phone = _PHONE_IN_QUERY.search(query)
    if phone:
        details["phone"] = phone.group().strip()[:30]
        query = query.replace(phone.group(), " ")
    words = []
    for term in query.split()[:8]:
        if "@" in term and "email" not in details:
            details["email"] = term[:254]
        elif len(term) == 4 and term.isdigit() and 1900 <= int(term) <= 2100 and "birth_year" not in details:
            details["birth_year"] = int(term)
        elif any(ch.isalpha() for ch in term):
            words.append(term)
    if not words:
        return details
    capitals = [w for w in words if w.isupper() and len(w) > 1]
    if capitals:
        last, first = capitals, [w for w in words if w not in capitals]
    else:
        last, first = words[-1:], words[:-1]
    details["last_name"] = " ".join(last)[:100]
    if first:
        details["first_name"] = " ".join(first)[:100]
    return details


def possible_duplicates(person: Person, limit: int = 5) -> QuerySet[Person]:
    """Other active records with the same name, e-mail or phone."""
    condition = Q()
    if person.last_name and person.first_name:
        condition |= Q(last_name__iexact=person.last_name, first_name__iexact=person.first_name)
    if person.email:
        condition |= Q(email__iexact=person.email)
    if person.phone:
        condition |= Q(search_text__contains=phone_digits(person.phone))
    if not condition:
        return Person.objects.none()
    return Person.objects.active().filter(condition).exclude(pk=person.pk)[:limit]


def journal(*, person_id=None, actor_id=None, action: str = "", start=None, end=None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor")
    if person_id:
        named = AuditPerson.objects.filter(person_id=person_id, event=OuterRef("pk"))
        qs = qs.filter(Q(person_id=person_id) | Exists(named))
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if action:
        qs = qs.filter(action__in=vocabulary.names_for(action))
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    return qs


def person_relations():
    """Every relation pointing at Person from any app, hidden ones (related_name="+")
    included; many-to-many links are seen through their own table's foreign key."""
    for rel in Person._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and not rel.many_to_many:
            yield rel


def person_has_records(person: Person) -> bool:
    """Anything in any app still points at this person: a case, a mandate, a booking, a
    listing, a message, a merged duplicate… (discovered from the model graph, so a record
    type added later counts without a change here), or they have an account."""
    if person.user_id:
        return True
    return any(
        rel.related_model._base_manager.filter(**{rel.field.name: person}).exists() for rel in person_relations()
    )


def sender_blocked(*, address: str = "", email: str = "", phone: str = "") -> bool:
    """Whether any of these (an address block, an e-mail, a phone) is blocked right now."""
    wanted = [
        (kind, digest)
        for kind, value in (
            (BlockedSender.Kind.ADDRESS, address),
            (BlockedSender.Kind.EMAIL, email),
            (BlockedSender.Kind.PHONE, phone),
        )
        if (digest := BlockedSender.digest(kind, value))
    ]
    if not wanted:
        return False
    condition = Q()
    for kind, digest in wanted:
        condition |= Q(kind=kind, value_hash=digest)
    return BlockedSender.objects.current().filter(condition).exists()


def journal_last_verification() -> AuditEvent | None:
    """The newest `relais audit_verify` result journaled (one indexed lookup)."""
    return (
        AuditEvent.objects.filter(action__in=vocabulary.names_for(vocabulary.Action.JOURNAL_VERIFIED))
        .order_by("-pk")
        .only("at", "details")
        .first()
    )
