"""Reads about requests, already scoped to what the staff member may see."""

from __future__ import annotations

import datetime
import re
import uuid

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from relais.accounts.models import Role, User
from relais.accounts.permissions import HELPER_ROLES, team_ids
from relais.cases import search_index
from relais.cases.models import DONE_STATUSES, OPEN_STATUSES, Case, Form, Status, normalize_reference
from relais.core.paging import CappedPaginator
from relais.core.text import fold, label_choices
from relais.directory.models import Place
from relais.mandates.models import Mandate

WORKER_ROLES = (Role.CASE_WORKER, Role.MANAGER)


def worker_team_ids(user) -> list[int]:
    return team_ids(user, *WORKER_ROLES)


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases of the user's teams; cases they recorded; cases of people their team has a
    mandate for, while the mandate is active."""
    # Who recorded a case follows it, except a helper acting under mandate: their access
    # ends with the mandate.
    condition = Q(team_id__in=worker_team_ids(user)) | Q(recorded_by=user, acting_under__isnull=True)
    helper_teams = team_ids(user, *HELPER_ROLES)
    if helper_teams:
        mandates = Mandate.objects.active().filter(team_id__in=helper_teams)
        condition |= Q(acting_under__in=mandates)
    return Case.objects.filter(condition)


def resident_timeline(case: Case) -> list:
    """The case's timeline as the resident sees it on their follow-up page: no internal note,
    no assignment (the follow-up page and the partner API both read it here)."""
    return [event for event in case.events.select_related("message") if event.visible_to_resident]


def resident_documents(case: Case) -> QuerySet:
    """The documents the resident sees: files replaced by a correction are the staff's only."""
    return case.documents.filter(superseded_at__isnull=True)


def can_work(user, case: Case) -> bool:
    """Case workers of the case's team may change it; others may only follow it."""
    return case.team_id in worker_team_ids(user)


TABS = {
    "nouvelles": Q(status=Status.SUBMITTED),
    "miennes": Q(status__in=OPEN_STATUSES),  # and assigned to the user (added in `queue`)
    "attente": Q(status=Status.WAITING),
    "retard": Q(status__in=OPEN_STATUSES),  # and past due (added in `queue`)
    "traitees": Q(status__in=DONE_STATUSES),
    "toutes": Q(),
}


def _tab_condition(tab: str, user) -> Q:
    condition = TABS.get(tab, TABS["nouvelles"])
    if tab == "miennes":
        condition &= Q(assignee=user)
    if tab == "retard":
        condition &= Q(due_date__lt=timezone.localdate())
    return condition


# Tab counts are read at every click of every agent: they are kept in the shared cache,
# under a version per team that changes with every case of the team saved or deleted (see
# `tab_counts_changed`, connected in apps.py), so that a change shows at the next click.
# Relais's own writes that bypass `save()` and change a count (the assignment's `update()`)
# change the version themselves; TAB_COUNTS_SECONDS only bounds how long a write from
# outside Relais (SQL typed by hand) may go unseen. A recount is one indexed count per tab:
# 25 ms at 100,000 cases, ~0.25 s at 1,000,000 (bench/cases.py), paid by one agent's click
# every 5 minutes rather than every 30 seconds.
TAB_COUNTS_SECONDS = 5 * 60
TEAM_TABS = ("nouvelles", "attente", "retard", "traitees", "toutes")


def _tab_version_key(team_id: int) -> str:
    return f"cases:tabs:v:{team_id}"


def tab_counts_changed(team_ids) -> None:
    """Cases of these teams changed: their tab counts are counted again at the next click.
    At once (the next read of this request), and again after the commit: a colleague's
    click that counted between the two would otherwise keep the old figures."""
    teams = set(team_ids)

    def forget():
        cache.set_many({_tab_version_key(t): uuid.uuid4().hex for t in teams}, timeout=None)

    forget()
    transaction.on_commit(forget)


def tab_counts(user) -> dict[str, int]:
    """How many cases in each tab. Counted with one indexed count per tab (a single
    conditional aggregate would read every row of a team with 100 000 cases), then kept in
    the cache until a case of the team changes (one cache read per click)."""
    teams = sorted(worker_team_ids(user))
    today = timezone.localdate().isoformat()
    team_key = f"cases:tabs:{today}:{'-'.join(map(str, teams))}"
    user_key = f"cases:tabs:mine:{user.pk}:{'-'.join(map(str, teams))}"
    version_keys = [_tab_version_key(t) for t in teams]
    found = cache.get_many([*version_keys, team_key, user_key])
    missing = {k: uuid.uuid4().hex for k in version_keys if k not in found}
    if missing:  # never counted, or evicted: a fresh version (another process may race us)
        for key, token in missing.items():
            if not cache.add(key, token, timeout=None):
                token = cache.get(key, token)
            found[key] = token
    versions = tuple(found[k] for k in version_keys)
    qs = Case.objects.filter(team_id__in=teams)
    counts, fresh = {}, {}
    stored = found.get(team_key)
    if stored and stored[0] == versions:
        counts.update(stored[1])
    else:
        team_counts = {tab: qs.filter(_tab_condition(tab, user)).count() for tab in TEAM_TABS}
        fresh[team_key] = (versions, team_counts)
        counts.update(team_counts)
    stored = found.get(user_key)
    if stored and stored[0] == versions:
        counts["miennes"] = stored[1]
    else:
        counts["miennes"] = qs.filter(_tab_condition("miennes", user)).count()
        fresh[user_key] = (versions, counts["miennes"])
    if fresh:
        cache.set_many(fresh, timeout=TAB_COUNTS_SECONDS)
    return {tab: counts[tab] for tab in TABS}


def queue(user, *, tab: str = "nouvelles", filters: dict | None = None) -> QuerySet[Case]:
    """A worker's queue: their teams' cases in `tab`, filtered and sorted."""
    filters = filters or {}
    mine = Case.objects.filter(team_id__in=worker_team_ids(user))
    qs = mine.filter(_tab_condition(tab, user))
    if filters.get("q"):
        term = filters["q"].strip()
        reference = normalize_reference(term)
        if reference:  # "2026 123", "2026-OO123": the reference as stored
            qs = _by_reference(user, tab, Q(reference=reference) | _reference_starts(term))
        elif term[:4].isdigit() and "-" in term:
            qs = _by_reference(user, tab, _reference_starts(term))
        else:
            qs = _by_words(user, tab, fold(term).split(), in_tab=qs, mine=mine)
    if filters.get("correction"):
        qs = qs.filter(correction_received_at__isnull=False)
    if filters.get("form"):
        qs = qs.filter(form=filters["form"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    if filters.get("assignee") == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.get("assignee"):
        qs = qs.filter(assignee_id=filters["assignee"])
    if filters.get("place"):
        qs = qs.filter(recorded_at_place=filters["place"])
    # Dates become a range of instants so that the index on submitted_at serves.
    if filters.get("start"):
        qs = qs.filter(submitted_at__gte=_day_start(filters["start"]))
    if filters.get("end"):
        qs = qs.filter(submitted_at__lt=_day_start(filters["end"] + datetime.timedelta(days=1)))
    order = queue_order(tab, filters)
    if filters.get("q") or tab == "miennes" or (filters.get("assignee") not in (None, "", "none")):
        # A search, or the cases of one agent, match few rows out of many: read them all
        # (through their own index) and sort the matches, rather than walk the whole sort
        # index testing each row (SQLite would: ~200 ms at 100 000 cases instead of ~40).
        # Sorting on an expression keeps the sort index out of the plan.
        field = order.lstrip("-")
        expression = Coalesce(F(field), F(field))
        order = expression.desc() if order.startswith("-") else expression.asc()
    return qs.select_related("form", "person", "assignee").order_by(order, "-pk")


def _by_words(user, tab: str, words: list[str], *, in_tab: QuerySet[Case], mine: QuerySet[Case]) -> QuerySet[Case]:
    """The cases of the user's teams in `tab` (`in_tab`; `mine`: all tabs) whose search text
    holds every word. PostgreSQL finds them through its trigram index (cases/0017), directly:
    through an id subquery as below they cost ~1 ms more at 1,000,000 cases. Elsewhere the
    words are looked for in the narrow index of (team, search text) alone (the subquery reads
    nothing else, so the database reads that index, not the table), then only the rows found
    are read, by id: the subquery keeps them to the teams. On SQLite the trigram index
    (cases.search_index) gives the cases first: then the team is tested on each
    (`team_id + 0`, as `_by_reference`), not walked."""
    if connection.vendor == "postgresql":
        return in_tab.filter(*(Q(search_text__contains=word) for word in words))
    indexed = search_index.matching(words)
    if indexed is None:
        found = mine
    else:
        found = Case.objects.alias(team_plain=F("team_id") + 0).filter(indexed, team_plain__in=worker_team_ids(user))
    for word in words:
        found = found.filter(search_text__contains=word)
    return Case.objects.filter(pk__in=found.order_by().values("pk")).filter(_tab_condition(tab, user))


def _by_reference(user, tab: str, condition: Q) -> QuerySet[Case]:
    """The cases of the user's teams in `tab` whose reference meets `condition`, found
    through the index of references: the team is tested on each case found (`team_id + 0`
    is no index's column), else SQLite, knowing nothing of the data, would walk the team's
    cases and test each reference."""
    found = Case.objects.alias(team_plain=F("team_id") + 0).filter(condition, team_plain__in=worker_team_ids(user))
    return Case.objects.filter(pk__in=found.order_by().values("pk")).filter(_tab_condition(tab, user))


def _reference_starts(term: str) -> Q:
    """References that begin with `term`. SQLite's LIKE ignores case, so it cannot use the
    index of references (it would read every case): there the same start is also given as a
    range of that index, which compares byte by byte (references are digits and dashes).
    PostgreSQL has its own index for LIKE on this column (Django's "_like" index)."""
    condition = Q(reference__startswith=term)
    if connection.vendor == "sqlite" and re.fullmatch(r"[0-9-]+", term):
        condition &= Q(reference__gte=term, reference__lt=term[:-1] + chr(ord(term[-1]) + 1))
    return condition


def queue_order(tab: str, filters: dict) -> str:
    """The field a queue is sorted by (then by id, newest first): the one chosen, else the
    due date for late cases, else the newest first."""
    return filters.get("sort") or ("due_date" if tab == "retard" else "-submitted_at")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# What a row of the queue shows (and what the street groups of its reports need): the rest
# of a case, its form and its people is not read for 50 rows at each click.
QUEUE_ROW_FIELDS = (
    "reference", "status", "channel", "submitted_at", "due_date", "resident_replied_at",
    "correction_received_at", "team_id", "location_text", "latitude", "longitude", "duplicate_of_id",
    "form__title", "form__asks_location",
    "person__first_name", "person__last_name", "person__email", "person__phone", "person__erased_at",
    "assignee__full_name", "assignee__email",
)  # fmt: skip


def page_of(queryset: QuerySet[Case], number, per_page: int = 50, *, few: bool = False, count: int | None = None):
    """A page of a queue: ids are paginated on the index alone, then only those rows are read.
    `few`: the filter (a search) matches few rows that only a full read finds; the ids are
    read once, rather than once to count and again for the page. `count`: the number of
    rows when already known (a whole tab: its count), so that it is not counted again.
    Otherwise (other filters) the rows are counted up to the cap of relais.core.paging."""
    ids = queryset.values_list("pk", flat=True)
    if few:
        paginator = Paginator(list(ids), per_page)
    elif count is not None:
        paginator = Paginator(ids, per_page)
        paginator.count = count
    else:  # a filter over a whole team: counted up to the kernel's cap, not row by row
        paginator = CappedPaginator(ids, per_page)
    page = paginator.get_page(number)
    # By id alone: the ids come from `queryset` (scoped already); with its filters and its
    # order again, the database would search again or walk the sort index over the team.
    rows = Case.objects.select_related("form", "person", "assignee").only(*QUEUE_ROW_FIELDS)
    by_id = rows.in_bulk(list(page.object_list))
    # Labels translated once per page, not once per row.
    page.object_list = label_choices((by_id[pk] for pk in page.object_list if pk in by_id), "status", "channel")
    return page


def forms_of(user) -> QuerySet[Form]:
    return Form.objects.filter(team_id__in=worker_team_ids(user)).order_by("title")


def assignees(teams: list[int]) -> QuerySet[User]:
    """Who may be given cases of these teams (ids): active case workers and managers (a
    partner application working the teams' cases is none). Read by their names and the two
    flags `services.case_assign` checks again on the one chosen, not every column of their
    accounts. The one list of the case page's "Agent chargé", the queue's filter and bulk form."""
    return (
        User.objects.filter(
            is_active=True,
            is_application=False,
            memberships__team_id__in=teams,
            memberships__role__in=WORKER_ROLES,
        )
        .distinct()
        .only("pk", "full_name", "email", "is_active", "is_application")
    )


def colleagues(user) -> QuerySet[User]:
    """Who a worker may assign cases to: the assignees of their teams, by name."""
    return assignees(worker_team_ids(user)).order_by("full_name", "email")


def case_detail(queryset: QuerySet[Case], reference: str) -> Case:
    """A case with what its page shows. The mandate a helper acted under (and its team) and
    the place a request was taken at (its name) are read by a query each, only when there is
    one: joined to every case, the mandate's two tables tripled PostgreSQL's planning of the
    page's main query (0.6 → 2.1 ms)."""
    return (
        queryset.select_related("form", "team", "person", "assignee", "recorded_by")
        .prefetch_related(
            Prefetch("acting_under", queryset=Mandate.objects.select_related("team")),
            Prefetch("recorded_at_place", queryset=Place.objects.only("pk", "nom")),
        )
        .get(reference=reference)
    )


# What `case_counts` can count requests by: the expression over held requests, and the name
# of the value in the anonymous counts the retention purge keeps (None: the count's own field).
_COUNT_FIELDS = {
    "month": (TruncMonth("submitted_at"), None),
    "team": (F("team_id"), None),
    "form": (F("form_id"), "form"),
    "channel": (F("channel"), "channel"),
    "status": (F("status"), "status"),
    # Sent online by a helper or an agent rather than by the resident alone.
    "helped": (
        ExpressionWrapper(Q(recorded_by__isnull=False) | Q(acting_under__isnull=False), BooleanField()),
        "helped",
    ),
    "mandate": (ExpressionWrapper(Q(acting_under__isnull=False), BooleanField()), "mandate"),
}


def case_counts(
    *,
    team_ids=None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    channel: str = "",
    place_id: int | None = None,
    commune: str = "",
    by: tuple[str, ...] = ("month", "form", "channel", "status"),
) -> dict[tuple, int]:
    """Requests filed, by the values of `by` (month filed, team, form id, channel, status,
    helped, mandate), for statistics: the requests still held plus the anonymous counts the
    retention purge left for those it removed, so that a figure is the same before and after
    a purge.

    `start`, `end`: days filed, both included. The anonymous counts are kept by month: a
    month counts only when it lies wholly between the two days. They know no place: with a
    place or a commune, only the requests still held are counted."""
    from relais.cases.retention import CASE_COUNTS
    from relais.core import retention

    qs = Case.objects.all() if team_ids is None else Case.objects.filter(team_id__in=team_ids)
    if start:
        qs = qs.filter(submitted_at__gte=_day_start(start))
    if end:
        qs = qs.filter(submitted_at__lt=_day_start(end + datetime.timedelta(days=1)))
    if channel:
        qs = qs.filter(channel=channel)
    if place_id:
        qs = qs.filter(recorded_at_place_id=place_id)
    if commune:
        qs = qs.filter(recorded_at_place__commune=commune)
    expressions = {f"_{name}": _COUNT_FIELDS[name][0] for name in by}
    rows = qs.annotate(**expressions).values_list(*expressions).annotate(n=Count("pk")).order_by()
    counts: dict[tuple, int] = {}
    for *values, n in rows:
        key = tuple(_plain(value) for value in values)
        counts[key] = counts.get(key, 0) + n
    if place_id or commune:
        return counts
    retained = retention.retained(CASE_COUNTS, team_ids=team_ids)
    first, stop = retention.whole_months(start, end)
    if first:
        retained = retained.filter(month__gte=first)
    if stop:
        retained = retained.filter(month__lt=stop)
    for item in retained.values("month", "team_id", "dimensions", "count"):
        d = item["dimensions"]
        if channel and d.get("channel") != channel:
            continue
        key = tuple(_retained_value(name, item, d) for name in by)
        counts[key] = counts.get(key, 0) + item["count"]
    return counts


def _plain(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def _retained_value(name: str, item: dict, dimensions: dict):
    if name == "month":
        return item["month"]
    if name == "team":
        return item["team_id"]
    value = dimensions.get(_COUNT_FIELDS[name][1])
    if name in ("helped", "mandate"):
        # Counts kept before these were recorded say nothing: neither helped nor under mandate.
        return bool(value)
    return value
