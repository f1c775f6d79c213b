"""Moderation: the queue, decisions explained to the author and journaled, reports, suspension,
badges, settings; everything scoped to the moderation team (a refusal is a 404)."""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relais.accounts.models import Membership, Role
from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid import selectors
from relais.mutualaid.models import (
    Badge,
    BoardError,
    ConversationMessage,
    ListingStatus,
    ModerationDecision,
    Neighbourhood,
    Report,
    ReportStatus,
    ThankYou,
)
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from tests.conftest import make_member, staff_client
from tests.mutualaid.conftest import make_resident, post_listing, publish, resident_client

MODERATION = reverse("mutualaid:moderation")


@pytest.fixture
def other_team_moderator(bourg_client):
    return bourg_client


def test_the_queue_lists_pending_listings_reports_and_messages_to_relay(moderator_client, marie, tilleuls):
    pending = post_listing(marie, tilleuls, actor=marie.user, title="Annonce toute fraîche")
    html = moderator_client.get(MODERATION).content.decode()
    assert pending.title in html and "DUPONT Marie" in html
    assert "Vends salon de jardin" in html  # the demo's open report
    assert "MARTIN Jeanne" in html  # a demo message waits to be read to her
    assert AuditEvent.objects.filter(action=Action.QUEUE_VIEWED).exists()


def test_approving_publishes_and_tells_the_author(moderator_client, moderator, marie, tilleuls):
    listing = post_listing(marie, tilleuls, actor=marie.user)
    url = reverse("mutualaid:staff_listing_decide", args=[listing.pk])
    assert moderator_client.post(url, {"action": "approve", "reason": ""}).status_code == 302
    listing.refresh_from_db()
    assert listing.is_live and listing.reviewed_by == moderator and listing.expires_at
    assert Message.objects.filter(person=marie, template="mutualaid_listing_published").exists()
    assert AuditEvent.objects.filter(action=Action.LISTING_APPROVED, actor=moderator).exists()


def test_refusing_needs_an_explanation_which_the_author_receives(moderator_client, marie, tilleuls):
    listing = post_listing(marie, tilleuls, actor=marie.user)
    url = reverse("mutualaid:staff_listing_decide", args=[listing.pk])
    response = moderator_client.post(url, {"action": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Expliquez votre décision" in response.content.decode()
    moderator_client.post(url, {"action": "reject", "reason": "Les cours payants n'ont pas leur place ici."})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REJECTED
    message = Message.objects.get(person=marie, template="mutualaid_listing_rejected")
    assert "Les cours payants n'ont pas leur place ici." in message.body
    decision = ModerationDecision.objects.get(listing=listing)
    assert decision.action == "reject" and decision.person == marie
    assert AuditEvent.objects.filter(action=Action.LISTING_REJECTED, reason__startswith="Les cours").exists()


def test_a_decision_that_no_longer_applies_is_refused_politely(moderator_client, maries_listing):
    url = reverse("mutualaid:staff_listing_decide", args=[maries_listing.pk])
    response = moderator_client.post(url, {"action": "approve", "reason": ""})
    assert response.status_code == 302
    maries_listing.refresh_from_db()
    assert maries_listing.status == ListingStatus.PUBLISHED


def test_hiding_then_restoring(moderator, maries_listing, marie):
    moderation_services.listing_moderate(listing=maries_listing, action="hide", reason="À vérifier.", actor=moderator)
    maries_listing.refresh_from_db()
    assert maries_listing.status == ListingStatus.HIDDEN
    moderation_services.listing_moderate(
        listing=maries_listing, action="restore", reason="Tout va bien.", actor=moderator
    )
    maries_listing.refresh_from_db()
    assert maries_listing.is_live
    templates = set(Message.objects.filter(person=marie).values_list("template", flat=True))
    assert {"mutualaid_listing_hidden", "mutualaid_listing_restored"} <= templates


def test_a_moderator_edits_a_listing_with_a_notice_shown_and_sent(
    moderator_client, maries_listing, marie, tilleuls, client
):
    url = reverse("mutualaid:staff_listing_edit", args=[maries_listing.pk])
    data = {
        "kind": "offer",
        "category": "shopping",
        "neighbourhood": tilleuls.pk,
        "title": "Courses le mercredi matin",
        "text": maries_listing.text,
        "availability": "Le mercredi",
        "notice": "Nous avons précisé le titre.",
    }
    assert moderator_client.post(url, data).status_code == 302
    maries_listing.refresh_from_db()
    assert maries_listing.title == "Courses le mercredi matin" and maries_listing.is_live
    html = client.get(maries_listing.get_absolute_url()).content.decode()
    assert "Annonce modifiée par l'équipe d'entraide : Nous avons précisé le titre." in html
    assert "Nous avons précisé le titre." in Message.objects.get(person=marie, template="mutualaid_listing_edited").body
    assert AuditEvent.objects.filter(action=Action.LISTING_EDITED).exists()


def test_the_notice_is_required_and_cannot_hold_contact_details(moderator_client, maries_listing, tilleuls):
    url = reverse("mutualaid:staff_listing_edit", args=[maries_listing.pk])
    base = {"kind": "offer", "category": "shopping", "neighbourhood": tilleuls.pk, "title": "T", "text": "T"}
    assert "Écrivez l&#x27;avis" in moderator_client.post(url, {**base, "notice": ""}).content.decode()
    html = moderator_client.post(url, {**base, "notice": "Appelez le 06 12 34 56 78"}).content.decode()
    assert "N&#x27;écrivez ni numéro de téléphone" in html


def test_a_reported_listing_is_hidden_after_moderation(
    client, moderator_client, moderator, maries_listing, paul, marie
):
    paul_client = resident_client(paul)
    report_url = reverse("mutualaid:report_listing", args=[maries_listing.pk])
    response = paul_client.post(
        report_url, {"submission_key": str(uuid.uuid4()), "reason": "scam", "details": "Demande 20 €."}
    )
    assert response.status_code == 302
    report = Report.objects.get(listing=maries_listing)
    assert report.reporter == paul and report.team == maries_listing.team
    assert not Message.objects.filter(person=marie, template__startswith="mutualaid_report").exists()
    assert "Arnaque ou demande d&#x27;argent" in moderator_client.get(MODERATION).content.decode()

    url = reverse("mutualaid:staff_report", args=[report.pk])
    assert "Demande 20 €." in moderator_client.get(url).content.decode()
    response = moderator_client.post(url, {"decision": "hide", "reason": "Demander de l'argent est interdit."})
    assert response.status_code == 302
    maries_listing.refresh_from_db()
    report.refresh_from_db()
    assert maries_listing.status == ListingStatus.HIDDEN
    assert report.status == ReportStatus.ACTED and report.decided_by == moderator
    assert maries_listing.title not in client.get(reverse("mutualaid:board")).content.decode()
    assert client.get(maries_listing.get_absolute_url()).status_code == 404
    hidden = Message.objects.get(person=marie, template="mutualaid_listing_hidden")
    assert "Demander de l'argent est interdit." in hidden.body and "Paul" not in hidden.body
    assert Message.objects.filter(person=paul, template="mutualaid_report_handled").exists()
    assert ModerationDecision.objects.get(listing=maries_listing, action="hide").report == report
    assert AuditEvent.objects.filter(action=Action.REPORT_ACTED, object_id=str(report.pk)).exists()


def test_hiding_on_a_report_needs_an_explanation(moderator_client, maries_listing, paul):
    report = moderation_services.report_create(
        listing=maries_listing, reason="other", details="", reporter=paul, actor=paul.user
    )
    response = moderator_client.post(reverse("mutualaid:staff_report", args=[report.pk]), {"decision": "hide"})
    assert "Expliquez votre décision" in response.content.decode()
    maries_listing.refresh_from_db()
    assert maries_listing.is_live


def test_a_dismissed_report_leaves_the_listing_and_thanks_the_reporter(moderator_client, maries_listing, paul, marie):
    report = moderation_services.report_create(
        listing=maries_listing, reason="other", details="", reporter=paul, actor=paul.user
    )
    url = reverse("mutualaid:staff_report", args=[report.pk])
    moderator_client.post(url, {"decision": "dismiss", "reason": "Rien d'anormal."})
    report.refresh_from_db()
    maries_listing.refresh_from_db()
    assert report.status == ReportStatus.DISMISSED and maries_listing.is_live
    assert not Message.objects.filter(person=marie, template="mutualaid_listing_hidden").exists()
    handled = Message.objects.get(person=paul, template="mutualaid_report_handled")
    assert "n'a pas relevé de problème" in handled.body


def test_anyone_may_report_a_listing_even_without_an_account(client, maries_listing):
    url = reverse("mutualaid:report_listing", args=[maries_listing.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"submission_key": str(uuid.uuid4()), "reason": "unsafe", "details": ""})
    assert response.status_code == 302
    assert Report.objects.get(listing=maries_listing).reporter is None


def test_anonymous_reports_are_limited_per_device(client, maries_listing):
    url = reverse("mutualaid:report_listing", args=[maries_listing.pk])
    for _ in range(5):
        client.post(url, {"submission_key": str(uuid.uuid4()), "reason": "other", "details": ""})
    response = client.post(url, {"submission_key": str(uuid.uuid4()), "reason": "other", "details": ""})
    assert response.status_code == 200 and "Trop de signalements" in response.content.decode()
    assert Report.objects.filter(listing=maries_listing).count() == 5


def test_a_double_report_makes_one_report(paul_client, maries_listing):
    url = reverse("mutualaid:report_listing", args=[maries_listing.pk])
    data = {"submission_key": str(uuid.uuid4()), "reason": "scam", "details": ""}
    paul_client.post(url, data)
    paul_client.post(url, data)
    assert Report.objects.filter(listing=maries_listing).count() == 1


def test_a_reported_message_is_hidden_and_its_author_told(moderator_client, maries_listing, marie, paul):
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Réponse grossière.", actor=paul.user, safety_read=True
    )
    message = conversation.messages.get()
    marie_client = resident_client(marie)
    url = reverse("mutualaid:report_message", args=[message.pk])
    assert (
        marie_client.post(url, {"submission_key": str(uuid.uuid4()), "reason": "offensive", "details": ""}).status_code
        == 302
    )
    report = Report.objects.get(message=message)
    moderator_client.post(
        reverse("mutualaid:staff_report", args=[report.pk]), {"decision": "hide", "reason": "Propos blessants."}
    )
    message.refresh_from_db()
    assert message.hidden_at is not None
    assert "Réponse grossière." not in marie_client.get(conversation.get_absolute_url()).content.decode()
    assert Message.objects.filter(person=paul, template="mutualaid_message_hidden").exists()
    maries_listing.refresh_from_db()
    assert maries_listing.is_live  # only the message was reported


def test_only_the_recipient_may_report_a_message(maries_listing, paul, marie):
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
    )
    message = conversation.messages.get()
    assert resident_client(paul).get(reverse("mutualaid:report_message", args=[message.pk])).status_code == 404


def test_suspending_a_resident_hides_their_listings_and_stops_them_writing(
    moderator_client, moderator, maries_listing, marie, paul
):
    url = reverse("mutualaid:staff_suspend", args=[marie.pk])
    response = moderator_client.post(url, {"reason": "", "ends_on": ""})
    assert response.status_code == 400 and "Expliquez la suspension" in response.content.decode()
    moderator_client.post(url, {"reason": "Plusieurs demandes d'argent.", "ends_on": ""})
    assert selectors.is_suspended(marie)
    assert maries_listing.title not in moderator_client.get(reverse("mutualaid:board")).content.decode()
    assert "Plusieurs demandes d'argent." in Message.objects.get(person=marie, template="mutualaid_suspended").body
    other = publish(post_listing(paul, maries_listing.neighbourhood, actor=paul.user, title="Offre de Paul"), moderator)
    with pytest.raises(BoardError):
        conversation_services.conversation_start(
            listing=other, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
        )
    moderator_client.post(reverse("mutualaid:staff_unsuspend", args=[marie.pk]))
    assert not selectors.is_suspended(marie)
    actions = list(ModerationDecision.objects.filter(person=marie).values_list("action", flat=True))
    assert "suspend" in actions and "unsuspend" in actions


def test_a_suspension_can_end_on_a_date(moderator_client, marie):
    moderator_client.post(
        reverse("mutualaid:staff_suspend", args=[marie.pk]), {"reason": "Pause.", "ends_on": "2000-01-01"}
    )
    assert not selectors.is_suspended(marie)  # a past date is refused
    moderator_client.post(
        reverse("mutualaid:staff_suspend", args=[marie.pk]), {"reason": "Pause.", "ends_on": "2999-01-01"}
    )
    assert selectors.is_suspended(marie)


def test_only_staff_give_the_badge_and_it_shows_on_listings(moderator_client, client, maries_listing, marie):
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"})
    assert Badge.objects.filter(person=marie, revoked_at__isnull=True).count() == 1
    assert "A rencontré l'équipe de la mairie" in client.get(maries_listing.get_absolute_url()).content.decode()
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"})
    assert Badge.objects.filter(person=marie, revoked_at__isnull=True).count() == 1
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "0"})
    assert not Badge.objects.filter(person=marie, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action=Action.BADGE_GIVEN, person_id=marie.pk).exists()


def test_a_resident_cannot_give_herself_a_badge(marie_client, marie):
    assert marie_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"}).status_code == 404
    assert not Badge.objects.filter(person=marie).exists()


def test_the_history_of_a_resident_lists_listings_reports_and_decisions(
    moderator_client, moderator, marie, maries_listing, paul
):
    moderation_services.report_create(
        listing=maries_listing, reason="commercial", details="", reporter=paul, actor=paul.user
    )
    html = moderator_client.get(reverse("mutualaid:staff_person", args=[marie.pk])).content.decode()
    assert maries_listing.title in html and "Annonce commerciale" in html and "Annonce publiée" in html
    assert AuditEvent.objects.filter(action=Action.PERSON_HISTORY_VIEWED, person_id=marie.pk).exists()
    html = moderator_client.get(reverse("mutualaid:staff_person", args=[paul.pk])).content.decode()
    assert "Signalements qu'elle a faits" in html and maries_listing.title in html


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


def test_moderators_switch_to_publish_then_moderate(moderator_client, moderator, team):
    url = reverse("mutualaid:settings")
    response = moderator_client.post(url, {"mode-publish_first_for_met": "on", "mode-submit": "1"})
    assert response.status_code == 302
    assert selectors.board_settings_for(team).publish_first_for_met
    assert AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED, actor=moderator).exists()


def test_moderators_add_a_neighbourhood(moderator_client, team):
    url = reverse("mutualaid:settings")
    response = moderator_client.post(
        url,
        {
            "quartier-name": "Les Aubépines",
            "quartier-position": "7",
            "quartier-is_active": "on",
            "quartier-submit": "1",
        },
    )
    assert response.status_code == 302
    assert Neighbourhood.objects.get(slug="les-aubepines").team == team
    response = moderator_client.post(
        url, {"quartier-name": "Les Tilleuls", "quartier-position": "1", "quartier-submit": "1"}
    )
    assert "Ce quartier existe déjà." in response.content.decode()


def test_listing_list_filters_by_status(moderator_client, marie, tilleuls):
    post_listing(marie, tilleuls, actor=marie.user, title="Toute nouvelle annonce")
    html = moderator_client.get(reverse("mutualaid:staff_listings"), {"status": "pending"}).content.decode()
    assert "Toute nouvelle annonce" in html and "Courses le samedi matin" not in html


def test_hiding_a_message_keeps_it_visible_to_moderators(moderator_client, moderator, maries_listing, paul, marie):
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Texte à masquer", actor=paul.user, safety_read=True
    )
    message = conversation.messages.get()
    report = moderation_services.report_create(
        listing=maries_listing, message=message, reason="offensive", details="", reporter=marie, actor=marie.user
    )
    moderation_services.report_decide(report=report, decision="hide", reason="Blessant.", actor=moderator)
    html = moderator_client.get(reverse("mutualaid:staff_conversation", args=[conversation.pk])).content.decode()
    assert "Texte à masquer" in html and "masqué" in html
    assert ConversationMessage.objects.get(pk=message.pk).hidden_at


def test_an_administrator_reaches_the_settings_but_not_the_queue(admin_client):
    assert admin_client.get(reverse("mutualaid:settings")).status_code == 200
    assert admin_client.get(MODERATION).status_code == 404


def test_the_author_never_learns_of_a_dismissed_report(marie_client, moderator, maries_listing, paul):
    report = moderation_services.report_create(
        listing=maries_listing, reason="other", details="", reporter=paul, actor=paul.user
    )
    moderation_services.report_decide(
        report=report, decision="dismiss", reason="Rien d'anormal, signalé par Paul.", actor=moderator
    )
    html = marie_client.get(maries_listing.get_absolute_url()).content.decode()
    assert "Rien d&#x27;anormal" not in html and "signal" not in html.lower().replace("signaler", "")


def test_the_author_reads_why_her_listing_was_hidden(marie_client, moderator, maries_listing):
    moderation_services.listing_moderate(
        listing=maries_listing, action="hide", reason="Demande d'argent.", actor=moderator
    )
    html = marie_client.get(maries_listing.get_absolute_url()).content.decode()
    assert "Masquée par la modération" in html and "Demande d&#x27;argent." in html


# ---------------------------------------------------------------- a listing that changes team


def test_a_moderator_cannot_move_a_listing_into_another_teams_neighbourhood(
    moderator_client, moderator, maries_listing, team, bourg
):
    url = reverse("mutualaid:staff_listing_edit", args=[maries_listing.pk])
    data = {
        "kind": "offer",
        "category": "shopping",
        "neighbourhood": bourg.pk,
        "title": maries_listing.title,
        "text": maries_listing.text,
        "notice": "Nous avons corrigé le quartier.",
    }
    response = moderator_client.post(url, data)
    assert response.status_code == 200
    assert "Choisissez un quartier de votre équipe d&#x27;entraide." in response.content.decode()
    assert f'value="{bourg.pk}"' not in moderator_client.get(url).content.decode()
    with pytest.raises(ValidationError) as refused:
        moderation_services.listing_edit_by_moderator(
            listing=maries_listing, data={"neighbourhood": bourg}, notice="Quartier corrigé.", actor=moderator
        )
    assert "neighbourhood" in refused.value.message_dict
    maries_listing.refresh_from_db()
    assert maries_listing.team == team and maries_listing.is_live


def test_a_moderator_of_both_teams_may_move_a_listing_between_them(moderator, maries_listing, bourg, bourg_team):
    Membership.objects.create(user=moderator, team=bourg_team, role=Role.MODERATOR)
    moderation_services.listing_edit_by_moderator(
        listing=maries_listing, data={"neighbourhood": bourg}, notice="Quartier corrigé.", actor=moderator
    )
    maries_listing.refresh_from_db()
    assert maries_listing.team == bourg_team and maries_listing.neighbourhood == bourg


def test_reports_follow_their_listing_to_its_new_team(
    moderator_client, maries_listing, marie, paul, bourg, bourg_client
):
    report = moderation_services.report_create(
        listing=maries_listing, reason="scam", details="Demande 20 €.", reporter=paul, actor=paul.user
    )
    listing_services.listing_update(listing=maries_listing, data={"neighbourhood": bourg}, actor=marie.user)
    url = reverse("mutualaid:staff_report", args=[report.pk])
    assert moderator_client.get(url).status_code == 404
    assert moderator_client.post(url, {"decision": "hide", "reason": "Interdit."}).status_code == 404
    assert maries_listing.title not in moderator_client.get(MODERATION).content.decode()
    html = moderator_client.get(reverse("mutualaid:staff_person", args=[marie.pk])).content.decode()
    assert url not in html and reverse("mutualaid:staff_listing", args=[maries_listing.pk]) not in html
    page = bourg_client.get(url)
    assert page.status_code == 200 and "Demande 20 €." in page.content.decode()
    assert "Arnaque" in bourg_client.get(MODERATION).content.decode()


# ---------------------------------------------------------------- anonymous reports


def test_simultaneous_anonymous_reports_from_one_address_stop_at_the_limit(client, maries_listing, monkeypatch):
    """Six reports sent at the same moment: five more arrive while the first one is being
    saved, so each checks the limit before the others are counted. Only five go through."""
    url = reverse("mutualaid:report_listing", args=[maries_listing.pk])
    create = moderation_services.report_create
    others = []

    def create_while_others_arrive(**kwargs):
        if not others:
            others.append("arriving")
            for _ in range(5):
                others.append(client.post(url, {"submission_key": str(uuid.uuid4()), "reason": "other", "details": ""}))
        return create(**kwargs)

    monkeypatch.setattr(moderation_services, "report_create", create_while_others_arrive)
    client.post(url, {"submission_key": str(uuid.uuid4()), "reason": "other", "details": ""})
    assert Report.objects.filter(listing=maries_listing).count() == 5
    assert "Trop de signalements" in others[-1].content.decode()


# ---------------------------------------------------------------- suspension and badge: which team


@pytest.fixture
def two_team_moderator(moderator, bourg_team):
    """Nadia moderates Valbrenne's board and Le Bourg's."""
    Membership.objects.create(user=moderator, team=bourg_team, role=Role.MODERATOR)
    return moderator


def test_a_suspension_is_recorded_against_the_team_of_the_residents_listings(
    two_team_moderator, moderator_client, bourg, bourg_team, bourg_client, team, tilleuls, db
):
    lea = make_resident("Léa", "Bourg")
    listing = publish(post_listing(lea, bourg, actor=lea.user, title="Annonce du Bourg"), two_team_moderator)
    url = reverse("mutualaid:staff_person", args=[lea.pk])
    response = moderator_client.post(
        reverse("mutualaid:staff_suspend", args=[lea.pk]),
        {"reason": "Demandes d'argent répétées.", "ends_on": "", "team": bourg_team.pk},
    )
    assert response.status_code == 302
    assert ModerationDecision.objects.get(person=lea, action="suspend").team == bourg_team
    other = make_resident("Léon", "Bourg")
    publish(post_listing(other, bourg, actor=other.user), two_team_moderator)
    page = moderator_client.get(reverse("mutualaid:staff_person", args=[other.pk])).content.decode()
    assert f'<option value="{bourg_team.pk}" selected>' in page  # preselected: the team of his listings
    assert selectors.is_suspended(lea)
    # Board-wide: her listing leaves the board, and she cannot post in another team's neighbourhood.
    assert listing.title not in bourg_client.get(reverse("mutualaid:board")).content.decode()
    with pytest.raises(BoardError):
        post_listing(lea, tilleuls, actor=lea.user)
    # Le Bourg's moderators read the reason; Valbrenne's only see that she is suspended.
    assert "Demandes d&#x27;argent répétées." in bourg_client.get(url).content.decode()
    valbrenne_only = staff_client(make_member("moderation-2@valbrenne.fr", "entraide", Role.MODERATOR))
    page = valbrenne_only.get(url).content.decode()
    assert "Demandes d&#x27;argent" not in page and "par une autre équipe" in page
    assert "Lever la suspension" not in page
    response = valbrenne_only.post(reverse("mutualaid:staff_unsuspend", args=[lea.pk]))
    assert response.status_code == 302 and selectors.is_suspended(lea)
    bourg_client.post(reverse("mutualaid:staff_unsuspend", args=[lea.pk]))
    assert not selectors.is_suspended(lea)


def test_a_moderator_of_several_teams_says_which_one_decides_about_a_resident_without_listings(
    two_team_moderator, moderator_client, bourg_team, paul
):
    url = reverse("mutualaid:staff_suspend", args=[paul.pk])
    response = moderator_client.post(url, {"reason": "Propos blessants.", "ends_on": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez l&#x27;équipe au nom de laquelle vous agissez." in html and "Propos blessants." in html
    assert not selectors.is_suspended(paul)
    moderator_client.post(url, {"reason": "Propos blessants.", "ends_on": "", "team": bourg_team.pk})
    assert ModerationDecision.objects.get(person=paul, action="suspend").team == bourg_team
    response = moderator_client.post(reverse("mutualaid:staff_badge", args=[paul.pk]), {"give": "1"})
    assert response.status_code == 400 and not Badge.objects.filter(person=paul).exists()
    moderator_client.post(reverse("mutualaid:staff_badge", args=[paul.pk]), {"give": "1", "badge-team": bourg_team.pk})
    assert ModerationDecision.objects.get(person=paul, action="badge").team == bourg_team


def test_a_moderator_of_one_team_is_not_asked_which_team(moderator_client, team, paul):
    assert 'name="team"' not in moderator_client.get(reverse("mutualaid:staff_person", args=[paul.pk])).content.decode()
    moderator_client.post(reverse("mutualaid:staff_badge", args=[paul.pk]), {"give": "1"})
    assert ModerationDecision.objects.get(person=paul, action="badge").team == team


# ---------------------------------------------------------------- the public pages change at once


def test_lifting_a_suspension_puts_the_listings_back_on_the_cached_board_at_once(
    client, moderator_client, moderator, maries_listing, marie, team, django_capture_on_commit_callbacks
):
    moderation_services.person_suspend(person=marie, team=team, reason="Vérification.", actor=moderator)
    board = reverse("mutualaid:board")
    assert maries_listing.title not in client.get(board, {"q": "mercredi"}).content.decode()
    assert maries_listing.title not in client.get(board, {"q": "mercredi"}).content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are forgotten once the change is committed
        moderator_client.post(reverse("mutualaid:staff_unsuspend", args=[marie.pk]))
    assert maries_listing.title in client.get(board, {"q": "mercredi"}).content.decode()


def test_a_removed_badge_leaves_the_cached_listing_page_at_once(
    client, moderator_client, maries_listing, marie, django_capture_on_commit_callbacks
):
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"})
    url = maries_listing.get_absolute_url()
    assert "A rencontré l'équipe de la mairie" in client.get(url).content.decode()
    assert "A rencontré l'équipe de la mairie" in client.get(url).content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are forgotten once the change is committed
        moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "0"})
    assert "A rencontré l'équipe de la mairie" not in client.get(url).content.decode()


# ---------------------------------------------------------------- closing for a resident without internet


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


def test_a_sender_that_is_not_a_number_is_not_found(moderator_client, jeannes_listing, marie):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    url = reverse("mutualaid:staff_conversation", args=[conversation.pk])
    assert moderator_client.post(url, {"sender": "abc"}).status_code == 404
    assert moderator_client.post(url, {}).status_code == 404


# ---------------------------------------------------------------- the person page


def test_the_person_page_reads_a_constant_number_of_queries_and_shows_the_badge(
    moderator_client, moderator, team, tilleuls
):
    def queries_for(count):
        person = make_resident("Rémi", f"Actif{count}")
        moderation_services.badge_give(person=person, team=team, actor=moderator)
        for n in range(count):
            post_listing(person, tilleuls, actor=person.user, title=f"Annonce {n}")
        url = reverse("mutualaid:staff_person", args=[person.pk])
        with CaptureQueriesContext(connection) as captured:
            html = moderator_client.get(url).content.decode()
        assert "Annonce 1" in html and "rencontré</span>" in html
        return len(captured)

    assert queries_for(2) == queries_for(10)


def test_closing_a_listing_that_was_closed_meanwhile_says_so(moderator_client, moderator, jeannes_listing):
    listing_services.listing_close(listing=jeannes_listing, outcome="worked", actor=moderator)
    response = moderator_client.post(
        reverse("mutualaid:staff_listing_close", args=[jeannes_listing.pk]), {"outcome": "did_not_work"}, follow=True
    )
    assert "Cette annonce ne peut plus être terminée : elle a changé d&#x27;état." in response.content.decode()
    jeannes_listing.refresh_from_db()
    assert jeannes_listing.outcome == "worked"
