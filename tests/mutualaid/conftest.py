"""Actors and helpers of the mutual-aid tests (on top of the demo town and tests/conftest.py)."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from relais.accounts.models import Role, Team, TeamKind, User
from relais.core.models import Channel, ContactChannel, Person
from relais.mutualaid.models import Category, Kind, Listing, Neighbourhood
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from tests.conftest import make_member, staff_client

MODERATION = reverse("mutualaid:moderation")


@pytest.fixture
def team(db):
    return Team.objects.get(slug="entraide")


@pytest.fixture
def tilleuls(db):
    return Neighbourhood.objects.get(slug="les-tilleuls")


@pytest.fixture
def moderator_client(moderator):
    return staff_client(moderator)


@pytest.fixture
def bourg_team(db):
    """A second moderation team, for the neighbourhood of Le Bourg."""
    return Team.objects.create(name="Entraide du Bourg", slug="entraide-bourg", kind=TeamKind.MUTUAL_AID)


@pytest.fixture
def bourg(bourg_team):
    return Neighbourhood.objects.create(name="Le Bourg", slug="le-bourg", team=bourg_team)


@pytest.fixture
def bourg_moderator(bourg_team):
    return make_member("moderation-bourg@valbrenne.fr", "entraide-bourg", Role.MODERATOR)


@pytest.fixture
def bourg_client(bourg_moderator):
    return staff_client(bourg_moderator)


def resident_client(person: Person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def make_resident(first_name: str, last_name: str, *, email: str = "", phone: str = "", account: bool = True) -> Person:
    """A resident; with an account they use the site, without one the moderators relay for them."""
    user = None
    if account:
        email = email or f"{first_name.lower()}.{last_name.lower()}.{uuid.uuid4().hex[:6]}@example.org"
        user = User.objects.create_user(email=email, password="x" * 12)
    return Person.objects.create(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        preferred_channel=ContactChannel.EMAIL if email else ContactChannel.PHONE,
        user=user,
    )


@pytest.fixture
def marie(resident_with_email):
    """Marie Dupont: an account, an e-mail, a phone and a postal address (none may leak)."""
    return resident_with_email


@pytest.fixture
def marie_client(marie):
    return resident_client(marie)


@pytest.fixture
def paul(db):
    """Another resident with an account, who answers listings."""
    return make_resident("Paul", "Verger", email="paul.verger@example.org", phone="0677889900")


@pytest.fixture
def paul_client(paul):
    return resident_client(paul)


def listing_data(neighbourhood, **overrides) -> dict:
    data = {
        "kind": Kind.OFFER,
        "category": Category.SHOPPING,
        "neighbourhood": neighbourhood,
        "title": "Courses le mercredi",
        "text": "Je vais au supermarché le mercredi, je peux prendre vos courses.",
        "availability": "Le mercredi matin",
        "ongoing": False,
    }
    return {**data, **overrides}


def post_listing(person, neighbourhood, *, actor, channel=Channel.ONLINE, **overrides) -> Listing:
    return listing_services.listing_create(
        person=person,
        data=listing_data(neighbourhood, **overrides),
        channel=channel,
        consent=True,
        actor=actor,
        submission_key=uuid.uuid4(),
    )


def publish(listing, moderator) -> Listing:
    moderation_services.listing_moderate(listing=listing, action="approve", reason="", actor=moderator)
    listing.refresh_from_db()
    return listing


@pytest.fixture
def maries_listing(marie, tilleuls, moderator):
    """A published offer by Marie."""
    return publish(post_listing(marie, tilleuls, actor=marie.user), moderator)


@pytest.fixture
def jeannes_listing(resident_by_letter, tilleuls, reception_agent, moderator):
    """A published request by Jeanne (no internet), posted at the counter."""
    listing = post_listing(
        resident_by_letter,
        tilleuls,
        actor=reception_agent,
        channel=Channel.COUNTER,
        kind=Kind.REQUEST,
        category=Category.COMPANY,
        title="Un café de temps en temps",
        text="J'aimerais qu'une voisine passe prendre un café le jeudi.",
    )
    return publish(listing, moderator)
