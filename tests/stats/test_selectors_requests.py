"""The requests page (demandes) against a hand-made month of requests of one team, in March
2019 (the demo town has nothing then): eight requests a person can count on paper."""

import datetime

import pytest
from django.utils import timezone

from relais.accounts.models import Role, Team
from relais.cases.models import Case, CaseEvent, EventKind, Form
from relais.core import retention
from relais.core.models import Person
from relais.directory.models import Place
from relais.mandates.models import Mandate
from relais.stats.filters import Period, Query
from relais.stats.selectors import requests
from tests.conftest import make_member

MARCH = Period(datetime.date(2019, 3, 1), datetime.date(2019, 3, 31))
FAR = datetime.date(2099, 1, 1)


def _at(month, day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime(2019, month, day, hour, minute))


@pytest.fixture
def month(db):
    """March 2019 in the team "Service des jardins":

    1. online, alone, accepted after 2 days, on time
    2. online, alone, refused after 20 days, late; asked once for more
    3. online, recorded by an agent, still in progress, due 20 March: late
    4. online under a mandate, accepted after 7 days, on time; asked twice for more
    5. at the counter (at a place), closed without action the same day, on time
    6. by phone, accepted after 40 days, late
    7. by post on 31 March at 23:30, accepted after 30 days, late
    8. at the counter, just received, due in 2099
    and, outside March: one online request on 1 April at 00:10, one e-mail on 27 February
    (accepted after 2 days, the previous period's only request).
    """
    team = Team.objects.create(name="Service des jardins", slug="jardins")
    agent = make_member("jardins@valbrenne.fr", "jardins", Role.CASE_WORKER)
    form = Form.objects.create(slug="vegetaliser", title="Permis de végétaliser", intro="…", team=team)
    other_form = Form.objects.create(slug="composteur", title="Demander un composteur", intro="…", team=team)
    place = Place.objects.first()
    person = Person.objects.create(first_name="Rose", last_name="Jardin")
    mandate = Mandate.objects.create(
        person=person, team=team, duration="1y", consent_method="paper", consent_text="J'accepte.",
        consent_text_version="1", created_by=agent,
    )  # fmt: skip
    numbers = iter(range(1, 100))

    def case(channel, submitted, status, due, closed=None, form=form, **extra):
        return Case.objects.create(
            reference=f"2019-9{next(numbers):04d}", form=form, team=team, person=person, channel=channel,
            submitted_at=submitted, status=status, due_date=due, closed_at=closed, **extra,
        )  # fmt: skip

    def asked(c, day):
        CaseEvent.objects.create(
            case=c, kind=EventKind.STATUS, old_status="in_progress", new_status="waiting_for_resident",
            created_at=_at(3, day),
        )  # fmt: skip

    case("online", _at(3, 4), "accepted", datetime.date(2019, 3, 19), _at(3, 6))
    second = case("online", _at(3, 5), "refused", datetime.date(2019, 3, 15), _at(3, 25), form=other_form)
    asked(second, 8)
    case("online", _at(3, 6), "in_progress", datetime.date(2019, 3, 20), recorded_by=agent)
    fourth = case("online", _at(3, 12), "accepted", datetime.date(2019, 3, 27), _at(3, 19), acting_under=mandate)
    asked(fourth, 13)
    asked(fourth, 15)
    case("counter", _at(3, 10), "closed_without_action", datetime.date(2019, 3, 25), _at(3, 10, 16),
         recorded_by=agent, recorded_at_place=place)  # fmt: skip
    case("phone", _at(3, 11), "accepted", datetime.date(2019, 3, 26), _at(4, 20), recorded_by=agent)
    case("post", _at(3, 31, 23, 30), "accepted", datetime.date(2019, 4, 15), _at(4, 30), recorded_by=agent)
    case("counter", _at(3, 20), "submitted", FAR, recorded_by=agent)
    case("online", _at(4, 1, 0, 10), "submitted", FAR)
    case("email", _at(2, 27), "accepted", datetime.date(2019, 3, 10), _at(3, 1))
    return {"team": team, "place": place}


def _rows(table) -> dict:
    return {row.label: row.values for row in table.rows}


def _query(month, **filters) -> Query:
    return Query(period=MARCH, team_ids=(month["team"].pk,), **filters)


def test_requests_received_by_channel_with_online_split_by_help(month):
    section = requests.section(_query(month))
    assert section.figure("received").value == 8 and section.figure("received").previous == 1
    assert _rows(section.table("channel")) == {
        "En ligne, seul(e)": [2, 0],
        "En ligne, avec l'aide d'un agent ou d'un aidant": [2, 0],
        "Au guichet": [2, 0],
        "Par téléphone": [1, 0],
        "Par courrier": [1, 0],
        "Par courriel": [0, 1],
        "Par une application partenaire": [0, 0],
    }
    assert section.figure("online_alone").value == 2
    assert section.figure("mandate").value == 1


def test_requests_by_procedure_team_and_outcome(month):
    section = requests.section(_query(month))
    assert _rows(section.table("form")) == {"Demander un composteur": [1, 0], "Permis de végétaliser": [7, 1]}
    assert _rows(section.table("team")) == {"Service des jardins": [8, 1]}
    assert _rows(section.table("outcome")) == {
        "Acceptée": [4, 1],
        "Refusée": [1, 0],
        "Classée sans suite": [1, 0],
        "Encore en cours": [2, 0],
    }


def test_handling_time_median_90th_percentile_and_bands(month):
    section = requests.section(_query(month))
    # Closed after 0, 2, 7, 20, 30 and 40 days.
    median, p90 = section.figure("median_days"), section.figure("p90_days")
    assert (median.value, median.base, median.previous, median.base_previous) == (13.5, 6, 2.0, 1)
    assert p90.value == 35.0
    assert _rows(section.table("handling")) == {
        "Moins d'une semaine": [2, 1],
        "De 1 à 2 semaines": [1, 0],
        "De 2 semaines à 1 mois": [2, 0],
        "De 1 à 3 mois": [1, 0],
        "Plus de 3 mois": [0, 0],
    }


def test_share_late_and_questions_asked_back(month):
    section = requests.section(_query(month))
    late = section.figure("late_rate")
    assert (late.value, late.base) == (50.0, 8)  # 2, 3, 6 and 7
    assert section.figure("asked_cases").value == 2
    assert section.figure("asked_events").value == 3
    assert section.figure("asked_rate").value == 25.0


def test_filters_by_place_and_channel(month):
    at_place = requests.section(_query(month, place_id=month["place"].pk))
    assert at_place.figure("received").value == 1
    assert _rows(at_place.table("channel"))["Au guichet"] == [1, 0]
    online = requests.section(_query(month, channel="online"))
    assert online.figure("received").value == 4
    assert _rows(online.table("outcome"))["Encore en cours"] == [1, 0]


def test_another_team_sees_none_of_these_requests(month):
    other = Team.objects.get(slug="etat-civil")
    section = requests.section(Query(period=MARCH, team_ids=(other.pk,)))
    assert section.figure("received").value == 0 and section.table("team").rows == []


def test_figures_by_channel_procedure_and_outcome_survive_the_purge(month):
    before = requests.section(_query(month))
    outcome = retention.purge("cases.closed")
    assert outcome.count >= 7  # the six closed in March and the one of February
    assert Case.objects.filter(team=month["team"]).count() == 3
    after = requests.section(_query(month))
    for slug in ("channel", "form", "team", "outcome"):
        assert _rows(after.table(slug)) == _rows(before.table(slug)), slug
    for slug in ("received", "online_alone", "mandate"):
        assert (after.figure(slug).value, after.figure(slug).previous) == (
            before.figure(slug).value,
            before.figure(slug).previous,
        ), slug
    # Handling times went with the requests: none of those left is closed.
    assert after.figure("median_days").value is None and after.figure("median_days").base == 0
    # The purge keeps counts by month: a period that cuts March shows only what is still held.
    cut = Query(period=Period(datetime.date(2019, 3, 5), datetime.date(2019, 3, 31)), team_ids=(month["team"].pk,))
    assert requests.section(cut).figure("received").value == 2
