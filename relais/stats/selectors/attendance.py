"""Fréquentation of places: visits per place by weekday and hour, to plan opening hours and
staff. A visit is one person in a place at a time: an appointment the person came to, a
presence at a workshop session, a request recorded at the counter, or an individual
accompaniment noted without appointment nor workshop (a drop-in visit).

Weekdays and hours are extracted by the database in the town's time zone (Django converts
aware datetimes to the current time zone on SQLite and PostgreSQL alike), and the visits are
counted with GROUP BY: no row is read into Python.

The channel filter does not narrow visits: every one of them happens in person, which is
what "at the counter" means for the other pages.
"""

from __future__ import annotations

from django.db.models import Count, F
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils.translation import gettext as _

from relais.cases.models import Case
from relais.core.models import Channel
from relais.directory.models import Place
from relais.mediation import choices as c
from relais.mediation.models import Accompaniment, Appointment, Attendance
from relais.stats.build import compare, link
from relais.stats.figures import COUNT, Figure, Row, Section, Table
from relais.stats.filters import Query

WEEKDAYS = [(1, "lundi"), (2, "mardi"), (3, "mercredi"), (4, "jeudi"), (5, "vendredi"), (6, "samedi"), (7, "dimanche")]

APPOINTMENTS, WORKSHOPS, COUNTER, DROP_IN = "appointments", "workshops", "counter", "drop_in"
SOURCES = [
    (APPOINTMENTS, "Rendez-vous honorés"),
    (WORKSHOPS, "Présences en atelier"),
    (COUNTER, "Demandes déposées au guichet"),
    (DROP_IN, "Passages sans rendez-vous"),
]


def _appointments(q: Query):
    """Appointments the person came to, at their local start."""
    qs = q.narrow(
        Appointment.objects.filter(outcome=c.Outcome.SEEN), when="starts_at", advisor="advisor", place="place"
    )
    return qs.annotate(visit_place=F("place_id"), wd=ExtractIsoWeekDay("starts_at"), hour=ExtractHour("starts_at"))


def _workshops(q: Query):
    """Presences at workshop sessions, at the session's local start."""
    qs = q.narrow(
        Attendance.objects.filter(present=True),
        when="session__starts_at",
        team="session__workshop__team",
        advisor="session__workshop__advisor",
        place="session__workshop__place",
    )
    return qs.annotate(
        visit_place=F("session__workshop__place_id"),
        wd=ExtractIsoWeekDay("session__starts_at"),
        hour=ExtractHour("session__starts_at"),
    )


def _counter(q: Query):
    """Requests recorded at the counter, when they were recorded. They have no advisor: an
    advisor's figures hold none."""
    qs = q.narrow(Case.objects.filter(channel=Channel.COUNTER), when="submitted_at", place="recorded_at_place")
    return qs.annotate(
        visit_place=F("recorded_at_place_id"), wd=ExtractIsoWeekDay("submitted_at"), hour=ExtractHour("submitted_at")
    )


def _drop_ins(q: Query):
    """Individual accompaniments in a place, without appointment nor workshop. The record
    has a date but no time: the hour is the one it was written down (`created_at`)."""
    qs = Accompaniment.objects.filter(
        kind=c.AccompanimentKind.INDIVIDUAL,
        place_type=c.PlaceType.PLACE,
        appointment__isnull=True,
        workshop_session__isnull=True,
    )
    qs = q.narrow(qs, when="date", day=True, advisor="advisor", place="place")
    return qs.annotate(visit_place=F("place_id"), wd=ExtractIsoWeekDay("date"), hour=ExtractHour("created_at"))


SELECTORS = {APPOINTMENTS: _appointments, WORKSHOPS: _workshops, COUNTER: _counter, DROP_IN: _drop_ins}


def visit_counts(q: Query) -> dict:
    """{"source": {source: visits}, "grid": {(place id or None, iso weekday, hour): visits}}."""
    grid: dict[tuple, int] = {}
    by_source = {}
    for source, select in SELECTORS.items():
        rows = select(q).order_by().values_list("visit_place", "wd", "hour").annotate(n=Count("pk"))
        by_source[source] = 0
        for place, weekday, hour, n in rows:
            grid[place, weekday, hour] = grid.get((place, weekday, hour), 0) + n
            by_source[source] += n
    return {"source": by_source, "grid": grid}


def source_totals(q: Query) -> dict[str, int]:
    """Visits by source, without the weekday and hour (the previous period's column)."""
    return {source: select(q).count() for source, select in SELECTORS.items()}


def _heatmap(
    slug: str, title: str, cells: dict[tuple[int, int], int], hours: list[int], note: str, part_of: str = ""
) -> Table:
    rows = [
        Row(_(label), [cells.get((weekday, hour), 0) for hour in hours], code=str(weekday))
        for weekday, label in WEEKDAYS
    ]
    columns = [_("%(hour)s h") % {"hour": hour} for hour in hours]
    return Table(slug, title, rows, columns, COUNT, additive=True, chart="heatmap", note=note, part_of=part_of)


def section(q: Query) -> Section:
    """The fréquentation page: one heat map for all places, then one per place with visits,
    and the visits by source beside the previous period's. The sources are a table, not
    key figures: a table's small cells are hidden with a second one, so that the total
    minus the others does not give them back; separate figures would not be."""
    now = visit_counts(q)
    before = source_totals(q.previous())
    grid = now["grid"]
    total_now, total_before = sum(now["source"].values()), sum(before.values())
    figures = [
        Figure(
            "visits",
            _("Visites"),
            total_now,
            total_before,
            COUNT,
            help=_(
                "Rendez-vous honorés, présences en atelier, demandes déposées au guichet et passages sans rendez-vous."
            ),
        ),
    ]
    hours = sorted({hour for (_place, _wd, hour) in grid if hour is not None})
    hours = list(range(hours[0], hours[-1] + 1)) if hours else []
    note = _(
        "Les passages sans rendez-vous sont placés à l'heure où l'accompagnement a été noté, "
        "faute d'heure de visite ; les rendez-vous et les ateliers à leur heure de début."
    )
    everywhere: dict[tuple[int, int], int] = {}
    by_place: dict[int, dict[tuple[int, int], int]] = {}
    for (place, weekday, hour), n in grid.items():
        everywhere[weekday, hour] = everywhere.get((weekday, hour), 0) + n
        if place is not None:
            cells = by_place.setdefault(place, {})
            cells[weekday, hour] = cells.get((weekday, hour), 0) + n
    unplaced = sum(n for (place, _wd, _h), n in grid.items() if place is None)
    all_note = note
    if unplaced:
        all_note = f"{note} " + _("Les demandes déposées au guichet sans lieu noté ne comptent que dans cette carte.")
    tables = [_heatmap("heatmap", _("Visites par jour et par heure : tous les lieux"), everywhere, hours, all_note)]
    names = dict(Place.objects.filter(pk__in=by_place).values_list("pk", "nom"))
    for place in sorted(by_place, key=lambda pk: (names.get(pk, ""), pk)):
        tables.append(
            _heatmap(
                f"heatmap-place-{place}",
                _("Visites par jour et par heure : %(place)s") % {"place": names.get(place, "")},
                by_place[place],
                hours,
                note,
                part_of="heatmap",
            )
        )
    tables.append(
        compare("source", _("Visites par source"), now["source"], before, [(s, _(label)) for s, label in SOURCES])
    )
    notes = []
    if q.channel and q.channel != Channel.COUNTER:
        notes.append(_("Le canal choisi ne s'applique pas ici : toutes les visites se font sur place."))
    section = Section("frequentation", _("Fréquentation des lieux"), figures, tables, notes)
    # The sources' counts are figures of other sections too (walk-in visits, presences):
    # the total goes whenever a source is hidden, or it would give the hidden one back.
    return link(section, totals={"visits": "source"})
