"""Monthly roll-up of the accompaniment records (CRA), so that a year of a million records
is counted from a few thousand rows.

`AccompanimentMonth` holds, for every whole month, the counts of each figure and table of
`selectors.mediation.accompaniment_counts` per (team, advisor, place, commune): every filter
a page offers is a column, so any filtered sum is exact. `accompaniment_counts(q)` below
gives the same dictionary as the live one: whole months inside the period are read from
the roll-up, the partial months at its ends are counted live (by the live function
itself), and the distinct beneficiaries are always counted live (people are not additive
across months).

The roll-up is never trusted blindly: for each month, `AccompanimentMonthSource` keeps a
fingerprint of the records it was built from (number of rows, latest `updated_at`, named
records, anonymous workshop participants). Before reading, the fingerprints of the
period's months are recomputed in one query on an index (`accompaniment_month_check`)
and any month that differs (a record added, edited, deleted, moved to another month, or
anonymised by the retention purge, which does not touch `updated_at`) is rebuilt first,
in the reader's transaction. `relais stats_rebuild` rebuilds every month.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth

from relais.core import retention
from relais.mediation import choices as c
from relais.mediation.models import Accompaniment
from relais.stats.filters import Period, Query
from relais.stats.models import AccompanimentMonth, AccompanimentMonthSource

KEY = ("team_id", "advisor_id", "place_id", "commune")
# Dimensions whose values are counted on every record, or on individual records only.
ALL_RECORDS = ("kind", "place_type", "duration", "weekday")
INDIVIDUAL = ("gender", "age_band", "social_status", "first_time_answers", "autonomy", "oriented_to")
LISTS = {"themes": "themes", "subthemes": "admin_subthemes", "equipment": "equipment"}
TOTALS = (
    "activities",
    "individual",
    "collective",
    "anonymous_in_workshops",
    "anonymous_individual",
    "minutes",
    "first_time",
    "walk_in",
    "oriented",
)
FIELD = {"first_time_answers": "first_time"}
EMPTY = (0, None, 0, 0)  # the fingerprint of a month without records
LOCK = 0x5747  # advisory lock class of the roll-up builds (PostgreSQL)


# --- Whole months -------------------------------------------------------------------------


def whole_months(period: Period) -> tuple[datetime.date, datetime.date] | None:
    """[first, after): the whole months inside the period (core.retention's rule), or None."""
    first, after = retention.whole_months(period.start, period.end)
    return (first, after) if first < after else None


def _fingerprints(first: datetime.date, after: datetime.date) -> dict[datetime.date, tuple]:
    """{month: (rows, latest updated_at, named records, anonymous participants)}, read per day
    from the index `accompaniment_month_check` alone and added up here (no date function
    on a million rows)."""
    days = (
        Accompaniment.objects.filter(date__gte=first, date__lt=after)
        .order_by()
        .values_list("date")
        .annotate(rows=Count("*"), last=Max("updated_at"), named=Count("person"), anon=Sum("anonymous_count"))
    )
    months: dict[datetime.date, tuple] = {}
    for day, rows, last, named, anon in days:
        month = day.replace(day=1)
        r, latest, nm, an = months.get(month, EMPTY)
        months[month] = (r + rows, max(latest, last) if latest else last, nm + named, an + (anon or 0))
    return months


def refresh(first: datetime.date, after: datetime.date) -> list[datetime.date]:
    """Rebuild the months of [first, after) whose records changed; returns them."""
    current = _fingerprints(first, after)
    kept = {
        s.month: (s.rows, s.last_update, s.named, s.anonymous)
        for s in AccompanimentMonthSource.objects.filter(month__gte=first, month__lt=after)
    }
    months, month = [], first
    while month < after:
        if kept.get(month, EMPTY) != current.get(month, EMPTY):  # a month without records needs nothing
            months.append(month)
        month = retention.next_month(month)
    for month in months:
        build(month, current.get(month, EMPTY))
    return months


@transaction.atomic
def build(month: datetime.date, fingerprint: tuple | None = None) -> int:
    """Count one month again from its records; returns the roll-up rows written."""
    after = retention.next_month(month)
    if connection.vendor == "postgresql":
        # Two readers finding the same month stale rebuild it one after the other.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK, month.year * 12 + month.month])
    if fingerprint is None:
        fingerprint = _fingerprints(month, after).get(month, EMPTY)
    AccompanimentMonth.objects.filter(month=month).delete()
    fine: dict[tuple, int] = defaultdict(int)
    coarse: dict[tuple, int] = defaultdict(int)
    for (team, advisor, place, commune), dimension, value, n in _counts(Query(period=_days(month, after))):
        fine[(team, advisor, place, commune, dimension, value)] += n
        coarse[(team, advisor, None, "", dimension, value)] += n
    AccompanimentMonth.objects.bulk_create(
        [
            AccompanimentMonth(
                month=month,
                detail=detail,
                team_id=team,
                advisor_id=advisor,
                place_id=place,
                commune=commune,
                dimension=dimension,
                value=value,
                n=n,
            )
            for detail, cells in ((True, fine), (False, coarse))
            for (team, advisor, place, commune, dimension, value), n in cells.items()
        ],
        batch_size=5000,
    )
    rows, last, named, anonymous = fingerprint
    AccompanimentMonthSource.objects.update_or_create(
        month=month, defaults={"rows": rows, "last_update": last, "named": named, "anonymous": anonymous}
    )
    return len(fine) + len(coarse)


def rebuild_all() -> int:
    """Every month, from scratch (the `stats_rebuild` command); returns the months built."""
    from django.db.models import Min

    with transaction.atomic():
        AccompanimentMonth.objects.all().delete()
        AccompanimentMonthSource.objects.all().delete()
        bounds = Accompaniment.objects.aggregate(first=Min("date"), last=Max("date"))
        if bounds["first"] is None:
            return 0
        first, after = bounds["first"].replace(day=1), retention.next_month(bounds["last"])
        return len(refresh(first, after))


def _days(first: datetime.date, after: datetime.date) -> Period:
    return Period(first, after - datetime.timedelta(days=1))


def _code(value) -> str:
    """A value as the roll-up stores it (True/False/None of `first_time`: "1", "0", "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(dimension: str, value: str):
    if dimension == "first_time_answers":
        return {"1": True, "0": False, "": None}[value]
    if dimension == "weekday":
        return int(value)
    return value


def _counts(q: Query):
    """(key, dimension, value, n) for the records of `q`, grouped by KEY,
    values coded as stored; the rules are those of selectors.mediation.accompaniment_counts
    (the tests compare both)."""
    from relais.stats.selectors.mediation import _duration_band, accompaniments

    qs = accompaniments(q).order_by()
    individual = qs.filter(kind=c.AccompanimentKind.INDIVIDUAL)
    collective = qs.filter(kind=c.AccompanimentKind.COLLECTIVE)
    ind, col = Q(kind=c.AccompanimentKind.INDIVIDUAL), Q(kind=c.AccompanimentKind.COLLECTIVE)
    totals = qs.values(*KEY).annotate(
        activities=Count("pk"),
        individual=Count("pk", filter=ind),
        collective=Count("pk", filter=col),
        anonymous_in_workshops=Sum("anonymous_count", filter=col),
        anonymous_individual=Count("pk", filter=ind & Q(person__isnull=True)),
        minutes=Sum("duration"),
        first_time=Count("pk", filter=Q(first_time=True)),
        walk_in=Count(
            "pk",
            filter=ind & Q(place_type=c.PlaceType.PLACE, appointment__isnull=True, workshop_session__isnull=True),
        ),
        oriented=Count("pk", filter=~Q(oriented_to="")),
    )
    for row in totals:
        key = tuple(row[k] for k in KEY)
        for name in TOTALS:
            if row[name]:
                yield key, "total", name, row[name]
        if key[2] is not None:
            yield key, "place", str(key[2]), row["activities"]
    through = Accompaniment.participants.through.objects.filter(accompaniment__in=collective.values("pk"))
    prefixed = [f"accompaniment__{k}" for k in KEY]
    for row in through.order_by().values(*prefixed).annotate(n=Count("pk")):
        yield tuple(row[k] for k in prefixed), "total", "named_participants", row["n"]
    annotated = qs.annotate(duration_band=_duration_band(), wd=ExtractIsoWeekDay("date"))
    for dimension, field in (("kind", "kind"), ("place_type", "place_type"), ("duration", "duration_band")):
        for row in annotated.values(*KEY, field).annotate(n=Count("pk")):
            yield tuple(row[k] for k in KEY), dimension, _code(row[field]), row["n"]
    for row in annotated.values(*KEY, "wd").annotate(n=Count("pk")):
        yield tuple(row[k] for k in KEY), "weekday", _code(int(row["wd"])), row["n"]
    for dimension in INDIVIDUAL:
        field = FIELD.get(dimension, dimension)
        source = individual.exclude(**{field: ""}) if dimension in ("autonomy", "oriented_to") else individual
        for row in source.values(*KEY, field).annotate(n=Count("pk")):
            yield tuple(row[k] for k in KEY), dimension, _code(row[field]), row["n"]
    for dimension, field in LISTS.items():
        yield from _list_counts(qs, dimension, field)


def _list_counts(qs, dimension: str, field: str):
    """Like _sql.list_counts, grouped by KEY, unnesting the filtered rows themselves (no
    `id IN (…)`: the database reads only the period's rows)."""
    inner, params = qs.values(*KEY, field).query.sql_with_params()
    column = connection.ops.quote_name(field)
    keys = ", ".join(f"t.{connection.ops.quote_name(k)}" for k in KEY)
    if connection.vendor == "postgresql":
        source = f"({inner}) t CROSS JOIN LATERAL jsonb_array_elements_text(t.{column}) AS e(value)"
    else:
        source = f"({inner}) t, json_each(t.{column}) e"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {keys}, e.value, COUNT(*) FROM {source} GROUP BY {keys}, e.value", params)
        for *key, value, n in cursor.fetchall():
            yield tuple(key), dimension, value, n


# --- Reading ------------------------------------------------------------------------------


def _empty() -> dict:
    out: dict = dict.fromkeys((*TOTALS, "named_participants"), 0)
    out.update({name: {} for name in (*ALL_RECORDS, *INDIVIDUAL, *LISTS, "place", "month")})
    return out


def _put(out: dict, dimension: str, value: str, n: int, names: dict) -> None:
    if dimension == "total":
        out[value] += n
        return
    if dimension == "place":
        code = names.get(int(value), value)
    else:
        code = _decode(dimension, value)
    out[dimension][code] = out[dimension].get(code, 0) + n


def _rolled(out: dict, q: Query, first: datetime.date, after: datetime.date, names: dict) -> None:
    """Add the counts of the whole months [first, after), read from the roll-up."""
    from relais.directory.models import Place

    detail = bool(q.place_id or q.commune)
    rows = AccompanimentMonth.objects.filter(month__gte=first, month__lt=after, detail=detail)
    if q.team_ids is not None:
        rows = rows.filter(team_id__in=q.team_ids)
    if q.advisor_id:
        rows = rows.filter(advisor_id=q.advisor_id)
    if q.place_id:
        rows = rows.filter(place_id=q.place_id)
    if q.commune:
        in_commune = Place.objects.filter(commune=q.commune).values("pk")
        rows = rows.filter(Q(place_id__in=in_commune) | Q(place_id__isnull=True, commune=q.commune))
    for month, dimension, value, n in rows.order_by().values_list("month", "dimension", "value").annotate(n=Sum("n")):
        _put(out, dimension, value, n, names)
        if dimension == "total" and value == "activities" and n:
            out["month"][month.isoformat()[:7]] = n


def _live(out: dict, q: Query, names: dict) -> None:
    """Add the counts of some days, counted from the records."""
    from relais.stats.selectors.mediation import accompaniments

    for _key, dimension, value, n in _counts(q):
        _put(out, dimension, value, n, names)
    by_month = accompaniments(q).order_by().annotate(m=TruncMonth("date")).values_list("m").annotate(n=Count("pk"))
    for month, n in by_month:
        code = month.isoformat()[:7]
        out["month"][code] = out["month"].get(code, 0) + n


def named_people(q: Query) -> int:
    """Distinct named people of the period: alone or in a workshop (the live rule of
    selectors.mediation.accompaniment_counts, kept identical)."""
    from relais.stats.selectors.mediation import accompaniments

    qs = accompaniments(q)
    through = Accompaniment.participants.through
    named_in_workshops = through.objects.filter(
        accompaniment__in=qs.filter(kind=c.AccompanimentKind.COLLECTIVE).values("pk")
    )
    return (
        qs.filter(kind=c.AccompanimentKind.INDIVIDUAL, person__isnull=False)
        .order_by()
        .values("person_id")
        .union(named_in_workshops.order_by().values("person_id"))
        .count()
    )


def worth_rolling(q: Query) -> bool:
    """One advisor's or one place's records over a few months are few and indexed: counting
    them live is quicker than checking the town's months."""
    return not (q.advisor_id or q.place_id) or q.period.days > 92


def accompaniment_counts(q: Query) -> dict:
    """`selectors.mediation.accompaniment_counts(q)`: the same numbers, read from the roll-up
    for the whole months of the period and counted live for the days around them."""
    from relais.directory.models import Place

    names = dict(Place.objects.values_list("pk", "nom"))
    out = _empty()
    months = whole_months(q.period) if worth_rolling(q) else None
    parts = [q.period] if months is None else []
    if months is not None:
        first, after = months
        refresh(first, after)
        _rolled(out, q, first, after, names)
        if q.period.start < first:
            parts.append(Period(q.period.start, first - datetime.timedelta(days=1)))
        if after <= q.period.end:
            parts.append(Period(after, q.period.end))
    for part in parts:
        _live(out, dataclasses.replace(q, period=part), names)
    out["procedure_help"] = out["themes"].get(c.ADMIN_THEME, 0)
    named = out.pop("named_participants")
    out["accompaniments"] = out["individual"] + out["anonymous_in_workshops"] + named
    out["beneficiaries"] = named_people(q) + out["anonymous_individual"] + out["anonymous_in_workshops"]
    return out
