"""Posting: online by a resident with an account, or by staff for a resident without internet."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from relais.core.models import AuditEvent, Channel
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    BoardError,
    BoardSettings,
    Kind,
    Listing,
    ListingStatus,
    ModerationDecision,
)
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from tests.conftest import staff_client
from tests.mutualaid.conftest import listing_data, make_resident, post_listing

CREATE = reverse("mutualaid:listing_create")
STAFF_CREATE = reverse("mutualaid:staff_listing_create")


def form_data(**overrides) -> dict:
    data = {
        "submission_key": str(uuid.uuid4()),
        "kind": "offer",
        "category": "lending",
        "neighbourhood": "",
        "title": "Je prête ma perceuse",
        "text": "Perceuse à percussion, à rendre dans la semaine.",
        "availability": "Le soir",
        "rules": "on",
    }
    return {**data, **overrides}


def test_posting_needs_an_account(client, db):
    response = client.get(CREATE)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_a_resident_posts_online_and_waits_for_moderation(marie_client, marie, tilleuls):
    response = marie_client.post(CREATE, form_data(neighbourhood=tilleuls.pk))
    listing = Listing.objects.get(title="Je prête ma perceuse")
    assert response.status_code == 302 and response["Location"] == listing.get_absolute_url()
    assert listing.status == ListingStatus.PENDING and listing.posted_by == marie
    assert listing.posted_via == Channel.ONLINE and listing.team == tilleuls.team and listing.consent_at
    assert not listing.is_live
    assert Message.objects.filter(person=marie, template="mutualaid_listing_received").exists()
    assert AuditEvent.objects.filter(action=Action.LISTING_CREATED, person_id=marie.pk).exists()


def test_errors_are_in_plain_french_beside_the_fields_and_values_are_kept(marie_client):
    response = marie_client.post(CREATE, form_data(kind="", title="", rules="", text="Mon texte gardé"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Il y a un problème" in html
    assert "Choisissez si vous proposez ou cherchez de l&#x27;aide." in html
    assert "Donnez un titre à votre annonce." in html and "Choisissez votre quartier." in html
    assert "Cochez cette case pour publier votre annonce." in html
    assert "Mon texte gardé" in html and 'aria-invalid="true"' in html
    assert not Listing.objects.filter(text="Mon texte gardé").exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("text", "Appelez-moi au 06 12 34 56 78"),
        ("title", "Écrivez à marie@example.org"),
        ("availability", "Chez moi, 4 rue des Tilleuls"),
    ],
)
def test_contact_details_are_refused_in_a_listing(marie_client, tilleuls, field, value):
    response = marie_client.post(CREATE, form_data(neighbourhood=tilleuls.pk, **{field: value}))
    assert response.status_code == 200
    assert "N&#x27;écrivez ni numéro de téléphone" in response.content.decode()
    assert not Listing.objects.filter(**{field: value}).exists()


def test_a_double_submission_makes_one_listing(marie_client, tilleuls):
    data = form_data(neighbourhood=tilleuls.pk)
    first = marie_client.post(CREATE, data)
    second = marie_client.post(CREATE, data)
    assert Listing.objects.filter(title="Je prête ma perceuse").count() == 1
    assert first["Location"] == second["Location"]


def test_only_an_offer_can_be_ongoing(marie_client, tilleuls):
    response = marie_client.post(CREATE, form_data(neighbourhood=tilleuls.pk, kind="request", ongoing="on"))
    assert "Seules les offres peuvent être permanentes." in response.content.decode()


def test_an_ongoing_offer_has_no_expiry_date(marie, tilleuls, moderator):
    listing = post_listing(marie, tilleuls, actor=marie.user, kind=Kind.OFFER, ongoing=True)
    moderation_services.listing_moderate(listing=listing, action="approve", reason="", actor=moderator)
    listing.refresh_from_db()
    assert listing.is_live and listing.expires_at is None and not listing.can_renew


def test_the_database_refuses_an_ongoing_request(marie, tilleuls):
    from django.db import IntegrityError, transaction

    listing = post_listing(marie, tilleuls, actor=marie.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(kind=Kind.REQUEST, ongoing=True)


def test_a_reception_agent_posts_for_a_resident_without_internet(
    reception_client, reception_agent, resident_by_letter, tilleuls
):
    url = f"{STAFF_CREATE}?personne={resident_by_letter.pk}"
    page = reception_client.get(url).content.decode()
    assert "Déposer une annonce pour MARTIN Jeanne" in page
    data = form_data(
        neighbourhood=tilleuls.pk, channel=Channel.PHONE, consent="on", kind="request", category="shopping"
    )
    del data["rules"]
    response = reception_client.post(url, data)
    listing = Listing.objects.get(posted_by=resident_by_letter, title="Je prête ma perceuse")
    assert response.status_code == 302 and response["Location"] == resident_by_letter.get_absolute_url()
    assert listing.posted_via == Channel.PHONE and listing.recorded_by == reception_agent and listing.consent_at
    assert listing.status == ListingStatus.PENDING
    letter = Message.objects.get(person=resident_by_letter, template="mutualaid_listing_received")
    assert letter.channel == "letter"


def test_staff_cannot_post_without_the_residents_consent(reception_client, resident_by_letter, tilleuls):
    url = f"{STAFF_CREATE}?personne={resident_by_letter.pk}"
    data = form_data(neighbourhood=tilleuls.pk, channel=Channel.COUNTER)
    del data["rules"]
    response = reception_client.post(url, data)
    assert "Sans l&#x27;accord de la personne, l&#x27;annonce ne peut pas être publiée." in response.content.decode()
    assert not Listing.objects.filter(posted_by=resident_by_letter, title="Je prête ma perceuse").exists()
    with pytest.raises(ValidationError):
        listing_services.listing_create(
            person=resident_by_letter, data=listing_data(tilleuls), channel=Channel.COUNTER, consent=False, actor=None
        )


def test_staff_posting_starts_from_a_person(reception_client):
    html = reception_client.get(STAFF_CREATE).content.decode()
    assert reverse("people:person_search") in html


def test_a_moderator_posting_for_a_resident_publishes_at_once(
    moderator_client, moderator, resident_by_letter, tilleuls
):
    url = f"{STAFF_CREATE}?personne={resident_by_letter.pk}"
    data = form_data(neighbourhood=tilleuls.pk, channel=Channel.COUNTER, consent="on")
    response = moderator_client.post(url, data)
    listing = Listing.objects.get(posted_by=resident_by_letter, title="Je prête ma perceuse")
    assert response["Location"] == reverse("mutualaid:staff_listing", args=[listing.pk])
    assert listing.is_live and listing.reviewed_by == moderator
    assert ModerationDecision.objects.filter(listing=listing, action="approve").exists()
    assert Message.objects.filter(person=resident_by_letter, template="mutualaid_listing_published").exists()


def test_a_case_worker_cannot_post_for_a_resident(case_worker, resident_by_letter):
    assert staff_client(case_worker).get(f"{STAFF_CREATE}?personne={resident_by_letter.pk}").status_code == 404


def test_publish_then_moderate_applies_only_to_residents_met_by_staff(marie, paul, tilleuls, team, moderator):
    BoardSettings.objects.update_or_create(team=team, defaults={"publish_first_for_met": True})
    moderation_services.badge_give(person=marie, team=team, actor=moderator)
    met = post_listing(marie, tilleuls, actor=marie.user)
    unknown = post_listing(paul, tilleuls, actor=paul.user)
    assert met.is_live and met.awaiting_review
    assert unknown.status == ListingStatus.PENDING
    moderation_services.listing_moderate(listing=met, action="review", reason="", actor=moderator)
    met.refresh_from_db()
    assert not met.awaiting_review and met.is_live


def test_by_default_even_met_residents_are_moderated_first(marie, tilleuls, team, moderator):
    moderation_services.badge_give(person=marie, team=team, actor=moderator)
    assert post_listing(marie, tilleuls, actor=marie.user).status == ListingStatus.PENDING


def test_a_suspended_resident_cannot_post(marie, tilleuls, team, moderator):
    moderation_services.person_suspend(person=marie, team=team, reason="Demandes d'argent.", actor=moderator)
    with pytest.raises(BoardError):
        post_listing(marie, tilleuls, actor=marie.user)


def test_editing_a_published_listing_sends_it_back_to_moderation(marie_client, maries_listing, tilleuls):
    url = reverse("mutualaid:listing_edit", args=[maries_listing.pk])
    data = form_data(neighbourhood=tilleuls.pk, title="Courses le jeudi", kind="offer", category="shopping")
    del data["rules"]
    response = marie_client.post(url, data)
    maries_listing.refresh_from_db()
    assert response.status_code == 302
    assert maries_listing.title == "Courses le jeudi" and maries_listing.status == ListingStatus.PENDING
    assert AuditEvent.objects.filter(action=Action.LISTING_UPDATED, object_id=str(maries_listing.pk)).exists()


def test_someone_else_cannot_edit_or_close_a_listing(paul_client, maries_listing):
    for name in ("listing_edit", "listing_close"):
        assert paul_client.get(reverse(f"mutualaid:{name}", args=[maries_listing.pk])).status_code == 404
    assert paul_client.post(reverse("mutualaid:listing_renew", args=[maries_listing.pk])).status_code == 404


def test_a_listing_belongs_to_the_team_of_its_neighbourhood(moderator_client, bourg, bourg_team, bourg_client):
    resident = make_resident("Léa", "Bourg")
    listing = post_listing(resident, bourg, actor=resident.user)
    assert listing.team == bourg_team
    url = reverse("mutualaid:staff_listing", args=[listing.pk])
    assert bourg_client.get(url).status_code == 200
    assert moderator_client.get(url).status_code == 404


def test_moving_a_listing_to_another_neighbourhood_sends_it_to_that_teams_moderators_first(
    marie, marie_client, tilleuls, team, moderator, moderator_client, bourg, bourg_team, bourg_client
):
    """Les Tilleuls publish at once for residents met by staff; Le Bourg reads everything first.
    Marie, met by staff, cannot use her team's trust to publish in Le Bourg unread."""
    BoardSettings.objects.update_or_create(team=team, defaults={"publish_first_for_met": True})
    moderation_services.badge_give(person=marie, team=team, actor=moderator)
    listing = post_listing(marie, tilleuls, actor=marie.user)
    assert listing.is_live
    data = form_data(neighbourhood=bourg.pk, kind="offer", category="shopping", title=listing.title)
    del data["rules"]
    response = marie_client.post(reverse("mutualaid:listing_edit", args=[listing.pk]), data)
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.team == bourg_team and listing.status == ListingStatus.PENDING
    assert listing.title not in marie_client.get(reverse("mutualaid:board")).content.decode()
    assert listing.title in bourg_client.get(reverse("mutualaid:moderation")).content.decode()
    assert moderator_client.get(reverse("mutualaid:staff_listing", args=[listing.pk])).status_code == 404


def test_an_edit_within_the_team_keeps_publish_then_moderate(marie, marie_client, tilleuls, team, moderator):
    BoardSettings.objects.update_or_create(team=team, defaults={"publish_first_for_met": True})
    moderation_services.badge_give(person=marie, team=team, actor=moderator)
    listing = post_listing(marie, tilleuls, actor=marie.user)
    listing_services.listing_update(listing=listing, data={"title": "Courses le jeudi"}, actor=marie.user)
    listing.refresh_from_db()
    assert listing.is_live and listing.awaiting_review and listing.team == team


def test_posting_reads_the_team_settings_without_writing_them(marie, bourg, bourg_team, bourg_client):
    """Two first listings of a new team at the same moment must not both try to create its settings."""
    post_listing(marie, bourg, actor=marie.user)
    assert not BoardSettings.objects.filter(team=bourg_team).exists()
    page = bourg_client.get(reverse("mutualaid:settings"))
    assert page.status_code == 200 and "Publication des annonces" in page.content.decode()
    assert not BoardSettings.objects.filter(team=bourg_team).exists()


def test_a_person_id_that_is_not_a_number_is_not_found(reception_client):
    assert reception_client.get(f"{STAFF_CREATE}?personne=abc").status_code == 404
    assert reception_client.get(f"{STAFF_CREATE}?personne=999999").status_code == 404
