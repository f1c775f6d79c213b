import datetime

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from relais.directory import hours

TOWN_HALL = "Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00; PH off"


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute)


def test_open_now_says_until_when():
    with translation.override("fr"):
        status = hours.status(TOWN_HALL, now=at(23, 10))  # a Monday
    assert status.is_open
    assert status.sentence == "Ouvert maintenant, jusqu'à 12 h"
    assert status.today == "Aujourd'hui : de 8 h 30 à 12 h et de 13 h 30 à 17 h 30"


def test_closed_at_lunch_says_when_it_reopens():
    with translation.override("fr"):
        status = hours.status(TOWN_HALL, now=at(23, 12, 30))
    assert not status.is_open
    assert status.sentence == "Fermé maintenant. Ouvre à 13 h 30"


def test_saturday_afternoon_points_to_monday():
    with translation.override("fr"):
        status = hours.status(TOWN_HALL, now=at(28, 15))
    assert status.sentence == "Fermé maintenant. Ouvre lundi 30 novembre à 8 h 30"


def test_french_public_holidays_are_closed():
    christmas = datetime.datetime(2026, 12, 25, 10)  # a Friday
    assert not hours.status(TOWN_HALL, now=christmas).is_open
    week = hours.week(TOWN_HALL, today=christmas.date())
    assert week[0].text == "fermé" and not week[0].is_open


def test_week_lists_seven_days_from_today():
    with translation.override("fr"):
        days = hours.week(TOWN_HALL, today=datetime.date(2026, 11, 23))
    assert [d.label for d in days][:2] == ["Lundi 23 novembre", "Mardi 24 novembre"]
    assert days[0].is_today and not days[1].is_today
    assert days[5].text == "de 9 h à 12 h"
    assert days[6].text == "fermé"


def test_english_times_use_the_clock_format():
    with translation.override("en"):
        assert hours.status(TOWN_HALL, now=at(23, 10)).sentence.endswith("12:00")


def test_missing_or_invalid_hours_tell_people_to_call():
    for expr in ["", "open when we feel like it"]:
        status = hours.status(expr)
        assert not status.known
        assert "appelez" in status.sentence
        assert hours.week(expr) == []


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(1, 60))
def test_any_single_range_reads_back_as_its_times(h, m, start_hour, length):
    start = datetime.time(h, m)
    expr_end = (datetime.datetime.combine(datetime.date(2026, 1, 5), start) + datetime.timedelta(minutes=length)).time()
    if expr_end <= start:
        return
    expr = f"Mo-Su {start:%H:%M}-{expr_end:%H:%M}"
    with translation.override("fr"):
        day = hours.week(expr, today=datetime.date(2026, 1, 5))[0]
        assert day.text == hours.describe_ranges(
            [(datetime.datetime.combine(day.date, start), datetime.datetime.combine(day.date, expr_end))]
        )
