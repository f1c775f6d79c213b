"""Who reaches the moderation screens (a refusal is a 404), what moderators may read, and the
journal entry of every staff read of residents' board data."""

import pytest
from django.urls import reverse

from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import moderation as moderation_services
from tests.conftest import staff_client
from tests.mutualaid.conftest import MODERATION, make_resident, post_listing


@pytest.fixture
def other_team_moderator(bourg_client):
    return bourg_client


def test_viewing_a_listing_or_a_conversation_is_journaled_against_each_resident(
    moderator_client, moderator, jeannes_listing, resident_by_letter, paul
):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
    )
    moderator_client.get(reverse("mutualaid:staff_listing", args=[jeannes_listing.pk]))
    assert moderator_client.get(reverse("mutualaid:staff_conversation", args=[conversation.pk])).status_code == 200
    assert AuditEvent.objects.filter(actor=moderator, action=Action.LISTING_VIEWED).exists()
    viewed = AuditEvent.objects.filter(actor=moderator, action=Action.CONVERSATION_VIEWED)
    assert set(viewed.values_list("person_id", flat=True)) == {resident_by_letter.pk, paul.pk}


def test_the_relay_list_is_journaled_against_each_resident_shown(
    moderator_client, moderator, jeannes_listing, resident_by_letter, marie, tilleuls
):
    karim = make_resident("Karim", "Sanscompte", phone="0247999999", account=False)
    his = post_listing(karim, tilleuls, actor=moderator, channel="phone", title="Monter une armoire")
    for listing in (jeannes_listing, his):
        conversation_services.conversation_start(
            listing=listing, responder=marie, body="Je peux venir.", actor=marie.user, safety_read=True
        )
    html = moderator_client.get(reverse("mutualaid:relay_list")).content.decode()
    assert "MARTIN Jeanne" in html and "0247999999" in html
    viewed = AuditEvent.objects.filter(actor=moderator, action=Action.RELAY_LIST_VIEWED)
    assert {resident_by_letter.pk, karim.pk} <= set(viewed.values_list("person_id", flat=True))
    assert not viewed.filter(person_id__isnull=True).exists()


def test_reading_a_report_is_journaled_against_the_reported_and_the_reporter(
    moderator_client, moderator, maries_listing, marie, paul
):
    report = moderation_services.report_create(
        listing=maries_listing, reason="other", details="", reporter=paul, actor=paul.user
    )
    moderator_client.get(reverse("mutualaid:staff_report", args=[report.pk]))
    viewed = AuditEvent.objects.filter(actor=moderator, action=Action.REPORT_VIEWED, object_id=str(report.pk))
    assert set(viewed.values_list("person_id", flat=True)) == {marie.pk, paul.pk}


def test_moderators_do_not_read_a_private_conversation_between_residents_online(
    moderator_client, moderator, maries_listing, marie, paul
):
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Entre nous", actor=paul.user, safety_read=True
    )
    url = reverse("mutualaid:staff_conversation", args=[conversation.pk])
    assert moderator_client.get(url).status_code == 404
    html = moderator_client.get(reverse("mutualaid:staff_listing", args=[maries_listing.pk])).content.decode()
    assert url not in html and "privée" in html
    html = moderator_client.get(reverse("mutualaid:staff_person", args=[paul.pk])).content.decode()
    assert url not in html
    # Once one of its messages is reported, the moderators read it to decide.
    moderation_services.report_create(
        listing=maries_listing,
        message=conversation.messages.get(),
        reason="offensive",
        details="",
        reporter=marie,
        actor=marie.user,
    )
    page = moderator_client.get(url)
    assert page.status_code == 200 and "Entre nous" in page.content.decode()


def test_moderator_of_another_team_gets_404(other_team_moderator, moderator_client, maries_listing, paul):
    # A conversation the team's own moderators may read (the message was reported).
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
    )
    moderation_services.report_create(
        listing=maries_listing,
        message=conversation.messages.get(),
        reason="other",
        details="",
        reporter=maries_listing.posted_by,
        actor=maries_listing.posted_by.user,
    )
    assert moderator_client.get(reverse("mutualaid:staff_conversation", args=[conversation.pk])).status_code == 200
    report = moderation_services.report_create(
        listing=maries_listing, reason="other", details="", reporter=paul, actor=paul.user
    )
    client = other_team_moderator
    for name, args in [
        ("staff_listing", [maries_listing.pk]),
        ("staff_listing_edit", [maries_listing.pk]),
        ("staff_conversation", [conversation.pk]),
        ("staff_report", [report.pk]),
        ("staff_respond", [maries_listing.pk, paul.pk]),
    ]:
        assert client.get(reverse(f"mutualaid:{name}", args=args)).status_code == 404, name
    for name in ("staff_listing_decide", "staff_listing_renew", "staff_listing_close"):
        response = client.post(
            reverse(f"mutualaid:{name}", args=[maries_listing.pk]), {"action": "hide", "reason": "x"}
        )
        assert response.status_code == 404, name
    maries_listing.refresh_from_db()
    assert maries_listing.is_live
    html = client.get(MODERATION).content.decode()
    assert maries_listing.title not in html and "Vends salon de jardin" not in html
    assert maries_listing.title not in client.get(reverse("mutualaid:staff_listings")).content.decode()


@pytest.mark.parametrize("who", ["reception_agent", "case_worker", "advisor", "manager"])
def test_staff_outside_moderation_get_404_on_moderation_screens(request, who, maries_listing):
    client = staff_client(request.getfixturevalue(who))
    for name, args in [("moderation", []), ("staff_listing", [maries_listing.pk]), ("relay_list", [])]:
        assert client.get(reverse(f"mutualaid:{name}", args=args)).status_code == 404


def test_a_resident_gets_no_staff_screen(marie_client, maries_listing):
    response = marie_client.get(reverse("mutualaid:staff_listing", args=[maries_listing.pk]))
    assert response.status_code == 404


def test_an_administrator_reaches_the_settings_but_not_the_queue(admin_client):
    assert admin_client.get(reverse("mutualaid:settings")).status_code == 200
    assert admin_client.get(MODERATION).status_code == 404


def test_a_sender_that_is_not_a_number_is_not_found(moderator_client, jeannes_listing, marie):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    url = reverse("mutualaid:staff_conversation", args=[conversation.pk])
    assert moderator_client.post(url, {"sender": "abc"}).status_code == 404
    assert moderator_client.post(url, {}).status_code == 404
