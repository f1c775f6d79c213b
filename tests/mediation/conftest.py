"""Helpers of the mediation tests: workshops and drop-ins created for the test, with dates
relative to now (the demo's own records are used where they make the test read better)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from relais.accounts.models import Team
from relais.core.models import ContactChannel, Person
from relais.directory.models import Place
from relais.mediation import choices as c
from relais.mediation.models import DropIn, Workshop, WorkshopSession
from tests.conftest import staff_client

_numbers = itertools.count(1)


@pytest.fixture
def team(db):
    return Team.objects.get(slug="mediation")


@pytest.fixture
def advisor_client(advisor):
    return staff_client(advisor)


@pytest.fixture
def manager_client(manager):
    return staff_client(manager)


def make_workshop(
    *,
    capacity: int = 3,
    days: float = 7,
    sessions: int = 1,
    opens: datetime.datetime | None = None,
    team_slug: str = "mediation",
    place_slug: str = "mediatheque",
    title: str = "Atelier test",
) -> Workshop:
    number = next(_numbers)
    workshop = Workshop.objects.create(
        team=Team.objects.get(slug=team_slug),
        slug=f"atelier-essai-{number}",
        title=f"{title} {number}",
        description="Un atelier pour les tests.",
        theme="email",
        place=Place.objects.get(slug=place_slug),
        capacity=capacity,
        registration_opens_at=opens or timezone.now() - datetime.timedelta(days=1),
    )
    start = (timezone.now() + datetime.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    for week in range(sessions):
        begin = start + datetime.timedelta(weeks=week)
        WorkshopSession.objects.create(workshop=workshop, starts_at=begin, ends_at=begin + datetime.timedelta(hours=2))
    return workshop


def make_dropin(
    *,
    booking: str = c.Booking.APPOINTMENT,
    rrule: str = "FREQ=DAILY",
    place_slug: str = "relais-citoyen-nord",
    team_slug: str = "mediation",
    start: datetime.time = datetime.time(9),
    end: datetime.time = datetime.time(12),
    advisor=None,
    **fields,
) -> DropIn:
    return DropIn.objects.create(
        team=Team.objects.get(slug=team_slug),
        place=Place.objects.get(slug=place_slug),
        booking=booking,
        rrule=rrule,
        start_date=timezone.localdate() - datetime.timedelta(days=1),
        start_time=start,
        end_time=end,
        advisor=advisor,
        **fields,
    )


def make_person(n: int | str, **fields) -> Person:
    data = {
        "first_name": f"Prénom{n}",
        "last_name": f"Nom{n}",
        "email": f"personne{n}@example.org",
        "preferred_channel": ContactChannel.EMAIL,
        **fields,
    }
    return Person.objects.create(**data)


def contact(n: int | str = 1, **overrides) -> dict:
    """The resident's form, filled in."""
    return {
        "last_name": f"Habitant{n}",
        "first_name": "Camille",
        "preferred_channel": "email",
        "email": f"camille{n}@example.org",
        "phone": "",
        "address": "",
        "postal_code": "",
        "commune": "",
        **overrides,
    }
