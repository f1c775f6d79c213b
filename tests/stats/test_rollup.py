"""The monthly roll-up of accompaniment records gives the numbers a recount gives: for whole
and partial months, every filter, and after an edit, a deletion and the retention purge
(which anonymises without touching `updated_at`); `stats_rebuild` counts everything again.

Records are dated in 2019, where the demo town has none, for a team of this test's own."""

import datetime
import io

import pytest
from django.core.management import call_command

from relais.accounts.models import Role, Team
from relais.core import retention
from relais.core.models import Person
from relais.directory.models import Place
from relais.mediation.models import Accompaniment
from relais.stats import rollup
from relais.stats.filters import Period, Query
from relais.stats.selectors import mediation
from tests.conftest import make_member

D = datetime.date
# Mid-January to the end of March: January counted live, February and March from the roll-up.
PERIOD = Period(D(2019, 1, 15), D(2019, 3, 31))


@pytest.fixture
def town(db):
    team = Team.objects.create(name="Médiation de test", slug="mediation-test", kind="mediation")
    anne = make_member("anne@test.fr", "mediation-test", Role.ADVISOR)
    bruno = make_member("bruno@test.fr", "mediation-test", Role.ADVISOR)
    place = Place.objects.order_by("pk").first()
    people = [Person.objects.create(first_name=f"Personne {i}", last_name="Test") for i in range(3)]

    def record(day, advisor, **fields):
        data = {"team": team, "advisor": advisor, "date": day, "duration": 30, "themes": ["email"], "place": place}
        data.update(fields)
        participants = data.pop("participants", [])
        made = Accompaniment.objects.create(**data)
        made.participants.set(participants)
        return made

    records = {
        # January 20: in the period, counted live.
        "jan": record(D(2019, 1, 20), anne, person=people[0], first_time=True, gender="feminin"),
        # January 10: before the period.
        "before": record(D(2019, 1, 10), anne, person=people[1]),
        "feb_1": record(
            D(2019, 2, 4),
            anne,
            person=people[0],
            themes=["email", "aide_aux_demarches_administratives"],
            admin_subthemes=["papiers_elections_citoyennete"],
            duration=90,
        ),
        "feb_2": record(
            D(2019, 2, 5),
            bruno,
            person=None,
            gender="masculin",
            oriented_to="administration",
            place=None,
            place_type="domicile",
            commune="Montfleury",
        ),
        "mar_workshop": record(
            D(2019, 3, 12),
            bruno,
            kind="collectif",
            anonymous_count=3,
            participants=[people[1], people[2]],
            themes=["email", "bureautique"],
        ),
        "mar": record(D(2019, 3, 28), anne, person=people[2], equipment=["ordinateur"], first_time=False),
    }
    return {"team": team, "anne": anne, "bruno": bruno, "place": place, "people": people, "records": records}


def _both(q):
    return rollup.accompaniment_counts(q), mediation.accompaniment_counts(q)


def test_rolled_up_counts_are_the_hand_counted_ones(town):
    q = Query(period=PERIOD, team_ids=(town["team"].pk,))
    rolled, live = _both(q)
    assert rolled == live
    # Five records in the period (January 10 is before it): four alone, one workshop.
    assert rolled["activities"] == 5
    assert rolled["individual"] == 4 and rolled["collective"] == 1
    # Four people alone plus three anonymous and two named in the workshop.
    assert rolled["accompaniments"] == 9
    # Named: people 0 (twice), 2 (alone and in the workshop), 1 (workshop): three; plus one
    # anonymous record and three anonymous participants.
    assert rolled["beneficiaries"] == 7
    assert rolled["themes"] == {"email": 5, "aide_aux_demarches_administratives": 1, "bureautique": 1}
    assert rolled["month"] == {"2019-01": 1, "2019-02": 2, "2019-03": 2}
    assert rolled["minutes"] == 30 * 4 + 90
    assert rolled["subthemes"] == {"papiers_elections_citoyennete": 1}
    assert rolled["oriented_to"] == {"administration": 1}
    assert rolled["first_time_answers"] == {True: 1, False: 1, None: 2}
    # February and March are in the roll-up now, January is not (it is partial).
    assert set(rollup.AccompanimentMonthSource.objects.values_list("month", flat=True)) >= {
        D(2019, 2, 1),
        D(2019, 3, 1),
    }
    assert not rollup.AccompanimentMonth.objects.filter(month=D(2019, 1, 1)).exists()


def test_every_filter_gives_the_recount(town, monkeypatch):
    # One advisor's or one place's figures are counted live on the pages; the roll-up is
    # read for them here all the same, to check its columns.
    monkeypatch.setattr(rollup, "worth_rolling", lambda q: True)
    team = (town["team"].pk,)
    for q in (
        Query(period=PERIOD),
        Query(period=PERIOD, team_ids=team, advisor_id=town["bruno"].pk),
        Query(period=PERIOD, team_ids=team, place_id=town["place"].pk),
        Query(period=PERIOD, team_ids=team, commune="Montfleury"),
        Query(period=PERIOD, team_ids=team, commune=town["place"].commune),
        Query(period=Period(D(2019, 2, 1), D(2019, 2, 28)), team_ids=team),
        Query(period=Period(D(2019, 2, 10), D(2019, 2, 20)), team_ids=team),
    ):
        rolled, live = _both(q)
        assert rolled == live, q
    bruno = rollup.accompaniment_counts(Query(period=PERIOD, team_ids=team, advisor_id=town["bruno"].pk))
    assert bruno["activities"] == 2
    montfleury = rollup.accompaniment_counts(Query(period=PERIOD, team_ids=team, commune="Montfleury"))
    assert montfleury["activities"] == 1


def test_an_edit_and_a_deletion_are_counted_at_the_next_reading(town):
    q = Query(period=PERIOD, team_ids=(town["team"].pk,))
    assert rollup.accompaniment_counts(q)["themes"]["email"] == 5
    edited = town["records"]["feb_1"]
    edited.themes = ["bureautique"]
    edited.save()
    town["records"]["mar"].delete()
    rolled, live = _both(q)
    assert rolled == live
    assert rolled["themes"] == {"email": 3, "bureautique": 2}
    assert rolled["activities"] == 4
    # A record moved to another month leaves the first one.
    moved = town["records"]["feb_2"]
    moved.date = D(2019, 3, 1)
    moved.save()
    rolled, live = _both(q)
    assert rolled == live
    assert rolled["month"] == {"2019-01": 1, "2019-02": 1, "2019-03": 2}


def test_the_retention_purge_is_counted_although_it_leaves_updated_at(town):
    q = Query(period=PERIOD, team_ids=(town["team"].pk,))
    before = rollup.accompaniment_counts(q)
    assert before["anonymous_individual"] == 1 and before["anonymous_in_workshops"] == 3
    retention.purge("mediation")  # 2019 is long past the retention period
    rolled, live = _both(q)
    assert rolled == live
    # Everyone is anonymous now: four records alone and five workshop participants.
    assert rolled["anonymous_individual"] == 4
    assert rolled["anonymous_in_workshops"] == 5
    assert rolled["accompaniments"] == before["accompaniments"] == 9
    assert rolled["beneficiaries"] == 9


def test_stats_rebuild_counts_everything_again(town):
    q = Query(period=PERIOD, team_ids=(town["team"].pk,))
    expected = mediation.accompaniment_counts(q)
    rollup.accompaniment_counts(q)
    # A roll-up damaged behind the check's back (its fingerprint still matches).
    rollup.AccompanimentMonth.objects.filter(month=D(2019, 2, 1), dimension="total", value="activities").update(n=99)
    assert rollup.accompaniment_counts(q)["activities"] != expected["activities"]
    out = io.StringIO()
    call_command("stats_rebuild", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert rollup.accompaniment_counts(q) == expected
