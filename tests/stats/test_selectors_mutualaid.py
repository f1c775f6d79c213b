"""The mutual-aid page (entraide) against a hand-made board of March 2019 (the demo board is
recent): six listings, three reports, five decisions and two suspensions counted on paper."""

import datetime

import pytest
from django.utils import timezone

from relais.accounts.models import Role, Team, TeamKind
from relais.core import retention
from relais.core.models import Person
from relais.mutualaid.models import Conversation, Listing, ModerationDecision, Neighbourhood, Report, Suspension
from relais.stats.filters import Period, Query
from relais.stats.selectors import mutualaid
from tests.conftest import make_member

MARCH = Period(datetime.date(2019, 3, 1), datetime.date(2019, 3, 31))


def _at(month, day, hour=10):
    return timezone.make_aware(datetime.datetime(2019, month, day, hour))


@pytest.fixture
def board(db):
    """The board of "Entraide des Jardins", two neighbourhoods:

    posted in March:
    1. offer, shopping, Les Vergers, online, published; one answer
    2. offer, shopping, Les Vergers, at the counter, closed on 20 March: "it worked"; two answers
    3. request, garden, La Prairie, by phone, closed on 25 March: "it did not work"
    4. request, company, La Prairie, online, refused on 5 March
    5. offer, repairs, Les Vergers, online, hidden on 22 March after a report; one answer
    posted in February:
    6. request, shopping, Les Vergers, by post, closed on 3 March: "it worked"
    Reports: on 1 (8 March, scam), on 5 (21 March, commercial), on 6 (15 February).
    Decisions: approve 1 (2 March), refuse 4 (5 March), hide a message on 1 (9 March),
    dismiss the report on 1 (10 March), hide 5 (22 March).
    Suspensions: one from 23 March, one from 2 February.
    """
    team = Team.objects.create(name="Entraide des Jardins", slug="entraide-jardins", kind=TeamKind.MUTUAL_AID)
    moderator = make_member("moderation-jardins@valbrenne.fr", "entraide-jardins", Role.MODERATOR)
    vergers = Neighbourhood.objects.create(name="Les Vergers", slug="les-vergers", team=team, position=1)
    prairie = Neighbourhood.objects.create(name="La Prairie", slug="la-prairie", team=team, position=2)
    author = Person.objects.create(first_name="Rose", last_name="Jardin")
    neighbours = [Person.objects.create(first_name=f"Voisin{i}", last_name="Pré") for i in range(3)]

    def listing(kind, category, where, via, created, status="published", closed=None, outcome=""):
        item = Listing.objects.create(
            team=team, kind=kind, category=category, neighbourhood=where, title="Annonce", text="Texte",
            status=status, posted_by=author, posted_via=via, consent_at=created, closed_at=closed, outcome=outcome,
            published_at=created, recorded_by=None if via == "online" else moderator,
        )  # fmt: skip
        Listing.objects.filter(pk=item.pk).update(created_at=created, updated_at=closed or created)
        return item

    def answered(item, *responders):
        for person in responders:
            Conversation.objects.create(listing=item, responder=person)

    def report(item, day, reason):
        r = Report.objects.create(team=team, listing=item, reason=reason)
        Report.objects.filter(pk=r.pk).update(created_at=_at(*day))

    def decide(item, action, day):
        ModerationDecision.objects.create(
            team=team, person=author, action=action, listing=item, decided_by=moderator, decided_at=_at(*day)
        )

    first = listing("offer", "shopping", vergers, "online", _at(3, 1))
    answered(first, neighbours[0])
    second = listing("offer", "shopping", vergers, "counter", _at(3, 4), "closed", _at(3, 20), "worked")
    answered(second, neighbours[0], neighbours[1])
    listing("request", "garden", prairie, "phone", _at(3, 6), "closed", _at(3, 25), "did_not_work")
    fourth = listing("request", "company", prairie, "online", _at(3, 5), "rejected")
    fifth = listing("offer", "repairs", vergers, "online", _at(3, 12), "hidden")
    Listing.objects.filter(pk=fifth.pk).update(updated_at=_at(3, 22))
    answered(fifth, neighbours[2])
    sixth = listing("request", "shopping", vergers, "post", _at(2, 10), "closed", _at(3, 3), "worked")
    report(first, (3, 8), "scam")
    report(fifth, (3, 21), "commercial")
    report(sixth, (2, 15), "other")
    decide(first, "approve", (3, 2))
    decide(fourth, "reject", (3, 5))
    decide(first, "hide_message", (3, 9))
    decide(first, "dismiss", (3, 10))
    decide(fifth, "hide", (3, 22))
    for day in ((3, 23), (2, 2)):
        Suspension.objects.create(
            person=neighbours[2], team=team, reason="…", starts_at=_at(*day), ends_at=_at(day[0], day[1] + 3),
            created_by=moderator,
        )  # fmt: skip
    return {"team": team}


def _rows(table) -> dict:
    return {row.label: row.values for row in table.rows}


def _query(board, **filters) -> Query:
    return Query(period=MARCH, team_ids=(board["team"].pk,), **filters)


def _value(section, slug):
    figure = section.figure(slug)
    return figure.value, figure.previous


def test_listings_by_kind_category_neighbourhood_and_channel(board):
    section = mutualaid.section(_query(board))
    assert _value(section, "posted") == (5, 1)
    assert _rows(section.table("kind")) == {"Offre": [3, 0], "Demande": [2, 1]}
    category = _rows(section.table("category"))
    assert (category["Courses"], category["Jardinage"], category["Compagnie"], category["Petites réparations"]) == (
        [2, 1], [1, 0], [1, 0], [1, 0],
    )  # fmt: skip
    assert sum(values[0] for values in category.values()) == 5
    assert _rows(section.table("neighbourhood")) == {"Les Vergers": [3, 1], "La Prairie": [2, 0]}
    assert _rows(section.table("posted_via")) == {
        "En ligne": [3, 0],
        "Au guichet": [1, 0],
        "Par téléphone": [1, 0],
        "Par courrier": [0, 1],
    }
    assert _value(section, "by_staff") == (2, 1)


def test_listings_that_got_an_answer_and_what_their_authors_said(board):
    section = mutualaid.section(_query(board))
    assert _value(section, "answered") == (3, 0)  # two answers to the second count once
    assert section.figure("answered_rate").value == 60.0
    # Closed in March: the second (worked), the third (did not), the sixth (worked, posted in February).
    assert _rows(section.table("outcome")) == {"Ça a marché": [2, 0], "Ça n'a pas marché": [1, 0]}
    assert section.figure("worked_rate").value == 66.7


def test_moderation_load(board):
    section = mutualaid.section(_query(board))
    assert _value(section, "reports") == (2, 1)
    assert _rows(section.table("report_reason"))["Arnaque ou demande d'argent"] == [1, 0]
    assert _value(section, "refusals") == (3, 0)
    assert _rows(section.table("refusals")) == {
        "Annonce refusée": [1, 0],
        "Annonce masquée": [1, 0],
        "Message masqué": [1, 0],
    }
    assert _value(section, "suspensions") == (1, 1)


def test_channel_filter_counts_the_listings_posted_that_way(board):
    counter = mutualaid.section(_query(board, channel="counter"))
    assert _value(counter, "posted") == (1, 0)
    assert _rows(counter.table("outcome")) == {"Ça a marché": [1, 0], "Ça n'a pas marché": [0, 0]}
    assert _value(counter, "reports") == (0, 0)
    by_email = mutualaid.section(_query(board, channel="email"))
    assert _value(by_email, "posted") == (0, 0) and _value(by_email, "answered") == (0, 0)


def test_another_team_sees_none_of_this_board(board):
    other = Team.objects.get(slug="entraide")
    section = mutualaid.section(Query(period=MARCH, team_ids=(other.pk,)))
    assert _value(section, "posted") == (0, 0) and _value(section, "reports") == (0, 0)


def test_listing_figures_survive_the_purge(board):
    before = mutualaid.section(_query(board))
    assert retention.purge("mutualaid").count >= 5  # every listing over: 2 to 6
    assert Listing.objects.filter(team=board["team"]).count() == 1
    after = mutualaid.section(_query(board))
    for slug in ("kind", "category", "neighbourhood", "posted_via", "outcome"):
        assert _rows(after.table(slug)) == _rows(before.table(slug)), slug
    for slug in ("posted", "answered", "by_staff"):
        assert _value(after, slug) == _value(before, slug), slug
