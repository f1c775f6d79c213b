"""Fréquentation of places: visits by weekday and hour, counted by hand.

The data set (team of its own, week of Monday 11 to Sunday 17 March 2019, nothing of the
demo town in it):
- place A: 3 appointments the person came to (Monday 9:00, 9:30 and 14:00), 1 no-show
  (Monday 10:00, not a visit); a workshop session Tuesday 14:00 with 4 present, 1 absent;
- place B (another commune): 2 requests recorded at the counter (Wednesday 8:15 and 8:45),
  1 request sent online (not a visit); 2 drop-in accompaniments noted Thursday 11:20 and
  17:05, plus one after an appointment and one at home (neither is a drop-in visit);
- a counter request with no place noted (Friday 12:00).
Previous week (4 to 10 March): 1 appointment seen, 1 counter request.
"""

from __future__ import annotations

import datetime

import pytest

from relais.accounts.models import Role
from relais.mediation import choices as c
from relais.stats import registry
from relais.stats.figures import SUPPRESSED, published
from relais.stats.filters import Period, Query
from relais.stats.selectors import attendance
from tests.stats.handmade import (
    at,
    make_accompaniment,
    make_appointment,
    make_counter_case,
    make_dropin,
    make_place,
    make_presences,
    make_staff,
    make_team,
    make_workshop,
)

WEEK = Period(datetime.date(2019, 3, 11), datetime.date(2019, 3, 17))


@pytest.fixture
def town(db):
    team = make_team()
    alice, bruno = make_staff(team, name="Alice"), make_staff(team, name="Bruno")
    place_a = make_place(team, "Espace A")
    place_b = make_place(team, "Espace B", commune="Saint-Aubin")
    dropin = make_dropin(team, place_a, advisor=alice)
    for hour, minute in [(9, 0), (9, 30), (14, 0)]:
        make_appointment(dropin, at(2019, 3, 11, hour, minute))
    make_appointment(dropin, at(2019, 3, 11, 10), outcome=c.Outcome.NOSHOW)
    make_appointment(dropin, at(2019, 3, 5, 9))  # previous week
    workshop = make_workshop(team, place_a, at(2019, 3, 12, 14), advisor=bruno)
    make_presences(workshop.sessions.get(), present=4, absent=1)
    make_counter_case(team, place_b, at(2019, 3, 13, 8, 15))
    make_counter_case(team, place_b, at(2019, 3, 13, 8, 45))
    make_counter_case(team, place_b, at(2019, 3, 13, 9), channel="online")
    make_counter_case(team, None, at(2019, 3, 15, 12))
    make_counter_case(team, place_b, at(2019, 3, 6, 10))  # previous week
    thursday = datetime.date(2019, 3, 14)
    make_accompaniment(team, bruno, thursday, place=place_b, created_at=at(2019, 3, 14, 11, 20))
    make_accompaniment(team, bruno, thursday, place=place_b, created_at=at(2019, 3, 14, 17, 5))
    seen = make_appointment(dropin, at(2019, 3, 14, 15), outcome=c.Outcome.UNKNOWN)
    make_accompaniment(team, alice, thursday, place=place_a, appointment=seen, created_at=at(2019, 3, 14, 15, 40))
    make_accompaniment(team, bruno, thursday, place_type=c.PlaceType.HOME, created_at=at(2019, 3, 14, 16))
    return {"team": team, "alice": alice, "bruno": bruno, "a": place_a, "b": place_b}


def query(town, **filters) -> Query:
    return Query(period=WEEK, team_ids=(town["team"].pk,), **filters)


def grid(table) -> dict[tuple[str, str], int]:
    """{(weekday, hour column): visits}, the empty cells left out."""
    return {
        (row.label, column): value
        for row in table.rows
        for column, value in zip(table.columns, row.values, strict=True)
        if value
    }


def test_visits_by_source_with_the_previous_week(town):
    section = attendance.section(query(town))
    assert section.figure("visits").value == 3 + 4 + 3 + 2
    assert section.figure("visits").previous == 2
    assert [(r.code, r.values) for r in section.table("source").rows] == [
        ("appointments", [3, 1]),
        ("workshops", [4, 0]),
        ("counter", [3, 1]),
        ("drop_in", [2, 0]),
    ]
    assert [f.slug for f in section.figures] == ["visits"]


def test_heat_map_of_all_places_has_weekdays_as_rows_and_the_hours_with_visits_as_columns(town):
    table = attendance.section(query(town)).table("heatmap")
    assert table.chart == "heatmap" and table.additive
    assert [row.label for row in table.rows] == [
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
    ]
    assert table.columns == [f"{hour} h" for hour in range(8, 18)]
    assert grid(table) == {
        ("lundi", "9 h"): 2,
        ("lundi", "14 h"): 1,
        ("mardi", "14 h"): 4,
        ("mercredi", "8 h"): 2,
        ("jeudi", "11 h"): 1,
        ("jeudi", "17 h"): 1,
        ("vendredi", "12 h"): 1,
    }
    assert "l'heure où l'accompagnement a été noté" in table.note
    assert "sans lieu noté ne comptent que dans cette carte" in table.note  # Friday's request


def test_the_registry_finds_the_page(town):
    assert registry.section("frequentation", query(town)).figure("visits").value == 12


def test_one_heat_map_per_place_with_visits(town):
    section = attendance.section(query(town))
    maps = [t for t in section.tables if t.chart == "heatmap"]
    assert [t.slug for t in maps] == ["heatmap", f"heatmap-place-{town['a'].pk}", f"heatmap-place-{town['b'].pk}"]
    assert town["a"].nom in maps[1].title
    assert grid(maps[1]) == {("lundi", "9 h"): 2, ("lundi", "14 h"): 1, ("mardi", "14 h"): 4}
    assert grid(maps[2]) == {("mercredi", "8 h"): 2, ("jeudi", "11 h"): 1, ("jeudi", "17 h"): 1}
    assert section.tables[-1].slug == "source"


def test_place_and_commune_filters(town):
    only_a = attendance.section(query(town, place_id=town["a"].pk))
    assert only_a.figure("visits").value == 3 + 4
    assert [t.slug for t in only_a.tables if t.chart == "heatmap"] == ["heatmap", f"heatmap-place-{town['a'].pk}"]
    in_saint_aubin = attendance.section(query(town, commune="Saint-Aubin"))
    assert in_saint_aubin.figure("visits").value == 2 + 2
    assert in_saint_aubin.figure("visits").previous == 1


def test_an_advisor_counts_only_their_own_visits_and_no_counter_request(town):
    alice = attendance.section(query(town, advisor_id=town["alice"].pk))
    assert [r.values for r in alice.table("source").rows] == [[3, 1], [0, 0], [0, 0], [0, 0]]
    bruno = attendance.section(query(town, advisor_id=town["bruno"].pk))
    assert [r.values for r in bruno.table("source").rows] == [[0, 0], [4, 0], [0, 0], [2, 0]]


def test_another_team_sees_none_of_these_visits(town):
    other = make_team("Autre équipe")
    section = attendance.section(Query(period=WEEK, team_ids=(other.pk,)))
    assert section.figure("visits").value == 0
    assert [t.slug for t in section.tables] == ["heatmap", "source"]
    assert section.table("heatmap").columns == []


def test_a_channel_other_than_the_counter_is_said_not_to_apply(town):
    assert attendance.section(query(town, channel="counter")).notes == []
    online = attendance.section(query(town, channel="online"))
    assert online.figure("visits").value == 12
    assert "ne s'applique pas" in online.notes[0]


def test_published_heat_map_hides_small_cells_along_rows_and_columns(town):
    table = published(attendance.section(query(town))).table(f"heatmap-place-{town['a'].pk}")
    hidden = {
        (r.label, col) for r in table.rows for col, v in zip(table.columns, r.values, strict=True) if v is SUPPRESSED
    }
    # Monday 9 h (2) and 14 h (1), Tuesday 14 h (4): every one below 5.
    assert hidden == {("lundi", "9 h"), ("lundi", "14 h"), ("mardi", "14 h")}


@pytest.mark.parametrize(
    ("starts_at", "weekday", "hour"),
    [
        # Saturday before the spring change (UTC+1) and Monday after it (UTC+2): both 9 h.
        (datetime.datetime(2019, 3, 30, 8, 30, tzinfo=datetime.UTC), "samedi", "9 h"),
        (datetime.datetime(2019, 4, 1, 7, 30, tzinfo=datetime.UTC), "lundi", "9 h"),
        # Sunday 31 March 23:30 UTC is already Monday 1 April, 1:30 in Paris.
        (datetime.datetime(2019, 3, 31, 23, 30, tzinfo=datetime.UTC), "lundi", "1 h"),
        # The autumn change: 27 October 2019 10:00 UTC is 11:00 in Paris (UTC+1).
        (datetime.datetime(2019, 10, 27, 10, 0, tzinfo=datetime.UTC), "dimanche", "11 h"),
        (datetime.datetime(2019, 10, 26, 10, 0, tzinfo=datetime.UTC), "samedi", "12 h"),
    ],
)
def test_weekday_and_hour_are_those_of_the_town_around_daylight_saving_changes(db, starts_at, weekday, hour):
    team = make_team()
    place = make_place(team)
    make_appointment(make_dropin(team, place), starts_at)
    make_counter_case(team, place, starts_at)
    day = starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=0))).date()
    period = Period(day - datetime.timedelta(days=2), day + datetime.timedelta(days=2))
    table = attendance.section(Query(period=period, team_ids=(team.pk,))).table("heatmap")
    assert grid(table) == {(weekday, hour): 2}


def test_drop_in_hour_is_the_local_hour_the_record_was_written(db):
    team = make_team()
    place = make_place(team)
    advisor = make_staff(team, Role.ADVISOR)
    # 7 April 2019 (summer time): written at 16:10 UTC, that is 18:10 in Paris.
    make_accompaniment(
        team, advisor, datetime.date(2019, 4, 7), place=place,
        created_at=datetime.datetime(2019, 4, 7, 16, 10, tzinfo=datetime.UTC),
    )  # fmt: skip
    table = attendance.section(Query(period=Period(datetime.date(2019, 4, 1), datetime.date(2019, 4, 30)),
                                     team_ids=(team.pk,))).table("heatmap")  # fmt: skip
    assert grid(table) == {("dimanche", "18 h"): 1}


def test_published_visits_by_source_hide_small_counts(town):
    table = published(attendance.section(query(town))).table("source")
    # This week 3, 4, 3 and 2 visits; the week before 1, 0, 1 and 0.
    s = SUPPRESSED
    assert [r.values for r in table.rows] == [[s, s], [s, 0], [s, s], [s, 0]]


def test_a_place_small_cell_cannot_be_found_from_the_all_places_map(db):
    team = make_team()
    a, b = make_place(team, "Espace A"), make_place(team, "Espace B")
    for _n in range(5):
        make_appointment(make_dropin(team, a), at(2019, 3, 11, 9))
    make_counter_case(team, b, at(2019, 3, 11, 9, 10))
    make_counter_case(team, b, at(2019, 3, 11, 9, 20))
    section = published(attendance.section(Query(period=WEEK, team_ids=(team.pk,))))
    everywhere = section.table("heatmap").rows[0].values[0]
    in_a = section.table(f"heatmap-place-{a.pk}").rows[0].values[0]
    in_b = section.table(f"heatmap-place-{b.pk}").rows[0].values[0]
    assert in_b is SUPPRESSED
    # 7 visits on Monday at 9 h, 5 of them in Espace A: Espace B's 2 must not be readable.
    assert SUPPRESSED in (everywhere, in_a)
