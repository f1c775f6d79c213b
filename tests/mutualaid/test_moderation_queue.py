"""The moderation queue and a moderator's decisions on a listing (publish, refuse, hide,
restore, correct), each explained to the author and journaled."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from relais.accounts.models import Membership, Role
from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    Listing,
    ListingStatus,
    ModerationDecision,
)
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from tests.mutualaid.conftest import MODERATION, make_resident, post_listing, publish


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


def test_listing_list_filters_by_status(moderator_client, marie, tilleuls):
    post_listing(marie, tilleuls, actor=marie.user, title="Toute nouvelle annonce")
    html = moderator_client.get(reverse("mutualaid:staff_listings"), {"status": "pending"}).content.decode()
    assert "Toute nouvelle annonce" in html and "Courses le samedi matin" not in html


def test_the_author_reads_why_her_listing_was_hidden(marie_client, moderator, maries_listing):
    moderation_services.listing_moderate(
        listing=maries_listing, action="hide", reason="Demande d'argent.", actor=moderator
    )
    html = marie_client.get(maries_listing.get_absolute_url()).content.decode()
    assert "Masquée par la modération" in html and "Demande d&#x27;argent." in html


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


def test_the_queue_shows_the_residents_whose_messages_have_waited_longest(
    moderator_client, moderator, marie, tilleuls, bourg, bourg_moderator
):
    """Residents without internet, longest waiting first (not by name), counted once however
    many messages wait for them; relayed or hidden messages and another team's do not count."""
    import datetime

    from django.utils import timezone

    from relais.mutualaid.models import Conversation, ConversationMessage
    from relais.mutualaid.views_staff import QUEUE_ROWS

    ConversationMessage.objects.filter(needs_relay=True).update(relayed_at=timezone.now())  # the demo's
    listing = publish(post_listing(marie, tilleuls, actor=marie.user), moderator)
    elsewhere = publish(post_listing(marie, bourg, actor=marie.user), bourg_moderator)
    start = timezone.now() - datetime.timedelta(days=40)

    def waits(person, days, *, on=listing, **fields):
        conversation, _ = Conversation.objects.get_or_create(listing=on, responder=person)
        ConversationMessage.objects.create(
            conversation=conversation, sender=marie, recipient=person, body="Bonjour", needs_relay=True,
            created_at=start + datetime.timedelta(days=days), **fields,
        )  # fmt: skip

    # Named so that the alphabet and the waiting order disagree.
    residents = [make_resident("Léa", f"Z{QUEUE_ROWS + 5 - i:02d}", account=False) for i in range(QUEUE_ROWS + 5)]
    for i, person in enumerate(residents):
        waits(person, i)
        waits(person, 30 + i)  # a second message: the resident is still one row
    relayed, hidden, other_team = (make_resident("Léa", name, account=False) for name in ("AAREL", "AAHID", "AAAUT"))
    waits(relayed, -5, relayed_at=timezone.now())
    waits(hidden, -5, hidden_at=timezone.now())
    waits(other_team, -5, on=elsewhere)

    html = moderator_client.get(MODERATION).content.decode()
    section = html.split('id="relais"')[1].split('id="chiffres"')[0]
    shown = [p.display_name for p in residents[:QUEUE_ROWS]]
    assert [section.index(name) for name in shown] == sorted(section.index(name) for name in shown)
    assert residents[QUEUE_ROWS].display_name not in section  # the queue shows its oldest rows only
    assert section.count("2 messages") == QUEUE_ROWS
    assert f"Voir la liste des {QUEUE_ROWS + 5} habitants" in section
    for name in ("AAREL", "AAHID", "AAAUT"):
        assert name not in section


@pytest.mark.parametrize("sorted_up_to", [1000, 2])  # few waiting: sorted from their messages; many: read by name
def test_the_relay_list_shows_every_resident_waiting_by_name(
    moderator_client, moderator, marie, tilleuls, monkeypatch, sorted_up_to
):
    from django.utils import timezone

    from relais.mutualaid import selectors
    from relais.mutualaid.models import Conversation, ConversationMessage

    monkeypatch.setattr(selectors, "RELAY_SORTED", sorted_up_to)
    ConversationMessage.objects.filter(needs_relay=True).update(relayed_at=timezone.now())  # the demo's
    listing = publish(post_listing(marie, tilleuls, actor=marie.user), moderator)
    names = ["OLIVE", "ABEL", "MARTEAU", "ZOLA", "BRUN"]
    for name in names:
        person = make_resident("Léa", name, account=False)
        conversation = Conversation.objects.create(listing=listing, responder=person)
        ConversationMessage.objects.create(
            conversation=conversation, sender=marie, recipient=person, body="Bonjour", needs_relay=True
        )
    done = make_resident("Léa", "AAFINI", account=False)
    ConversationMessage.objects.create(
        conversation=Conversation.objects.create(listing=listing, responder=done), sender=marie, recipient=done,
        body="Bonjour", needs_relay=True, relayed_at=timezone.now(),
    )  # fmt: skip
    html = moderator_client.get(reverse("mutualaid:relay_list")).content.decode()
    assert [html.index(f"{name} Léa") for name in sorted(names)] == sorted(html.index(f"{n} Léa") for n in names)
    assert "AAFINI" not in html


def test_the_queue_shows_each_listing_kind_category_and_state_in_words(moderator_client, marie, tilleuls):
    from django.template import Context, Template

    post_listing(marie, tilleuls, actor=marie.user, title="Annonce à lire")
    section = moderator_client.get(MODERATION).content.decode().split('id="a-relire"')[1].split("</table>")[0]
    assert "Offre · Courses" in section and "En attente de relecture" in section and "En ligne" in section
    listing = type("Row", (), {"_meta": Listing._meta, "kind": "unknown"})()
    rendered = Template('{% choice_labels rows "kind" as rows %}{{ rows.0.kind_label }}').render(
        Context({"rows": [listing]})
    )
    assert rendered == "unknown"  # a value no choice names is shown as it is, as get_kind_display does
