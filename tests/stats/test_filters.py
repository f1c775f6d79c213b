"""The period compared with, the filters form's plain French refusals, and whose figures
each role reads."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from relais.accounts.models import Membership, Role, Team, User
from relais.stats.filters import AUDIENCES, FiltersForm, Period, Scope, preset, scope_for
from tests.stats.handmade import make_place, make_staff, make_team

D = datetime.date


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        # This month so far (4 December): the same days of November.
        (Period(D(2026, 12, 1), D(2026, 12, 4)), Period(D(2026, 11, 1), D(2026, 11, 4))),
        # A full month: the whole month before, whatever its length.
        (Period(D(2026, 11, 1), D(2026, 11, 30)), Period(D(2026, 10, 1), D(2026, 10, 31))),
        (Period(D(2026, 3, 1), D(2026, 3, 31)), Period(D(2026, 2, 1), D(2026, 2, 28))),
        (Period(D(2024, 3, 1), D(2024, 3, 31)), Period(D(2024, 2, 1), D(2024, 2, 29))),
        # This month so far on 30 March: February has no 30th, it ends on the 28th.
        (Period(D(2026, 3, 1), D(2026, 3, 30)), Period(D(2026, 2, 1), D(2026, 2, 28))),
        # January: the month before is in the year before.
        (Period(D(2026, 1, 1), D(2026, 1, 31)), Period(D(2025, 12, 1), D(2025, 12, 31))),
        # This year so far: the same dates last year.
        (Period(D(2026, 1, 1), D(2026, 12, 4)), Period(D(2025, 1, 1), D(2025, 12, 4))),
        # A full year: the year before.
        (Period(D(2025, 1, 1), D(2025, 12, 31)), Period(D(2024, 1, 1), D(2024, 12, 31))),
        # Any 10 days: the 10 days just before.
        (Period(D(2026, 3, 10), D(2026, 3, 19)), Period(D(2026, 2, 28), D(2026, 3, 9))),
        (Period(D(2026, 6, 15), D(2026, 6, 15)), Period(D(2026, 6, 14), D(2026, 6, 14))),
    ],
)
def test_previous_period(period, previous):
    assert period.previous() == previous


def test_the_previous_of_any_days_is_as_long():
    period = Period(D(2026, 3, 10), D(2026, 3, 19))
    assert period.previous().days == period.days == 10


def test_presets_on_31_march():
    today = D(2026, 3, 31)
    assert preset("this_month", today) == Period(D(2026, 3, 1), D(2026, 3, 31))
    assert preset("last_month", today) == Period(D(2026, 2, 1), D(2026, 2, 28))
    assert preset("this_year", today) == Period(D(2026, 1, 1), today)
    assert preset("last_year", today) == Period(D(2025, 1, 1), D(2025, 12, 31))
    assert preset("this_month", today).previous() == Period(D(2026, 2, 1), D(2026, 2, 28))


def test_bounds_are_midnight_in_paris_even_on_the_day_the_clocks_change():
    start, end = Period(D(2026, 3, 29), D(2026, 3, 29)).bounds()
    assert start.isoformat() == "2026-03-29T00:00:00+01:00"
    assert end.isoformat() == "2026-03-30T00:00:00+02:00"
    # Python subtracts datetimes of one zone by the wall clock: compare instants in UTC.
    assert end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC) == datetime.timedelta(hours=23)


# ------------------------------------------------------------------ the form

TOWN = Scope(team_ids=None)
TODAY = D(2026, 12, 4)


def form(data, scope=TOWN, audience="mediation") -> FiltersForm:
    return FiltersForm(data, scope=scope, audience=audience, today=TODAY)


def messages(f: FiltersForm) -> list[str]:
    return [str(m) for errors in f.errors.values() for m in errors]


def test_a_preset_gives_its_period(db):
    f = form({"period": "last_month"})
    assert f.is_valid(), f.errors
    assert f.query().period == Period(D(2026, 11, 1), D(2026, 11, 30))


def test_no_period_chosen_means_this_year_so_far(db):
    f = form({})
    assert f.is_valid(), f.errors
    assert f.query().period == Period(D(2026, 1, 1), TODAY)


def test_custom_dates(db):
    f = form({"period": "custom", "start": "2026-03-10", "end": "2026-03-19"})
    assert f.is_valid(), f.errors
    assert f.query().period == Period(D(2026, 3, 10), D(2026, 3, 19))


def test_reversed_dates_are_refused_in_plain_french(db):
    f = form({"period": "custom", "start": "2026-03-19", "end": "2026-03-10"})
    assert not f.is_valid()
    assert f.errors["end"] == ["Le dernier jour est avant le premier : vérifiez les deux dates."]


def test_missing_dates_are_asked_for(db):
    f = form({"period": "custom", "start": "", "end": ""})
    assert not f.is_valid()
    assert f.errors["start"] == ["Indiquez le premier jour de la période."]
    assert f.errors["end"] == ["Indiquez le dernier jour de la période."]


def test_an_impossible_date_is_refused(db):
    f = form({"period": "custom", "start": "2026-02-30", "end": "2026-03-10"})
    assert not f.is_valid()
    assert "start" in f.errors


def test_a_period_of_50_years_is_refused(db):
    f = form({"period": "custom", "start": "1976-01-01", "end": "2026-01-01"})
    assert not f.is_valid()
    assert f.errors["start"] == ["Choisissez une période de 10 ans au plus."]


def test_an_unknown_period_name_is_refused(db):
    f = form({"period": "forever"})
    assert not f.is_valid()
    assert "period" in f.errors


@pytest.mark.parametrize(("start", "end"), [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-10")])
def test_dates_at_the_ends_of_the_calendar_are_refused(db, start, end):
    f = form({"period": "custom", "start": start, "end": end})
    assert not f.is_valid()


def test_ten_years_are_accepted(db):
    assert form({"period": "custom", "start": "2016-01-01", "end": "2025-12-31"}).is_valid()


@pytest.fixture
def two_teams(db):
    """A manager of two teams, each with a place; and a third team they do not manage."""
    mine, also_mine, theirs = make_team("Nord"), make_team("Sud"), make_team("Ailleurs")
    manager = make_staff(mine, Role.MANAGER)
    Membership.objects.create(user=manager, team=also_mine, role=Role.MANAGER)
    return {
        "manager": manager,
        "scope": scope_for(manager, "mediation"),
        "mine": mine,
        "also_mine": also_mine,
        "theirs": theirs,
        "my_place": make_place(mine),
        "their_place": make_place(theirs),
        "their_advisor": make_staff(theirs, Role.ADVISOR),
    }


def test_a_manager_filters_on_one_of_their_teams_and_places(two_teams):
    f = form({"team": str(two_teams["mine"].pk), "place": str(two_teams["my_place"].pk)}, two_teams["scope"])
    assert f.is_valid(), f.errors
    q = f.query()
    assert (q.team_ids, q.place_id) == ((two_teams["mine"].pk,), two_teams["my_place"].pk)


def test_without_a_team_chosen_a_manager_reads_all_their_teams(two_teams):
    f = form({}, two_teams["scope"])
    assert f.is_valid(), f.errors
    assert set(f.query().team_ids) == {two_teams["mine"].pk, two_teams["also_mine"].pk}


@pytest.mark.parametrize("field", ["team", "place", "advisor"])
def test_a_team_place_or_advisor_outside_the_scope_is_a_form_error(two_teams, field):
    value = {"team": two_teams["theirs"], "place": two_teams["their_place"], "advisor": two_teams["their_advisor"]}
    f = form({field: str(value[field].pk)}, two_teams["scope"])
    assert not f.is_valid()
    assert f.errors[field][0].startswith("Choisissez ")
    assert str(value[field].pk) not in f.errors[field][0]  # no raw framework message with the id


def test_an_unknown_place_is_a_form_error(db):
    f = form({"place": "999999"})
    assert not f.is_valid()
    assert "place" in f.errors


def test_a_manager_of_one_team_asking_for_another_team_gets_a_message(manager):
    other = Team.objects.get(slug="urbanisme")
    f = form({"team": str(other.pk)}, scope_for(manager, "mediation"))
    assert not f.is_valid()
    assert f.errors["team"] == ["Choisissez une de vos équipes dans la liste."]


def test_an_advisor_cannot_choose_another_advisor(advisor, manager):
    scope = scope_for(advisor, "mediation")
    f = form({"advisor": str(manager.pk)}, scope)
    assert f.is_valid(), f.errors
    assert f.query().advisor_id == advisor.pk


# ------------------------------------------------------------------ scopes


def mediation_team() -> Team:
    return Team.objects.get(slug="mediation")


def test_an_advisor_reads_their_own_records(advisor):
    assert scope_for(advisor, "mediation") == Scope(team_ids=(mediation_team().pk,), advisor_id=advisor.pk)
    assert scope_for(advisor, "frequentation") == Scope(team_ids=(mediation_team().pk,), advisor_id=advisor.pk)
    for audience in ("demandes", "entraide", "envois"):
        assert scope_for(advisor, audience) is None


def test_a_manager_reads_their_team(manager):
    for audience in AUDIENCES:
        scope = scope_for(manager, audience)
        assert (scope.team_ids, scope.advisor_id, scope.own_only) == ((mediation_team().pk,), None, ())


def test_administrators_and_officials_read_the_whole_town(administrator):
    official = User.objects.get(email="elu@valbrenne.fr")
    for reader in (administrator, official):
        for audience in AUDIENCES:
            scope = scope_for(reader, audience)
            assert scope == Scope(team_ids=None) and scope.town


def test_an_official_of_a_new_team_reads_the_whole_town(db):
    official = make_staff(make_team("Direction"), Role.OFFICIAL)
    assert scope_for(official, "demandes") == Scope(team_ids=None)


def test_case_workers_reception_and_visitors_read_no_statistics(case_worker, reception_agent, moderator):
    for reader in (case_worker, reception_agent, moderator, AnonymousUser()):
        for audience in AUDIENCES:
            assert scope_for(reader, audience) is None


def test_an_unknown_audience_has_no_scope(administrator):
    assert scope_for(administrator, "salaires") is None


def test_a_manager_of_an_inactive_team_reads_nothing(db):
    team = make_team("Dissoute")
    manager = make_staff(team, Role.MANAGER)
    Team.objects.filter(pk=team.pk).update(is_active=False)
    assert scope_for(manager, "mediation") is None


def test_an_advisor_who_manages_another_team_still_reads_their_own_records(db):
    advising, managed = make_team("Conseil"), make_team("Gérée")
    user = make_staff(advising, Role.ADVISOR)
    Membership.objects.create(user=user, team=managed, role=Role.MANAGER)
    scope = scope_for(user, "mediation")
    assert advising.pk in scope.team_ids


def test_a_manager_who_advises_in_another_team_reads_that_team_only_through_their_own_records(db):
    from relais.stats.filters import FiltersForm

    advising, managed = make_team("Conseil"), make_team("Gérée")
    user = make_staff(advising, Role.ADVISOR)
    Membership.objects.create(user=user, team=managed, role=Role.MANAGER)
    scope = scope_for(user, "mediation")
    default = FiltersForm({"period": "this_year"}, scope=scope, audience="mediation")
    assert default.is_valid()
    assert default.query().team_ids == (managed.pk,) and default.query().advisor_id is None
    narrowed = FiltersForm({"period": "this_year", "team": str(advising.pk)}, scope=scope, audience="mediation")
    assert narrowed.is_valid()
    assert narrowed.query().team_ids == (advising.pk,) and narrowed.query().advisor_id == user.pk
