"""Browsing the board: filters, search, what is never shown, the guide page, no ratings."""

import re
import uuid

import pytest
from django.urls import reverse

from relais.mutualaid.models import Category, Kind, Listing, ListingStatus, Neighbourhood
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from tests.mutualaid.conftest import make_resident, post_listing, publish, resident_client

BOARD = reverse("mutualaid:board")


def titles(response) -> list[str]:
    return [listing.title for listing in response.context["page_obj"]]


def test_the_board_shows_published_listings_of_every_neighbourhood(client, db):
    response = client.get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Courses le samedi matin" in html
    shown = {listing.neighbourhood.name for listing in Listing.objects.visible_on_board()}
    assert len(shown) == 6


def test_filters_by_kind_category_and_neighbourhood(client, db):
    response = client.get(BOARD, {"kind": Kind.REQUEST, "category": Category.COMPANY, "quartier": "centre-ville"})
    listings = list(response.context["page_obj"])
    assert listings and all(
        (x.kind, x.category, x.neighbourhood.slug) == (Kind.REQUEST, Category.COMPANY, "centre-ville") for x in listings
    )
    assert "Une visite de temps en temps" in titles(response)


def test_search_forgives_accents_and_case(client, db):
    assert "Lecture à voix haute" in titles(client.get(BOARD, {"q": "LECTURE voix"}))
    assert "Coup de main au jardin" in titles(client.get(BOARD, {"q": "jardin garenne"}))
    assert titles(client.get(BOARD, {"q": "perceuse"})) == ["Je prête perceuse, escabeau et tondeuse"]


def test_an_unknown_filter_value_is_ignored_not_an_error(client, db):
    response = client.get(BOARD, {"kind": "bogus", "quartier": "nowhere"})
    assert response.status_code == 200


def test_pending_hidden_expired_and_suspended_listings_are_not_shown(client, marie, tilleuls, moderator):
    pending = post_listing(marie, tilleuls, actor=marie.user, title="Annonce en attente de relecture")
    hidden = publish(post_listing(marie, tilleuls, actor=marie.user, title="Annonce masquée ensuite"), moderator)
    moderation_services.listing_moderate(listing=hidden, action="hide", reason="Hors sujet.", actor=moderator)
    author = make_resident("Sylvain", "Suspendu")
    suspended = publish(post_listing(author, tilleuls, actor=author.user, title="Annonce d'un suspendu"), moderator)
    moderation_services.person_suspend(person=author, team=tilleuls.team, reason="Arnaque.", actor=moderator)
    html = client.get(BOARD, {"q": "annonce"}).content.decode()
    for listing in (pending, hidden, suspended):
        assert listing.title not in html
        assert client.get(listing.get_absolute_url()).status_code == 404


def test_a_listing_past_its_expiry_leaves_the_board_even_before_the_nightly_command(client, maries_listing):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at="2000-01-01T00:00:00Z")
    assert maries_listing.title not in titles(client.get(BOARD, {"q": "mercredi"}))


def test_the_author_sees_her_pending_listing_with_its_state(marie_client, marie, tilleuls):
    listing = post_listing(marie, tilleuls, actor=marie.user)
    html = marie_client.get(listing.get_absolute_url()).content.decode()
    assert "En attente de relecture" in html and "C'est votre annonce" in html


def test_a_hidden_listing_leaves_the_cached_board_at_once(
    client, maries_listing, moderator, django_capture_on_commit_callbacks
):
    assert maries_listing.title in client.get(BOARD).content.decode()
    assert maries_listing.title in client.get(BOARD).content.decode()  # served from the page cache
    with django_capture_on_commit_callbacks(execute=True):  # the pages are forgotten once the change is committed
        moderation_services.listing_moderate(listing=maries_listing, action="hide", reason="Signalé.", actor=moderator)
    assert maries_listing.title not in client.get(BOARD).content.decode()
    assert client.get(maries_listing.get_absolute_url()).status_code == 404


def test_listing_page_shows_neighbourhood_never_an_address(client, maries_listing, marie):
    html = client.get(maries_listing.get_absolute_url()).content.decode()
    assert "Les Tilleuls" in html and "Marie D." in html
    for secret in (marie.address, marie.email, marie.phone, marie.last_name):
        assert secret not in html


def test_the_guide_explains_how_it_works_and_how_to_stay_safe(client, db):
    html = client.get(reverse("mutualaid:guide")).content.decode()
    assert "Comment ça marche" in html and "Avant une première rencontre" in html
    assert "Pas de notes, pas d'étoiles" in html and "02 47 00 00 00" in html


@pytest.mark.parametrize("name", ["board", "guide"])
def test_no_rating_anywhere(client, name, db):
    html = client.get(reverse(f"mutualaid:{name}")).content.decode().lower()
    assert "★" not in html and "/5" not in html and not re.search(r"\bnote moyenne\b|\bavis clients?\b", html)


RATING = "4/5 ★★★★"


def test_a_rating_sent_with_a_listing_is_neither_kept_nor_shown(marie_client, marie, tilleuls, moderator, client):
    rating = dict.fromkeys(("rating", "score", "stars", "note"), RATING)
    response = marie_client.post(
        reverse("mutualaid:listing_create"),
        {
            "submission_key": str(uuid.uuid4()),
            "kind": "offer",
            "category": "lending",
            "neighbourhood": str(tilleuls.pk),
            "title": "Je prête ma perceuse",
            "text": "Perceuse à percussion, à rendre dans la semaine.",
            "rules": "on",
            **rating,
        },
    )
    assert response.status_code == 302
    listing = Listing.objects.filter(posted_by=marie).latest("pk")
    assert RATING not in [str(getattr(listing, field.attname)) for field in Listing._meta.concrete_fields]
    publish(listing, moderator)
    for url in (listing.get_absolute_url(), BOARD):
        html = client.get(url).content.decode()
        assert "Je prête ma perceuse" in html and "★" not in html and "4/5" not in html


def test_a_resident_does_not_see_listings_of_someone_she_blocked(marie, paul, tilleuls, moderator):
    listing = publish(post_listing(paul, tilleuls, actor=paul.user, title="Annonce de Paul bloqué"), moderator)
    moderation_services.block_create(blocker=marie, blocked=paul, actor=marie.user)
    client = resident_client(marie)
    assert listing.title not in client.get(BOARD).content.decode()
    assert client.get(listing.get_absolute_url()).status_code == 404


def test_a_block_hides_each_from_the_other_on_the_board(marie, paul, tilleuls, moderator):
    """Who blocked and who was blocked: each misses the other's listings, no one else does."""
    from relais.mutualaid.selectors import hidden_authors

    maries = publish(post_listing(marie, tilleuls, actor=marie.user, title="Annonce de Marie qui bloque"), moderator)
    pauls = publish(post_listing(paul, tilleuls, actor=paul.user, title="Annonce de Paul bloqué"), moderator)
    assert hidden_authors(marie.user) == hidden_authors(paul.user) == ()
    moderation_services.block_create(blocker=marie, blocked=paul, actor=marie.user)
    assert hidden_authors(marie.user) == (paul.pk,) and hidden_authors(paul.user) == (marie.pk,)
    assert maries.title not in resident_client(paul).get(BOARD).content.decode()
    assert pauls.title not in resident_client(marie).get(BOARD).content.decode()
    assert hidden_authors(moderator) == ()


def test_inactive_neighbourhoods_are_not_offered(client, db):
    Neighbourhood.objects.filter(slug="le-port").update(is_active=False)
    html = client.get(BOARD).content.decode()
    assert 'value="le-port"' not in html and 'value="bellevue"' in html


def test_board_is_paginated(client, db):
    response = client.get(BOARD)
    assert response.context["page_obj"].paginator.per_page == 20
    assert Listing.objects.visible_on_board().count() > 20
    assert client.get(BOARD, {"page": 2}).status_code == 200


def test_board_issues_a_constant_number_of_queries(client, db, django_assert_max_num_queries):
    from relais.core.context_processors import _accessibility_state

    _accessibility_state()  # the footer's state, read once into the shared cache
    with django_assert_max_num_queries(12):
        client.get(BOARD)


def test_closed_listing_is_shown_to_the_neighbour_who_answered(moderator, maries_listing, paul):
    conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Bonjour !", actor=paul.user, safety_read=True
    )
    listing_services.listing_close(listing=maries_listing, outcome="worked", actor=moderator)
    assert resident_client(paul).get(maries_listing.get_absolute_url()).status_code == 200
    assert Listing.objects.get(pk=maries_listing.pk).status == ListingStatus.CLOSED


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_residents_listing_is_not_said_to_be_french_and_finds_its_own_direction(client, db, lang):
    listing = Listing.objects.visible_on_board().first()
    listing.title, listing.text = "أبحث عن مساعدة للتسوق", "مرحبا، أحتاج مساعدة يوم السبت."
    listing.save(update_fields=["title", "text"])
    for url in (BOARD, listing.get_absolute_url()):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        assert '<span dir="auto">أبحث عن مساعدة للتسوق</span>' in html
        assert re.search(r'dir="auto">(<p>)?مرحبا، أحتاج مساعدة يوم السبت\.', html)
        assert 'lang="fr" dir="ltr">أبحث' not in html and 'lang="fr">أبحث' not in html
