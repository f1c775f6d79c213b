"""Reads of the mutual-aid board, already scoped to what the caller may see."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.accounts.models import Role, Team, TeamKind
from relais.accounts.permissions import team_ids
from relais.core import cacheversions
from relais.core.models import Person
from relais.core.text import fold
from relais.mutualaid.models import (
    Badge,
    BadgeKind,
    Block,
    BoardSettings,
    Conversation,
    ConversationMessage,
    DecisionAction,
    Listing,
    ListingStatus,
    ModerationDecision,
    Neighbourhood,
    Outcome,
    Report,
    ReportStatus,
    Suspension,
    ThankYou,
)
from relais.notifications import channels
from relais.notifications.selectors import about


def _with_badge(qs: QuerySet[Listing]) -> QuerySet[Listing]:
    met = Badge.objects.filter(person=OuterRef("posted_by"), kind=BadgeKind.MET, revoked_at__isnull=True)
    return qs.annotate(author_met=Exists(met))


def neighbourhoods() -> QuerySet[Neighbourhood]:
    return Neighbourhood.objects.filter(is_active=True, team__is_active=True, team__kind=TeamKind.MUTUAL_AID)


def search(qs: QuerySet[Listing], query: str) -> QuerySet[Listing]:
    """Listings whose title, text, availability, category or neighbourhood hold every word."""
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    return qs


def board(
    *, kind: str = "", category: str = "", neighbourhood: Neighbourhood | None = None, q: str = "", viewer=None
) -> QuerySet[Listing]:
    """Listings on the board now, newest first; a resident never sees people they blocked or who blocked them."""
    qs = Listing.objects.visible_on_board().select_related("neighbourhood", "posted_by")
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category=category)
    if neighbourhood is not None:
        qs = qs.filter(neighbourhood=neighbourhood)
    if q:
        qs = search(qs, q)
    if viewer is not None:
        qs = qs.exclude(posted_by__in=Block.objects.filter(blocker=viewer).values("blocked")).exclude(
            posted_by__in=Block.objects.filter(blocked=viewer).values("blocker")
        )
    return _with_badge(qs).order_by("-published_at", "-pk")


def hidden_authors(user) -> tuple[int, ...]:
    """Ids of the people whose listings `board(viewer=…)` leaves out for the resident behind
    `user` (those they blocked, those who blocked them), in order: () for nearly everyone,
    found with one query; what a rendering of the board shown to them varies with."""
    if not user.is_authenticated:
        return ()
    pairs = _blocks_touching(user.pk)
    if not pairs:
        return ()
    viewer = Person.objects.active().filter(user=user).first()
    if viewer is None:
        return ()
    return tuple(sorted({b for a, b in pairs if a == viewer.pk} | {a for a, b in pairs if b == viewer.pk}))


def _blocks_touching(user_id: int) -> list[tuple[int, int]]:
    """(blocker, blocked) of the blocks made by or against a person of the user. Asked at
    every showing of the board to a logged-in resident, and nearly always empty: in plain
    SQL, which the ORM took ~0.5 ms to build (two joins to the people) and SQLite ~0.05 to answer."""
    quote = connection.ops.quote_name
    block, person = quote(Block._meta.db_table), quote(Person._meta.db_table)
    blocker, blocked = (quote(Block._meta.get_field(name).column) for name in ("blocker", "blocked"))
    person_id, user_id_column = quote(Person._meta.pk.column), quote(Person._meta.get_field("user").column)
    theirs = f"(SELECT {person_id} FROM {person} WHERE {user_id_column} = %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {blocker}, {blocked} FROM {block} WHERE {blocker} IN {theirs} OR {blocked} IN {theirs}",  # noqa: S608 - names from the models
            [user_id, user_id],
        )
        return cursor.fetchall()


def listing_for(pk: int, viewer=None) -> Listing:
    """A listing as a resident may see it: on the board, their own, or one they talk about. Else 404."""
    listing = _with_badge(Listing.objects.select_related("neighbourhood", "posted_by")).filter(pk=pk).first()
    if listing is None:
        raise Http404
    if viewer is not None and listing.posted_by_id == viewer.pk:
        return listing
    if viewer is not None and Block.objects.filter(blocker=viewer, blocked=listing.posted_by_id).exists():
        raise Http404
    if listing.is_live and not Suspension.objects.active().filter(person=listing.posted_by_id).exists():
        return listing
    if (
        viewer is not None
        and listing.status in (ListingStatus.CLOSED, ListingStatus.EXPIRED)
        and listing.conversations.filter(responder=viewer).exists()
    ):
        return listing
    raise Http404


def decisions_told_to_author(listing: Listing) -> QuerySet[ModerationDecision]:
    """The explained decisions about the listing itself (never about a report or someone's message)."""
    told = [DecisionAction.REJECT, DecisionAction.HIDE, DecisionAction.RESTORE, DecisionAction.EDIT]
    return (
        listing.decisions.filter(person=listing.posted_by, action__in=told).exclude(reason="").order_by("-decided_at")
    )


def thanks_shown_for(person) -> QuerySet[ThankYou]:
    return ThankYou.objects.filter(recipient=person, shown=True).select_related("sender").order_by("-created_at")


def listings_of(person) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(posted_by=person)
        .select_related("neighbourhood")
        .annotate(n_conversations=Count("conversations"))
        .order_by("-created_at", "-pk")
    )


def conversations_of(person) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(Q(responder=person) | Q(listing__posted_by=person))
        .select_related("listing__posted_by", "listing__neighbourhood", "responder")
        .order_by("-last_message_at", "-pk")
    )


def conversation_for(pk: int, person) -> Conversation:
    conversation = conversations_of(person).filter(pk=pk).first()
    if conversation is None:
        raise Http404
    return conversation


def messages_for(conversation: Conversation, viewer=None) -> QuerySet[ConversationMessage]:
    """A conversation's messages; residents do not see messages the moderators hid."""
    qs = conversation.messages.select_related("sender", "entered_by")
    if viewer is not None:
        qs = qs.filter(Q(hidden_at__isnull=True) | Q(sender=viewer))
    return qs.order_by("created_at", "pk")


def blocks_of(person) -> QuerySet[Block]:
    return Block.objects.filter(blocker=person).select_related("blocked").order_by("-created_at")


def thanks_received(person) -> QuerySet[ThankYou]:
    return ThankYou.objects.filter(recipient=person).select_related("sender", "conversation__listing")


# ---------------------------------------------------------------- staff


def moderated_team_ids(user) -> list[int]:
    return team_ids(user, Role.MODERATOR)


def staff_listings(user) -> QuerySet[Listing]:
    """Every listing of the moderator's teams."""
    return _with_badge(
        Listing.objects.filter(team__in=moderated_team_ids(user)).select_related(
            "neighbourhood", "posted_by", "recorded_by"
        )
    )


def staff_listing(user, pk: int) -> Listing:
    listing = staff_listings(user).filter(pk=pk).first()
    if listing is None:
        raise Http404
    return listing


def staff_conversations(user) -> QuerySet[Conversation]:
    """Conversations of the moderator's teams that the moderators have a part in.

    Residents write to each other privately; moderators read a conversation only when one
    side has no internet (they read it out and type the answers), or when one of its messages
    was reported (to decide, and afterwards to check what was decided).
    """
    offline = (
        Q(responder__user__isnull=True)
        | Q(responder__user__is_active=False)
        | Q(listing__posted_by__user__isnull=True)
        | Q(listing__posted_by__user__is_active=False)
    )
    reported = Exists(Report.objects.filter(message__conversation=OuterRef("pk")))
    return Conversation.objects.filter(listing__team__in=moderated_team_ids(user)).filter(offline | reported)


def staff_conversation(user, pk: int) -> Conversation:
    conversation = (
        staff_conversations(user)
        .filter(pk=pk)
        .select_related("listing__posted_by", "listing__neighbourhood", "responder")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def messages_about_moderated_records(user):
    """Messages about the board records a moderator may open: listings, reports and
    suspensions of their teams, and conversations only where moderators read them."""
    teams = moderated_team_ids(user)
    if not teams:
        return None
    conversations = staff_conversations(user)
    return (
        about(Listing.objects.filter(team__in=teams))
        | about(Report.objects.filter(listing__team__in=teams))
        | about(Suspension.objects.filter(team__in=teams))
        | about(conversations)
        | about(ConversationMessage.objects.filter(conversation__in=conversations))
        | about(ThankYou.objects.filter(conversation__in=conversations))
        | about(Team.objects.filter(pk__in=teams))
    )


def moderated_relation(*, user, person) -> bool:
    """The person posted, answered, reported or was suspended on a board the user moderates."""
    teams = moderated_team_ids(user)
    if not teams:
        return False
    return (
        Listing.objects.filter(team__in=teams, posted_by=person).exists()
        or Conversation.objects.filter(listing__team__in=teams, responder=person).exists()
        or Report.objects.filter(listing__team__in=teams, reporter=person).exists()
        or Suspension.objects.filter(team__in=teams, person=person).exists()
    )


def staff_reports(user) -> QuerySet[Report]:
    """Reports on the listings of the moderator's teams (a report follows its listing to another team)."""
    return Report.objects.filter(listing__team__in=moderated_team_ids(user)).select_related(
        "listing__posted_by", "message__sender", "reporter"
    )


def queue(user) -> dict:
    """What waits for the moderators: listings to read, reports, messages to pass on."""
    teams = moderated_team_ids(user)
    listings = staff_listings(user)
    return {
        "pending": listings.filter(status=ListingStatus.PENDING).order_by("created_at", "pk"),
        "unreviewed": listings.filter(status=ListingStatus.PUBLISHED, reviewed_at__isnull=True).order_by(
            "published_at", "pk"
        ),
        "reports": staff_reports(user).filter(status=ReportStatus.OPEN).order_by("created_at", "pk"),
        # How many residents have messages waiting, counted from their waiting messages (one
        # recipient each, distinct) rather than by checking every resident of the town.
        "relay_counted": (
            _waiting_relay(teams).filter(recipient__isnull=False).values("recipient").distinct().order_by("recipient")
        ),
        "statistics": statistics(teams),
    }


def _waiting_relay(teams: list[int]) -> QuerySet[ConversationMessage]:
    """Messages to residents without internet that the moderators of `teams` have not passed on yet."""
    # The team checked for each message (an Exists), not joined from the teams' listings:
    # SQLite, without statistics, would otherwise start from every listing of the team
    # rather than from the waiting messages' own index.
    of_teams = Listing.objects.filter(pk=OuterRef("conversation__listing_id"), team__in=teams)
    return ConversationMessage.objects.filter(
        Exists(of_teams), needs_relay=True, relayed_at__isnull=True, hidden_at__isnull=True
    )


# Up to this many residents waiting, `relay_rows` sorts the people their messages name.
RELAY_SORTED = 1000


def relay_rows(teams: list[int]) -> QuerySet[Person]:
    """Residents without internet who have messages waiting, by name (slice or paginate it,
    then `with_people` for how many each).

    Up to `RELAY_SORTED` of them, the people their waiting messages name are read (the
    messages' partial index) and sorted: the work grows with the messages waiting, not with
    the town. Past that, the town's residents are read in name order and each one checked
    for a waiting message: with so many waiting, a page is found among the first names read."""
    waiting = _waiting_relay(teams).filter(recipient__isnull=False)
    recipients = waiting.values("recipient").order_by("recipient")
    if recipients.distinct()[: RELAY_SORTED + 1].count() <= RELAY_SORTED:
        people = Person.objects.filter(pk__in=recipients)
    else:
        people = Person.objects.filter(Exists(waiting.filter(recipient=OuterRef("pk"))))
    return people.order_by("last_name", "first_name", "pk")


def relay_longest_waiting(teams: list[int], limit: int) -> list[Person]:
    """The residents (at most `limit`) whose messages have waited longest, the longest first.

    The waiting messages are read oldest first (their partial index), each read leaving out
    the residents already found, until `limit` residents are found: as quick with ten
    residents waiting as with thousands, wherever their names fall in the alphabet."""
    waiting = (
        _waiting_relay(teams)
        .filter(recipient__isnull=False)
        .order_by("created_at", "pk")
        .values_list("recipient_id", flat=True)
    )
    found: list[int] = []
    while len(found) < limit:
        # Each read starts with a resident not found yet: at most `limit` reads, most often one.
        read = list(waiting.exclude(recipient_id__in=found)[: limit * 4])
        for pk in read:
            if pk not in found and len(found) < limit:
                found.append(pk)
        if len(read) < limit * 4:
            break
    people = Person.objects.in_bulk(found)
    return [people[pk] for pk in found]


def with_people(rows, teams: list[int]) -> list[dict]:
    """People (of `relay_rows`, `relay_longest_waiting`) with how many messages wait for
    each: [{"person": Person, "n": int}] (one query)."""
    people = list(rows)
    counts = dict(
        _waiting_relay(teams)
        .filter(recipient__in=[person.pk for person in people])
        .values_list("recipient")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [{"person": person, "n": counts.get(person.pk, 0)} for person in people]


def messages_waiting_relay(person, teams: list[int]) -> QuerySet[ConversationMessage]:
    """Messages to `person` (without internet) that the moderators of `teams` have not passed on yet."""
    return (
        _waiting_relay(teams)
        .filter(recipient=person)
        .select_related("conversation__listing", "sender")
        .order_by("created_at", "pk")
    )


def waiting_relay_count(user, person) -> int:
    return messages_waiting_relay(person, moderated_team_ids(user)).count()


def relay_sheet(user, person) -> dict:
    """Everything a moderator reads to (or posts for) a resident without internet."""
    teams = moderated_team_ids(user)
    conversations = list(
        staff_conversations(user)
        .filter(Q(responder=person) | Q(listing__posted_by=person))
        .select_related("listing__posted_by", "listing__neighbourhood", "responder")
        .prefetch_related("messages__sender")
        .order_by("-last_message_at")
    )
    for conversation in conversations:
        conversation.other_party = conversation.other(person)
        conversation.visible_messages = [m for m in conversation.messages.all() if m.hidden_at is None]
    return {
        "listings": Listing.objects.filter(team__in=teams, posted_by=person)
        .exclude(status__in=[ListingStatus.CLOSED, ListingStatus.REJECTED])
        .select_related("neighbourhood")
        .order_by("-created_at"),
        "conversations": conversations,
        "waiting": waiting_relay_count(user, person),
    }


def person_history(user, person) -> dict:
    """A resident's listings, reports about them and by them, and decisions, in the moderator's teams.

    A suspension applies to the whole board, but its reason is shown only to the team that
    decided it (`suspension_ours`).
    """
    teams = moderated_team_ids(user)
    now = timezone.now()
    suspension = Suspension.objects.active(now).filter(person=person).first()
    return {
        "listings": _with_badge(Listing.objects.filter(team__in=teams, posted_by=person))
        .select_related("neighbourhood", "posted_by")
        .order_by("-created_at"),
        "reports_about": Report.objects.filter(listing__team__in=teams)
        .filter(Q(listing__posted_by=person, message__isnull=True) | Q(message__sender=person))
        .select_related("listing")
        .order_by("-created_at"),
        "reports_made": Report.objects.filter(listing__team__in=teams, reporter=person)
        .select_related("listing")
        .order_by("-created_at"),
        "decisions": ModerationDecision.objects.filter(team__in=teams, person=person)
        .select_related("decided_by", "listing")
        .order_by("-decided_at"),
        "suspension": suspension,
        # (a suspension recorded before teams were kept belongs to every team)
        "suspension_ours": suspension is not None and suspension.team_id in (None, *teams),
        "badge": Badge.objects.filter(person=person, kind=BadgeKind.MET, revoked_at__isnull=True).first(),
        "conversations": staff_conversations(user)
        .filter(Q(responder=person) | Q(listing__posted_by=person))
        .select_related("listing", "responder")
        .order_by("-last_message_at")[:20],
    }


def acting_team(user, person):
    """The moderator's team that a decision about `person` belongs to: the team in charge of
    their most recent listing among the moderator's teams, or None (the moderator then says which)."""
    listing = (
        Listing.objects.filter(team__in=moderated_team_ids(user), posted_by=person)
        .select_related("team")
        .order_by("-created_at", "-pk")
        .first()
    )
    return listing.team if listing is not None else None


# The team's statistics block of the moderation queue counts every listing, conversation
# and author of the team: with 100,000 listings that is more than the rest of the page.
# A moderator reads these figures as an overview, not as a queue to work through: they
# accept figures a few minutes old. They are kept STATISTICS_TIMEOUT seconds in the shared
# cache, under a version that every change of a listing, conversation, suspension or
# retained count bumps (mutualaid.apps), so a change made through Relais shows on the next
# page. Only what no save goes through (a listing passing its expiry date, bulk updates)
# may show up to that long late.
STATISTICS_TIMEOUT = 300
STATISTICS_VERSION_KEY = "relais:mutualaid:statistics:version"


def statistics_changed() -> None:
    """Forget the teams' statistics now and again once the change is committed."""
    cacheversions.changed(STATISTICS_VERSION_KEY)


def _statistics_counts(teams: list[int]) -> dict:
    """The figures of `statistics`, as plain numbers (what the cache keeps)."""
    from relais.core import retention
    from relais.mutualaid.retention import CONVERSATION_COUNTS, LISTING_COUNTS, OFFLINE_AUTHOR_COUNTS

    listings = Listing.objects.filter(team__in=teams)
    by_status = dict(listings.values_list("status").annotate(n=Count("pk")).order_by())
    by_outcome = dict(
        listings.filter(status=ListingStatus.CLOSED).values_list("outcome").annotate(n=Count("pk")).order_by()
    )
    for dimensions, n in retention.retained(LISTING_COUNTS, team_ids=teams).values_list("dimensions", "count"):
        by_status[dimensions["status"]] = by_status.get(dimensions["status"], 0) + n
        if dimensions["status"] == ListingStatus.CLOSED:
            by_outcome[dimensions["outcome"]] = by_outcome.get(dimensions["outcome"], 0) + n
    return {
        "live": listings.visible_on_board().count(),
        "by_status": by_status,
        "by_outcome": by_outcome,
        "conversations": Conversation.objects.filter(listing__team__in=teams).count()
        + retention.retained_total(CONVERSATION_COUNTS, team_ids=teams),
        "offline_authors": listings.exclude(posted_via="online").values("posted_by").distinct().count()
        + retention.retained_total(OFFLINE_AUTHOR_COUNTS, team_ids=teams),
    }


def statistics(teams: list[int]) -> dict:
    """Counts for the team and the council: no person, no score. Listings the retention
    purge removed are still counted (core.retention anonymous counts). Kept a few minutes
    (see STATISTICS_TIMEOUT)."""
    version = cacheversions.current(STATISTICS_VERSION_KEY)
    key = f"relais:mutualaid:statistics:{version}:{','.join(str(team) for team in sorted(teams))}"
    counts = cache.get(key)
    if counts is None:
        counts = _statistics_counts(teams)
        cache.set(key, counts, timeout=STATISTICS_TIMEOUT)
    return {
        "live": counts["live"],
        "by_status": [(label, counts["by_status"].get(value, 0)) for value, label in ListingStatus.choices],
        "outcomes": [(label, counts["by_outcome"].get(value, 0)) for value, label in Outcome.choices],
        "conversations": counts["conversations"],
        "offline_authors": counts["offline_authors"],
    }


def outcome_counts(*, start=None, end=None, team_ids=None, posted_via: str = "") -> dict[str, int]:
    """Closed listings by outcome (for the statistics app): {"worked": n, "did_not_work": n}.
    Listings the retention purge removed count by the month they closed, for the months the
    period covers whole (as `listing_counts`: two halves of a month never count one twice)."""
    from relais.core import retention
    from relais.mutualaid.retention import LISTING_COUNTS

    qs = Listing.objects.filter(status=ListingStatus.CLOSED)
    if start:
        qs = qs.filter(closed_at__date__gte=start)
    if end:
        qs = qs.filter(closed_at__date__lte=end)
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    if posted_via:
        qs = qs.filter(posted_via=posted_via)
    counts = dict(qs.values_list("outcome").annotate(n=Count("pk")).order_by())
    first, stop = retention.whole_months(start, end)
    retained = retention.retained(LISTING_COUNTS, team_ids=team_ids)
    if first:
        retained = retained.filter(month__gte=first)
    if stop:
        retained = retained.filter(month__lt=stop)
    for dimensions, n in retained.values_list("dimensions", "count"):
        if posted_via and dimensions.get("posted_via") != posted_via:
            continue
        if dimensions["status"] == ListingStatus.CLOSED:
            counts[dimensions["outcome"]] = counts.get(dimensions["outcome"], 0) + n
    return {value: counts.get(value, 0) for value in Outcome.values}


def listing_counts(
    *, team_ids=None, start: datetime.date | None = None, end: datetime.date | None = None, posted_via: str = ""
) -> dict[tuple, int]:
    """Listings posted, by (kind, category, neighbourhood id, channel posted through,
    answered: at least one neighbour wrote), for the statistics app: the listings still
    held plus the anonymous counts the retention purge left for those it removed.

    `start`, `end`: days posted, both included. A removed listing is counted by the month
    it was posted: only when that month lies wholly between the two days (and not at all
    when it was removed before that month was recorded)."""
    from relais.core import retention
    from relais.mutualaid.retention import LISTING_COUNTS

    qs = Listing.objects.all() if team_ids is None else Listing.objects.filter(team_id__in=team_ids)
    if start:
        qs = qs.filter(created_at__gte=_day_start(start))
    if end:
        qs = qs.filter(created_at__lt=_day_start(end + datetime.timedelta(days=1)))
    if posted_via:
        qs = qs.filter(posted_via=posted_via)
    answered = Exists(Conversation.objects.filter(listing=OuterRef("pk")))
    rows = (
        qs.annotate(answered=answered)
        .values_list("kind", "category", "neighbourhood_id", "posted_via", "answered")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple, int] = {tuple(row[:-1]): row[-1] for row in rows}
    first, stop = retention.whole_months(start, end)
    retained = retention.retained(LISTING_COUNTS, team_ids=team_ids)
    if first:
        # Kept by the month the listing ended, never before the month it was posted.
        retained = retained.filter(month__gte=first)
    for d, n in retained.values_list("dimensions", "count"):
        posted = d.get("posted")
        if not posted or (first and posted < f"{first:%Y-%m}") or (stop and posted >= f"{stop:%Y-%m}"):
            continue
        if posted_via and d.get("posted_via") != posted_via:
            continue
        key = (d["kind"], d["category"], d.get("neighbourhood"), d.get("posted_via"), bool(d.get("answered")))
        counts[key] = counts.get(key, 0) + n
    return counts


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# ---------------------------------------------------------------- one resident, one listing


def is_online(person: Person) -> bool:
    """Whether the person can read the board themself (a login); otherwise staff relay for them."""
    return person.user_id is not None and person.user.is_active


def is_suspended(person: Person, now=None) -> bool:
    return Suspension.objects.active(now).filter(person=person).exists()


def has_met_badge(person: Person) -> bool:
    return Badge.objects.filter(person=person, kind=BadgeKind.MET, revoked_at__isnull=True).exists()


def blocked_between(a: Person, b: Person) -> bool:
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def board_settings_for(team) -> BoardSettings:
    """The team's settings, read without writing: a team that never changed them gets the
    defaults (an unsaved row), so two first posts at once never race to create the row."""
    return BoardSettings.objects.filter(team=team).first() or BoardSettings(team=team)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def expiry_stamp(listing: Listing) -> int | None:
    """The listing's expiry, exactly (microseconds since 1970), as a renewal link carries it."""
    if listing.expires_at is None:
        return None
    return (listing.expires_at - EPOCH) // datetime.timedelta(microseconds=1)


ANY_EXPIRY = object()  # renewed from the listing's page, not from a link


def renew_refusal(listing: Listing, *, for_expiry=ANY_EXPIRY) -> str:
    """Why the listing cannot be renewed now, in words for its author; "" when it can.

    `for_expiry`: the expiry a renewal link was sent for (a link serves once).
    """
    if listing.ongoing:
        return _("C'est une offre permanente : elle n'expire pas, il n'y a rien à prolonger.")
    if listing.status == ListingStatus.PENDING:
        return _(
            "L'annonce attend d'être relue par l'équipe d'entraide : elle ne peut pas être prolongée "
            "avant d'être publiée."
        )
    if not listing.can_renew:
        return _("L'annonce est terminée ou a été retirée : elle ne peut pas être prolongée.")
    if is_suspended(listing.posted_by):
        return _("Votre participation au tableau d'entraide est suspendue : l'annonce ne peut pas être prolongée.")
    if for_expiry is not ANY_EXPIRY and for_expiry != expiry_stamp(listing):
        return _(
            "Ce lien a déjà servi : l'annonce a été prolongée (ou a changé) depuis qu'il vous a été envoyé. "
            "Vous la retrouvez dans « Mes annonces »."
        )
    return ""


def relay_channel(person: Person) -> str:
    """The channel a relayed message would take ("phone" means nothing but a call reaches them)."""
    return channels.choose(person)[0]
