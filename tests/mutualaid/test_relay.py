"""Residents without internet take part through the moderators: staff post and answer for them,
read them the replies over the phone or post them, and type in what they answer."""

import uuid

from django.core import mail
from django.urls import reverse

from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid.models import Conversation, ConversationMessage
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from relais.notifications.services import process_due
from tests.mutualaid.conftest import make_resident, post_listing, resident_client


def test_a_resident_without_internet_gets_a_reply_through_staff(
    marie, marie_client, resident_by_letter, jeannes_listing, moderator_client, moderator
):
    jeanne = resident_by_letter
    # Marie answers Jeanne's listing online: Jeanne has no account, so nothing is e-mailed to her…
    marie_client.post(
        reverse("mutualaid:respond", args=[jeannes_listing.pk]),
        {"submission_key": str(uuid.uuid4()), "body": "Bonjour Jeanne, je peux passer jeudi à 15 h.", "safety": "on"},
    )
    conversation = Conversation.objects.get(listing=jeannes_listing, responder=marie)
    message = conversation.messages.get()
    assert message.needs_relay and message.recipient == jeanne
    assert not Message.objects.filter(person=jeanne, template="mutualaid_new_message").exists()

    # …it waits in the moderators' relay list.
    relay = moderator_client.get(reverse("mutualaid:relay_list")).content.decode()
    assert "MARTIN Jeanne" in relay
    sheet_url = reverse("mutualaid:relay_sheet", args=[jeanne.pk])
    sheet = moderator_client.get(sheet_url).content.decode()
    assert "Bonjour Jeanne, je peux passer jeudi à 15 h." in sheet and "Marie D." in sheet
    assert "Avant une première rencontre" in sheet  # read to her with the safety advice
    for secret in (marie.email, marie.phone, marie.address, "Dupont"):
        assert secret not in sheet

    # The moderator posts the replies to her (a letter in the outbox, in large print for Jeanne)…
    assert moderator_client.post(sheet_url, {"how": "message"}).status_code == 302
    letter = Message.objects.get(person=jeanne, template="mutualaid_relayed_messages")
    assert letter.channel == "letter" and "Bonjour Jeanne, je peux passer jeudi à 15 h." in letter.body
    for secret in (marie.email, marie.phone, marie.address, "Dupont"):
        assert secret not in letter.body
    message.refresh_from_db()
    assert message.relayed_at and message.relayed_by == moderator and message.relayed_how == "message"
    assert "MARTIN Jeanne" not in moderator_client.get(reverse("mutualaid:relay_list")).content.decode()

    # Jeanne phones back: the moderator types her answer in.
    staff_url = reverse("mutualaid:staff_conversation", args=[conversation.pk])
    page = moderator_client.get(staff_url).content.decode()
    assert "Écrire la réponse de MARTIN Jeanne" in page
    prefix = f"p{jeanne.pk}"
    response = moderator_client.post(
        staff_url,
        {
            "sender": jeanne.pk,
            f"{prefix}-submission_key": str(uuid.uuid4()),
            f"{prefix}-body": "Jeudi 15 h, c'est parfait. Merci !",
            f"{prefix}-safety": "on",
        },
    )
    assert response.status_code == 302
    reply = conversation.messages.get(sender=jeanne)
    assert reply.entered_by == moderator and not reply.needs_relay

    # Marie is told through the outbox on her channel, and reads the reply online.
    process_due()
    [email] = [m for m in mail.outbox if m.to == [marie.email] and "vous a écrit" in m.subject]
    assert "Jeanne M." in email.subject and "Jeudi 15 h, c'est parfait. Merci !" in email.body
    for secret in (jeanne.address, "Martin", "MARTIN"):
        assert secret not in email.body
    html = marie_client.get(conversation.get_absolute_url()).content.decode()
    assert "c&#x27;est parfait" in html and "transmis par la mairie" in html
    assert AuditEvent.objects.filter(action=Action.MESSAGE_RELAYED, person_id=jeanne.pk).exists()
    assert AuditEvent.objects.filter(action=Action.RELAY_SHEET_VIEWED, person_id=jeanne.pk).exists()


def test_messages_read_over_the_phone_are_marked_relayed(moderator_client, resident_by_letter, jeannes_listing, paul):
    conversation_services.conversation_start(
        listing=jeannes_listing, responder=paul, body="Je passe samedi ?", actor=paul.user, safety_read=True
    )
    url = reverse("mutualaid:relay_sheet", args=[resident_by_letter.pk])
    moderator_client.post(url, {"how": "phone"})
    message = ConversationMessage.objects.get(conversation__listing=jeannes_listing)
    assert message.relayed_how == "phone" and message.relayed_at
    assert not Message.objects.filter(person=resident_by_letter, template="mutualaid_relayed_messages").exists()
    assert moderator_client.post(url, {"how": "phone"}).status_code == 302  # nothing left: no error


def test_a_moderator_answers_a_listing_for_a_resident_without_internet(
    moderator_client, moderator, resident_by_letter, maries_listing, marie
):
    listings_url = reverse("mutualaid:staff_listings") + f"?pour={resident_by_letter.pk}"
    page = moderator_client.get(listings_url).content.decode()
    assert maries_listing.title in page and "Répondre pour elle" in page
    url = reverse("mutualaid:staff_respond", args=[maries_listing.pk, resident_by_letter.pk])
    response = moderator_client.post(
        url,
        {"submission_key": str(uuid.uuid4()), "body": "Je voudrais bien de l'aide pour mes courses.", "safety": "on"},
    )
    conversation = Conversation.objects.get(listing=maries_listing, responder=resident_by_letter)
    assert response["Location"] == reverse("mutualaid:staff_conversation", args=[conversation.pk])
    message = conversation.messages.get()
    assert message.entered_by == moderator and message.sender == resident_by_letter
    email = Message.objects.get(person=marie, template="mutualaid_new_message")
    assert "Jeanne M." in email.subject and resident_by_letter.address not in email.body


def test_a_list_of_listings_is_posted_to_a_resident_without_internet(moderator_client, resident_by_letter, db):
    url = reverse("mutualaid:listings_letter")
    response = moderator_client.post(url, {"pour": resident_by_letter.pk, "category": "computer"})
    assert response["Location"] == resident_by_letter.get_absolute_url()
    letter = Message.objects.get(person=resident_by_letter, template="mutualaid_listings_letter")
    assert letter.channel == "letter" and "Aide pour l'ordinateur et le téléphone" in letter.body
    assert "Courses le samedi matin" not in letter.body  # only the category asked for
    assert "@" not in letter.body


def test_a_moderator_records_consent_to_share_contacts_for_a_resident_without_internet(
    moderator_client, jeannes_listing, resident_by_letter, marie, marie_client
):
    conversation = conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    url = reverse("mutualaid:staff_contacts_share", args=[conversation.pk, resident_by_letter.pk])
    assert moderator_client.post(url).status_code == 302
    conversation.refresh_from_db()
    assert conversation.author_shares_at and not conversation.contacts_shared
    # Staff cannot agree in the name of a resident who uses the site herself.
    assert (
        moderator_client.post(reverse("mutualaid:staff_contacts_share", args=[conversation.pk, marie.pk])).status_code
        == 404
    )
    marie_client.post(reverse("mutualaid:contacts_share", args=[conversation.pk]))
    shared = Message.objects.get(person=resident_by_letter, template="mutualaid_contacts_shared")
    assert "Appelez la mairie" in shared.body and marie.phone not in shared.body and marie.email not in shared.body
    # Jeanne has neither phone nor e-mail: Marie is told to keep writing through the board.
    html = marie_client.get(conversation.get_absolute_url()).content.decode()
    assert "ni téléphone ni adresse électronique" in html and resident_by_letter.address not in html


def test_staff_cannot_type_a_reply_for_a_resident_who_uses_the_site(moderator_client, maries_listing, paul, marie):
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
    )
    url = reverse("mutualaid:staff_conversation", args=[conversation.pk])
    response = moderator_client.post(
        url, {"sender": marie.pk, f"p{marie.pk}-body": "Faux", f"p{marie.pk}-submission_key": str(uuid.uuid4())}
    )
    assert response.status_code == 404 and conversation.messages.count() == 1


def test_a_resident_with_a_phone_only_is_relayed_too(moderator, moderator_client, tilleuls, marie):
    karim = make_resident("Karim", "Sanscompte", phone="0247999999", account=False)
    listing = post_listing(karim, tilleuls, actor=moderator, channel="phone", title="Monter une armoire")
    assert listing.is_live  # a moderator typing it reviews it at once
    conversation = conversation_services.conversation_start(
        listing=listing, responder=marie, body="Je peux venir dimanche.", actor=marie.user, safety_read=True
    )
    assert conversation.messages.get().needs_relay
    html = moderator_client.get(reverse("mutualaid:relay_list")).content.decode()
    assert "SANSCOMPTE Karim" in html and "0247999999" in html


def test_the_staff_person_page_shows_the_board_section(
    moderator_client, reception_client, resident_by_letter, jeannes_listing
):
    html = moderator_client.get(resident_by_letter.get_absolute_url()).content.decode()
    assert jeannes_listing.title in html and "Historique d'entraide" in html
    html = reception_client.get(resident_by_letter.get_absolute_url()).content.decode()
    assert "Déposer une annonce d'entraide pour cette personne" in html
    assert jeannes_listing.title not in html  # moderation data stays with the moderators


def test_an_answer_by_a_resident_without_internet_needs_the_safety_advice_read_to_them(
    moderator_client, resident_by_letter, maries_listing
):
    url = reverse("mutualaid:staff_respond", args=[maries_listing.pk, resident_by_letter.pk])
    response = moderator_client.post(url, {"submission_key": str(uuid.uuid4()), "body": "Bonjour"})
    assert "Lisez les conseils de sécurité" in response.content.decode()
    assert not Conversation.objects.filter(listing=maries_listing).exists()


def test_other_residents_are_not_shown_a_resident_met_by_staff_differently_than_by_name(
    client, resident_by_letter, jeannes_listing
):
    html = client.get(jeannes_listing.get_absolute_url()).content.decode()
    assert "Jeanne M." in html and "MARTIN" not in html and "12 impasse du Moulin" not in html


def test_the_relay_sheet_of_a_stranger_to_the_team_shows_nothing_of_other_teams(
    moderator_client, bourg, bourg_moderator, marie
):
    stranger = make_resident("Hugo", "Inconnu", account=False, phone="0247000001")
    listing = post_listing(stranger, bourg, actor=bourg_moderator, channel="phone", title="Tondre la pelouse du Bourg")
    conversation_services.conversation_start(
        listing=listing, responder=marie, body="Je passe samedi au Bourg.", actor=marie.user, safety_read=True
    )
    html = moderator_client.get(reverse("mutualaid:relay_sheet", args=[stranger.pk])).content.decode()
    assert "Aucune conversation." in html and "Aucune annonce en cours." in html
    assert listing.title not in html and "Je passe samedi au Bourg." not in html


def test_relay_needs_a_moderator(reception_client, resident_by_letter):
    assert reception_client.get(reverse("mutualaid:relay_sheet", args=[resident_by_letter.pk])).status_code == 404


def test_conversation_with_a_resident_without_internet_shows_on_marie_s_account(
    marie_client, resident_by_letter, jeannes_listing, marie
):
    conversation_services.conversation_start(
        listing=jeannes_listing, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
    )
    html = resident_client(marie).get(reverse("mutualaid:my_board")).content.decode()
    assert "Jeanne M." in html


def test_a_moderator_cannot_answer_for_a_resident_who_has_an_account(moderator_client, maries_listing, paul):
    url = reverse("mutualaid:staff_respond", args=[maries_listing.pk, paul.pk])
    assert moderator_client.get(url).status_code == 404
    response = moderator_client.post(url, {"submission_key": str(uuid.uuid4()), "body": "Faux", "safety": "on"})
    assert response.status_code == 404
    assert not Conversation.objects.filter(listing=maries_listing).exists()


def test_a_moderator_cannot_answer_for_a_suspended_resident_or_to_one(
    moderator_client, moderator, team, maries_listing, marie, resident_by_letter, jeannes_listing
):
    moderation_services.person_suspend(
        person=resident_by_letter, team=team, reason="Propos blessants.", actor=moderator
    )
    url = reverse("mutualaid:staff_respond", args=[maries_listing.pk, resident_by_letter.pk])
    response = moderator_client.post(url, {"submission_key": str(uuid.uuid4()), "body": "Bonjour", "safety": "on"})
    assert "Votre participation au tableau d&#x27;entraide est suspendue" in response.content.decode()
    karim = make_resident("Karim", "Sanscompte", phone="0247999999", account=False)
    url = reverse("mutualaid:staff_respond", args=[jeannes_listing.pk, karim.pk])
    response = moderator_client.post(url, {"submission_key": str(uuid.uuid4()), "body": "Bonjour", "safety": "on"})
    assert "Cette annonce n&#x27;est plus en ligne." in response.content.decode()
    assert not Conversation.objects.filter(listing__in=[maries_listing, jeannes_listing]).exists()
