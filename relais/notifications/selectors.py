"""Reads of the outbox for staff screens, scoped to what each staff member may see.

A message to a resident is about a record (a case, an appointment, a listing…): the staff
who may see that record may read the message (each app says which, through its
`message_filter` hook, see `relais.core.extensions`). Reception agents, who print the
letters and call residents, also see every message's envelope — who, by which channel,
when, in which batch — but not what it says, unless the town decides otherwise
(`RELAIS_RECEPTION_READS_MESSAGES`); a message they must deliver by phone they read,
since they say it. Account e-mails (codes, password links) are nobody's business.
"""

from __future__ import annotations

from enum import Enum

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Cast

from relais.accounts.models import Role
from relais.accounts.permissions import has_role
from relais.core.extensions import message_filters
from relais.core.models import ContactChannel
from relais.core.paging import capped_count
from relais.notifications.letters import Envelope, envelopes_of
from relais.notifications.models import LetterBatch, Message, MessageStatus


class Access(Enum):
    CONTENT = "content"  # what it says, and everything else
    ENVELOPE = "envelope"  # who, how, when: what the counter needs to print, post and answer


def about(records: QuerySet) -> Q:
    """Messages related to any of `records` (a queryset of one model), for `message_filter` hooks."""
    ids = records.order_by().annotate(_message_sid=Cast("pk", output_field=CharField())).values("_message_sid")
    return Q(related_type=records.model._meta.label_lower, related_id__in=ids)


def prints_letters(user) -> bool:
    """Reception agents print, post and phone: they see every message's envelope."""
    return has_role(user, Role.RECEPTION)


def _readable(user) -> Q:
    if prints_letters(user):
        if settings.RELAIS["RECEPTION_READS_MESSAGES"]:
            return Q()
        condition = Q(channel=ContactChannel.PHONE)  # a call: the agent says the message
    else:
        condition = Q(pk__in=[])
    for extra in message_filters(user=user):
        condition |= extra
    return condition


def messages_readable_by(user) -> QuerySet[Message]:
    """Messages to residents whose content `user` may read."""
    return Message.objects.filter(person__isnull=False).filter(_readable(user))


def messages_listed_for(user) -> QuerySet[Message]:
    """Messages to residents `user` may at least see the envelope of."""
    qs = Message.objects.filter(person__isnull=False)
    return qs if prints_letters(user) else qs.filter(_readable(user))


def message_access(user, message: Message) -> Access | None:
    """How much of `message` the user may see (None: nothing, the page is a 404)."""
    if message.person_id is None:
        return None
    if messages_readable_by(user).filter(pk=message.pk).exists():
        return Access.CONTENT
    return Access.ENVELOPE if prints_letters(user) else None


def outbox_summary(user) -> dict:
    """The outbox page: the calls to make (a queryset, to page through) and, counted up to
    the kernel's cap (`capped_count`), the letters waiting, the failed messages, the held
    ones and those the worker will try again."""
    listed = messages_listed_for(user)
    return {
        "can_print": prints_letters(user),
        "letters_waiting": capped_count(Message.objects.letters_to_print()),
        "to_call": listed.to_call().select_related("person").order_by("created_at"),
        # Failed messages that reached the resident no other way (see `unreachable`).
        "failed": capped_count(unreachable(user)["nobody"]),
        "failed_accounts": capped_count(Message.objects.filter(status=MessageStatus.FAILED, person__isnull=True)),
        "retrying": capped_count(
            listed.filter(status=MessageStatus.QUEUED, channel__in=["email", "sms"], attempts__gt=0)
        ),
        "held": capped_count(Message.objects.filter(status=MessageStatus.HELD)),
        "batches": LetterBatch.objects.annotate(
            n=Count("letters"), unsent=Count("letters", filter=~Q(letters__status=MessageStatus.SENT))
        )[:20]
        if prints_letters(user)
        else [],
    }


def held_summary() -> dict:
    """The held outbox (after a restore there may be many), each figure read through an
    index: how many (counted up to the kernel's cap), by channel, the reasons given and
    when the oldest was written."""
    held = Message.objects.filter(status=MessageStatus.HELD)
    by_channel = [(label, capped_count(held.filter(channel=channel))) for channel, label in ContactChannel.choices]
    return {
        "count": capped_count(held),
        "by_channel": [(label, n) for label, n in by_channel if n],
        "reasons": _held_reasons(),
        "oldest": held.order_by("created_at").values_list("created_at", flat=True).first(),
    }


def _held_reasons(limit: int = 10) -> list[str]:
    """The distinct reasons of the held messages, a few index reads for each one (a walk
    from one reason to the next in `message_held_reason`, not a read of every message)."""
    table, held = Message._meta.db_table, MessageStatus.HELD.value
    # SQLite, without statistics (no ANALYZE is run), would rather read the status index.
    index = " INDEXED BY message_held_reason" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            # The status written out, not a parameter: SQLite uses a partial index only for a
            # query whose own condition names its value.
            f"WITH RECURSIVE reasons (reason) AS ("
            f" SELECT MIN(held_reason) FROM {table}{index} WHERE status = '{held}'"
            f" UNION ALL SELECT (SELECT MIN(held_reason) FROM {table}{index}"
            f" WHERE status = '{held}' AND held_reason > reason)"
            f" FROM reasons WHERE reason IS NOT NULL"
            f") SELECT reason FROM reasons WHERE reason IS NOT NULL LIMIT %s",
            [limit],
        )
        return [row[0] for row in cursor.fetchall()]


def unreachable(user) -> dict:
    """The "could not reach" list: e-mails and SMS to residents whose tries are all spent,
    that `user` may see the envelope of.

    `nobody` holds those that nothing replaced — no letter or call, or a call with no
    number to dial, or a copy that failed or was cancelled — so the resident got nothing;
    `replaced` those a letter or a call is carrying instead (they may still be sent again).
    """
    failed = (
        messages_listed_for(user)
        .filter(status=MessageStatus.FAILED, sensitive=False, channel__in=[ContactChannel.EMAIL, ContactChannel.SMS])
        .select_related("person", "fallback")
        .order_by("-created_at")
    )
    reaches_nobody = (
        Q(fallback__isnull=True)
        | Q(fallback__channel=ContactChannel.PHONE, fallback__to_phone="", fallback__status=MessageStatus.QUEUED)
        | Q(fallback__status__in=[MessageStatus.FAILED, MessageStatus.CANCELLED, MessageStatus.EXPIRED])
    )
    # `replaced` is read from the fallbacks (a message that has one is among the messages
    # some fallback points to): the databases then start from the few fallbacks, through
    # their index, rather than from every failed message, each checked for one.
    fallen_back = Message.objects.filter(fallback_of__isnull=False).values("fallback_of")
    replaced = failed.exclude(reaches_nobody).filter(pk__in=fallen_back)
    return {"nobody": failed.filter(reaches_nobody), "replaced": replaced}


def messages_of(person, user) -> QuerySet[Message]:
    """The messages sent to `person` that `user` may see, newest first, each with
    `readable` (whether its content may be shown to `user`)."""
    return (
        messages_listed_for(user)
        .filter(person=person)
        .annotate(readable=ExpressionWrapper(_readable(user), output_field=BooleanField()))
        .order_by("-created_at")
    )


def batch_envelopes(batch: LetterBatch) -> list[Envelope]:
    """The envelopes of a print batch, in the PDF's order (the date of each one's first
    letter), each with its letters and, once the PDF is made, its number of pages."""
    envelopes = envelopes_of(batch.letters.select_related("person").order_by("created_at", "pk"))
    if len(batch.envelope_pages) == len(envelopes):
        first_page = 1
        for envelope, pages in zip(envelopes, batch.envelope_pages, strict=True):
            envelope.pages, envelope.first_page = pages, first_page
            first_page += pages
    return envelopes


def batch_recipients(batch: LetterBatch, query: str = "") -> list[Envelope]:
    """The counter's list of a batch's recipients, in date order, those whose name holds
    every word of `query` (accents and case ignored) when one is given."""
    envelopes = batch_envelopes(batch)
    return [envelope for envelope in envelopes if envelope.matches(query)] if query.strip() else envelopes
