"""The outbox (envois aux habitants): messages by channel and state, delivery failures,
copies sent by letter when another channel failed, and the letters of each print batch.

Only messages to residents count (account e-mails to staff are nobody's figures). A page
counts the messages created in the period; a print batch counts in the period it was made.

Whose messages. A message has no team: it is about a record (`related_type`, `related_id`),
and the apps' `message_filter` hooks open it to the staff who may see that record. Those
hooks take a user and their roles, and a statistics query may have none (a share link), so
they cannot serve here. Instead, `ABOUT_TEAM_RECORDS` below says, for each kind of record a
message can be about, how that record belongs to a team: a manager's page counts the
messages about their teams' records, through the same `about()` condition the hooks use; a
message about no record (or about a record since removed) counts only on the whole town's
page. A test checks that every kind of record the demo town's messages are about is listed,
so a new kind cannot be silently left out.

Messages are deleted after their retention period (a year by default) and leave no count
behind: older periods show only what is still held (the section says so)."""

from __future__ import annotations

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relais.accounts.models import Team
from relais.cases.models import Case
from relais.core.models import ContactChannel
from relais.mandates.models import Mandate
from relais.mediation.models import Appointment, Registration
from relais.mutualaid.models import Conversation, ConversationMessage, Listing, Report, Suspension, ThankYou
from relais.notifications.models import Message, MessageStatus
from relais.notifications.selectors import about
from relais.stats.build import compare, link, ratio_figure
from relais.stats.figures import COUNT, Figure, Row, Section, Table
from relais.stats.filters import Query

# Each kind of record a message can be about, and the path from it to its team.
ABOUT_TEAM_RECORDS = {
    Case: "team",
    Mandate: "team",
    Appointment: "team",
    Registration: "workshop__team",
    Listing: "team",
    Report: "team",
    Suspension: "team",
    Conversation: "listing__team",
    ConversationMessage: "conversation__listing__team",
    ThankYou: "conversation__listing__team",
    Team: "pk",
}
# Delivered or given up: the messages whose fate is known.
SETTLED = (MessageStatus.SENT, MessageStatus.PRINTED, MessageStatus.FAILED)


def about_teams(team_ids) -> list[Q]:
    """Messages about a record of one of these teams: one condition per kind of record, each
    to be read in its own query (joined by OR, PostgreSQL would test every message against
    every list of records, one by one)."""
    return [
        about(model.objects.filter(**{f"{path}__in": list(team_ids)})) for model, path in ABOUT_TEAM_RECORDS.items()
    ]


def _scoped(qs, q: Query) -> list:
    """The messages to residents of `qs` in the query's scope, as querysets that share none."""
    qs = qs.filter(person__isnull=False)
    if q.team_ids is None:
        return [qs]
    return [qs.filter(condition) for condition in about_teams(q.team_ids)]


def messages(q: Query) -> list:
    """The messages to residents created in the query's period, in its scope."""
    start, end = q.period.bounds()
    return _scoped(Message.objects.filter(created_at__gte=start, created_at__lt=end), q)


def _add(totals: dict, code, n: int) -> None:
    totals[code] = totals.get(code, 0) + n


def message_counts(q: Query) -> dict:
    """By channel and state, failures and fallbacks: one GROUP BY over the period's messages
    (one per kind of record for a team's page)."""
    fallback = ExpressionWrapper(Q(fallback_of__isnull=False), BooleanField())
    out = {
        "messages": 0, "channel": {}, "status": {}, "failed_channel": {}, "fallbacks": 0, "fallback_letters": 0,
        "sms_segments": 0,
    }  # fmt: skip
    for qs in messages(q):
        for channel, status, is_fallback, n, segments in (
            qs.order_by()
            .values_list("channel", "status", fallback)
            .annotate(n=Count("pk"), segments=Sum("sms_segments"))
        ):
            out["messages"] += n
            out["sms_segments"] += segments or 0
            _add(out["channel"], channel, n)
            _add(out["status"], status, n)
            if status == MessageStatus.FAILED:
                _add(out["failed_channel"], channel, n)
            if is_fallback:
                out["fallbacks"] += n
                out["fallback_letters"] += n if channel == ContactChannel.LETTER else 0
    out["failed"] = out["status"].get(MessageStatus.FAILED, 0)
    out["settled"] = sum(out["status"].get(s, 0) for s in SETTLED)
    return out


def batch_counts(q: Query) -> dict:
    """Letters of each print batch made in the period: {(batch id, made at): letters}."""
    start, end = q.period.bounds()
    counts: dict = {}
    for letters in _scoped(Message.objects.filter(batch__created_at__gte=start, batch__created_at__lt=end), q):
        for batch, made_at, n in (
            letters.order_by().values_list("batch_id", "batch__created_at").annotate(n=Count("pk"))
        ):
            _add(counts, (batch, made_at), n)
    return counts


def _figure(slug, label, now, before, help="") -> Figure:
    return Figure(slug, label, now, before, COUNT, help=help)


def _batch_table(batches: dict) -> Table:
    rows = [
        Row(formats.date_format(timezone.localtime(made_at), "DATETIME_FORMAT"), [n], code=str(batch))
        for (batch, made_at), n in sorted(batches.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    return Table(
        "batches",
        _("Courriers imprimés par lot"),
        rows,
        [_("Courriers")],
        COUNT,
        additive=True,
        note=_("Un lot par impression faite à l'accueil pendant la période."),
    )


def section(q: Query) -> Section:
    """The outbox page: the period and the previous one."""
    now, before = message_counts(q), message_counts(q.previous())
    batches_now, batches_before = batch_counts(q), batch_counts(q.previous())
    figures = [
        _figure(
            "messages",
            _("Messages envoyés aux habitants"),
            now["messages"],
            before["messages"],
            _("Un message renvoyé par un autre canal compte une fois par canal."),
        ),
        _figure("failed", _("Échecs d'envoi"), now["failed"], before["failed"]),
        ratio_figure(
            "failure_rate",
            _("Part des envois en échec"),
            now["failed"],
            now["settled"],
            before["failed"],
            before["settled"],
            _("Parmi les messages envoyés, imprimés ou en échec."),
        ),
        _figure(
            "fallbacks",
            _("Messages renvoyés par un autre canal"),
            now["fallbacks"],
            before["fallbacks"],
            _("Après l'échec d'un courriel ou d'un SMS."),
        ),
        _figure("fallback_letters", _("Renvoyés par courrier"), now["fallback_letters"], before["fallback_letters"]),
        _figure(
            "sms_segments",
            _("SMS facturés"),
            now["sms_segments"],
            before["sms_segments"],
            _("Un SMS long compte pour plusieurs : ce que l'opérateur facture."),
        ),
        _figure("batches", _("Lots de courriers imprimés"), len(batches_now), len(batches_before)),
        _figure("letters_printed", _("Courriers imprimés"), sum(batches_now.values()), sum(batches_before.values())),
    ]
    tables = [
        compare("channel", _("Messages par canal"), now["channel"], before["channel"], ContactChannel.choices),
        compare("status", _("Messages par état"), now["status"], before["status"], MessageStatus.choices),
        compare(
            "failed_channel",
            _("Échecs d'envoi par canal"),
            now["failed_channel"],
            before["failed_channel"],
            ContactChannel.choices,
        ),
        _batch_table(batches_now),
    ]
    notes = [
        _(
            "Les messages sont effacés après leur durée de conservation : une période ancienne ne montre que ceux "
            "qui restent."
        ),
    ]
    if q.team_ids is not None:
        notes.append(_("Messages au sujet des dossiers, rendez-vous, inscriptions, mandats et annonces des équipes."))
    if q.place_id or q.commune:
        notes.append(_("Un message n'est rattaché à aucun lieu : le filtre par lieu ou par commune ne s'applique pas."))
    section = Section("envois", _("Envois aux habitants"), figures, tables, notes)
    return link(
        section,
        cells={"failed": ("status", MessageStatus.FAILED)},
        parts={"failed": "messages", "fallbacks": "messages", "fallback_letters": "fallbacks"},
    )
