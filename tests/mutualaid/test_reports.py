"""Reports: anyone may report a listing, the recipient a message; the moderator hides what
was reported (explained to its author) or dismisses it; the reporter is thanked, never named."""

import uuid

from django.urls import reverse

from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    ConversationMessage,
    ListingStatus,
    ModerationDecision,
    Report,
    ReportStatus,
)
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from tests.mutualaid.conftest import MODERATION, resident_client


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


def test_the_author_never_learns_of_a_dismissed_report(marie_client, moderator, maries_listing, paul):
    report = moderation_services.report_create(
        listing=maries_listing, reason="other", details="", reporter=paul, actor=paul.user
    )
    moderation_services.report_decide(
        report=report, decision="dismiss", reason="Rien d'anormal, signalé par Paul.", actor=moderator
    )
    html = marie_client.get(maries_listing.get_absolute_url()).content.decode()
    assert "Rien d&#x27;anormal" not in html and "signal" not in html.lower().replace("signaler", "")


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
