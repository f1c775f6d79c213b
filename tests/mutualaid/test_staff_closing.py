"""Staff closing a listing for a resident without internet: outcome, thank-you note, errors."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from relais.mutualaid.models import (
    ThankYou,
)
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services


def test_staff_closing_keeps_what_was_typed_and_shows_the_error_beside_the_field(
    moderator_client, jeannes_listing, marie
):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    url = reverse("mutualaid:staff_listing_close", args=[jeannes_listing.pk])
    typed = "Merci Marie ! Rappelez-moi au 06 12 34 56 78"
    response = moderator_client.post(
        url, {"outcome": "worked", "thanks_to": str(conversation.pk), "thanks_text": typed}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert typed in html and 'id="id_thanks_text-error"' in html and "N&#x27;écrivez ni numéro" in html
    assert re.search(r'value="worked"[^>]*checked', html)  # the outcome chosen is kept too
    jeannes_listing.refresh_from_db()
    assert jeannes_listing.is_live


def test_staff_closing_with_a_thank_you_that_cannot_be_sent_explains_why(
    moderator_client, jeannes_listing, resident_by_letter, marie
):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    moderation_services.block_create(blocker=marie, blocked=resident_by_letter, actor=marie.user)
    url = reverse("mutualaid:staff_listing_close", args=[jeannes_listing.pk])
    response = moderator_client.post(
        url, {"outcome": "worked", "thanks_to": str(conversation.pk), "thanks_text": "Merci pour le café."}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vous ne pouvez plus écrire à cette personne." in html and "Merci pour le café." in html
    jeannes_listing.refresh_from_db()
    assert jeannes_listing.is_live and not ThankYou.objects.filter(conversation=conversation).exists()


def test_staff_do_not_close_the_listing_of_a_resident_who_has_an_account(moderator_client, maries_listing):
    response = moderator_client.post(
        reverse("mutualaid:staff_listing_close", args=[maries_listing.pk]), {"outcome": "worked"}
    )
    assert response.status_code == 404
    maries_listing.refresh_from_db()
    assert maries_listing.is_live


def test_a_refused_thank_you_on_closing_is_reported_on_the_thank_you_field(moderator, jeannes_listing, marie):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    with pytest.raises(ValidationError) as refused:
        listing_services.listing_close(
            listing=jeannes_listing,
            outcome="worked",
            thanks_to=conversation,
            thanks_text="Appelez-moi au 0612345678",
            actor=moderator,
        )
    assert list(refused.value.message_dict) == ["thanks_text"]


def test_closing_a_listing_that_was_closed_meanwhile_says_so(moderator_client, moderator, jeannes_listing):
    listing_services.listing_close(listing=jeannes_listing, outcome="worked", actor=moderator)
    response = moderator_client.post(
        reverse("mutualaid:staff_listing_close", args=[jeannes_listing.pk]), {"outcome": "did_not_work"}, follow=True
    )
    assert "Cette annonce ne peut plus être terminée : elle a changé d&#x27;état." in response.content.decode()
    jeannes_listing.refresh_from_db()
    assert jeannes_listing.outcome == "worked"
