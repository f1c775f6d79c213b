"""Answering a listing opens a relayed conversation: no contact detail is ever shown to the
other side unless both agreed; safety advice comes before a first meeting; blocking; thanks."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid.models import Block, BoardError, Conversation, ConversationMessage, ThankYou
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from relais.notifications.services import process_due
from tests.mutualaid.conftest import make_resident, post_listing, publish, resident_client


def respond(client, listing, body="Bonjour, je peux vous aider mercredi.", safety="on"):
    return client.post(
        reverse("mutualaid:respond", args=[listing.pk]),
        {"submission_key": str(uuid.uuid4()), "body": body, "safety": safety},
    )


def secrets_of(person) -> list[str]:
    """Every way a contact detail of `person` could show up in a page or a message."""
    digits = person.phone.replace(" ", "")
    spaced = " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    found = [
        person.email,
        digits,
        spaced,
        "+33" + digits[1:],
        person.address,
        person.last_name,
        person.last_name.upper(),
    ]
    return [secret for secret in found if secret and secret != "+33"]


def test_answering_needs_an_account(client, maries_listing):
    response = client.get(reverse("mutualaid:respond", args=[maries_listing.pk]))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_answering_opens_a_conversation_and_tells_the_author_by_email(paul_client, paul, marie, maries_listing):
    page = paul_client.get(reverse("mutualaid:respond", args=[maries_listing.pk])).content.decode()
    assert "Avant une première rencontre" in page and "Marie D." in page
    response = respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing, responder=paul)
    assert response.status_code == 302 and response["Location"] == conversation.get_absolute_url()
    assert conversation.responder_safety_at is not None
    message = conversation.messages.get()
    assert message.sender == paul and message.recipient == marie and not message.needs_relay
    process_due()
    [email] = [m for m in mail.outbox if m.to == [marie.email] and "vous a écrit" in m.subject]
    assert "Paul V." in email.subject and "Bonjour, je peux vous aider mercredi." in email.body
    assert conversation.get_absolute_url() in email.body
    assert AuditEvent.objects.filter(action=Action.MESSAGE_SENT, person_id=paul.pk).exists()


def test_the_safety_advice_must_be_acknowledged_before_a_first_contact(paul_client, maries_listing):
    response = respond(paul_client, maries_listing, safety="")
    assert response.status_code == 200
    assert "Lisez les conseils de sécurité et cochez la case." in response.content.decode()
    assert not Conversation.objects.filter(listing=maries_listing).exists()


def test_the_author_reads_the_safety_advice_before_her_first_reply(marie_client, paul_client, maries_listing):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    page = marie_client.get(conversation.get_absolute_url()).content.decode()
    assert "Avant une première rencontre" in page
    url = conversation.get_absolute_url()
    response = marie_client.post(url, {"submission_key": str(uuid.uuid4()), "body": "Avec plaisir !"})
    assert "Lisez les conseils de sécurité" in response.content.decode()
    marie_client.post(url, {"submission_key": str(uuid.uuid4()), "body": "Avec plaisir !", "safety": "on"})
    assert conversation.messages.count() == 2
    assert "Avant une première rencontre" not in marie_client.get(url).content.decode()


def test_a_second_answer_goes_to_the_same_conversation(paul_client, paul, maries_listing):
    respond(paul_client, maries_listing)
    response = paul_client.get(reverse("mutualaid:respond", args=[maries_listing.pk]))
    conversation = Conversation.objects.get(listing=maries_listing, responder=paul)
    assert response["Location"] == conversation.get_absolute_url()


def test_a_double_submission_sends_one_message(paul_client, maries_listing):
    data = {"submission_key": str(uuid.uuid4()), "body": "Bonjour !", "safety": "on"}
    url = reverse("mutualaid:respond", args=[maries_listing.pk])
    paul_client.post(url, data)
    paul_client.post(url, data)
    assert ConversationMessage.objects.filter(conversation__listing=maries_listing).count() == 1


def test_nobody_answers_their_own_listing(marie_client, maries_listing):
    response = marie_client.get(reverse("mutualaid:respond", args=[maries_listing.pk]))
    assert response["Location"] == maries_listing.get_absolute_url()


def test_a_message_with_contact_details_is_refused_with_an_explanation(paul_client, maries_listing):
    response = respond(paul_client, maries_listing, body="Appelez-moi au 06 77 88 99 00")
    html = response.content.decode()
    assert response.status_code == 200 and "N&#x27;écrivez ni numéro de téléphone" in html
    assert "06 77 88 99 00" in html  # kept in the field, to correct
    assert not ConversationMessage.objects.filter(conversation__listing=maries_listing).exists()


def test_only_the_two_parties_see_a_conversation(maries_listing, paul, paul_client, db):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    stranger = resident_client(make_resident("Zoé", "Curieuse"))
    assert stranger.get(conversation.get_absolute_url()).status_code == 404
    url = reverse("mutualaid:contacts_share", args=[conversation.pk])
    assert stranger.post(url).status_code == 404


def test_contact_details_never_appear_in_any_page_or_message_sent_to_the_other_party(
    marie, marie_client, paul, paul_client, maries_listing
):
    """Marie (e-mail, phone, postal address) posts; Paul answers, they write to each other. Every
    page Paul can open and every message Paul is sent is free of Marie's contact details, and
    the other way round, until both of them agree to share."""
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    marie_client.post(
        conversation.get_absolute_url(),
        {"submission_key": str(uuid.uuid4()), "body": "Mercredi 10 h ?", "safety": "on"},
    )
    conversation_services.thanks_send(conversation=conversation, sender=marie, text="Merci Paul !", actor=marie.user)
    # Marie alone agrees: still nothing shown.
    marie_client.post(reverse("mutualaid:contacts_share", args=[conversation.pk]))
    process_due()

    def pages_of(client):
        urls = [
            reverse("mutualaid:board"),
            maries_listing.get_absolute_url(),
            conversation.get_absolute_url(),
            reverse("mutualaid:my_board"),
            reverse("mutualaid:thanks", args=[conversation.pk]),
            reverse("mutualaid:report_listing", args=[maries_listing.pk]),
            reverse("core:account"),
        ]
        for message in conversation.messages.all():
            urls.append(reverse("mutualaid:report_message", args=[message.pk]))
        return {url: client.get(url, follow=True).content.decode() for url in urls}

    for viewer, client, other in ((paul, paul_client, marie), (marie, marie_client, paul)):
        for url, html in pages_of(client).items():
            for secret in secrets_of(other):
                assert secret not in html, (viewer.first_name, url, secret)
        for message in Message.objects.filter(person=viewer):
            text = " ".join([message.subject, message.body, message.sms_body, message.html_body])
            for secret in secrets_of(other):
                assert secret not in text, (viewer.first_name, message.template, secret)
        for email in mail.outbox:
            if email.to == [viewer.email]:
                for secret in secrets_of(other):
                    assert secret not in email.body + email.subject

    # Paul agrees too: now, and only now, each sees the other's phone and e-mail (never the address).
    paul_client.post(reverse("mutualaid:contacts_share", args=[conversation.pk]))
    html = paul_client.get(conversation.get_absolute_url()).content.decode()
    assert marie.email in html and marie.phone in html and marie.address not in html
    html = marie_client.get(conversation.get_absolute_url()).content.decode()
    assert paul.email in html and paul.phone in html
    shared = Message.objects.filter(template="mutualaid_contacts_shared")
    assert {m.person_id for m in shared} == {marie.pk, paul.pk}
    for message in shared:
        other = paul if message.person_id == marie.pk else marie
        assert other.email not in message.body and other.phone not in message.body


def test_contacts_shared_after_both_agree_is_journaled(paul, marie, maries_listing):
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
    )
    assert conversation_services.contacts_share(conversation=conversation, person=paul, actor=paul.user) is False
    assert conversation_services.contacts_share(conversation=conversation, person=marie, actor=marie.user) is True
    assert AuditEvent.objects.filter(action=Action.CONVERSATION_CONTACTS_AGREED).count() == 2


def test_blocking_stops_the_other_person_writing(marie_client, marie, paul, paul_client, maries_listing):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    response = marie_client.post(reverse("mutualaid:block", args=[conversation.pk]))
    assert response["Location"] == reverse("mutualaid:my_board")
    assert Block.objects.filter(blocker=marie, blocked=paul).exists()
    response = paul_client.post(
        conversation.get_absolute_url(), {"submission_key": str(uuid.uuid4()), "body": "Allô ?"}
    )
    assert conversation.messages.count() == 1
    assert "Vous ne pouvez plus vous écrire" in paul_client.get(conversation.get_absolute_url()).content.decode()
    with pytest.raises(BoardError):
        conversation_services.message_send(conversation=conversation, sender=paul, body="Allô ?", actor=paul.user)
    block = Block.objects.get(blocker=marie)
    marie_client.post(reverse("mutualaid:unblock", args=[block.pk]))
    assert not Block.objects.exists()


def test_a_blocked_person_cannot_answer_new_listings(marie, paul, paul_client, maries_listing):
    moderation_services.block_create(blocker=marie, blocked=paul, actor=marie.user)
    assert paul_client.get(reverse("mutualaid:respond", args=[maries_listing.pk])).status_code == 200
    response = respond(paul_client, maries_listing)
    assert "Vous ne pouvez plus écrire à cette personne." in response.content.decode()
    assert not Conversation.objects.exists() or not Conversation.objects.filter(listing=maries_listing).exists()


def test_the_board_has_no_rating_only_a_private_outcome_and_a_thank_you(
    marie_client, marie, paul, paul_client, maries_listing, client, moderator, django_capture_on_commit_callbacks
):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    url = reverse("mutualaid:listing_close", args=[maries_listing.pk])
    page = marie_client.get(url).content.decode()
    assert "Paul V." in page and "Votre réponse reste privée" in page
    rating = "4/5 ★★★★"  # sent along, as a form with a rating would: nothing keeps or shows it
    response = marie_client.post(
        url,
        {
            "outcome": "worked",
            "thanks_to": str(conversation.pk),
            "thanks_text": "Merci pour les courses !",
            **dict.fromkeys(("rating", "score", "stars", "note"), rating),
        },
    )
    assert response.status_code == 302
    maries_listing.refresh_from_db()
    assert maries_listing.outcome == "worked" and not maries_listing.is_live
    note = ThankYou.objects.get(recipient=paul)
    assert note.sender == marie and not note.shown
    for row in (maries_listing, note, conversation):
        assert rating not in [str(getattr(row, field.attname)) for field in type(row)._meta.concrete_fields]
    assert Message.objects.filter(person=paul, template="mutualaid_thanks_received").exists()
    # The outcome is private: not on the listing page of the neighbour.
    assert "Ça a marché" not in paul_client.get(maries_listing.get_absolute_url()).content.decode()
    # Paul chooses to show the note: it appears on his listings.
    his = publish(post_listing(paul, maries_listing.neighbourhood, actor=paul.user, title="Offre de Paul"), moderator)
    assert "Merci pour les courses !" not in client.get(his.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are forgotten once the change is committed
        paul_client.post(reverse("mutualaid:thanks_show", args=[note.pk]), {"shown": "1"})
    shown = client.get(his.get_absolute_url()).content.decode()
    assert "Merci pour les courses !" in shown and "★" not in shown and "4/5" not in shown
    with django_capture_on_commit_callbacks(execute=True):
        paul_client.post(reverse("mutualaid:thanks_show", args=[note.pk]), {"shown": "0"})
    assert "Merci pour les courses !" not in client.get(his.get_absolute_url()).content.decode()


def test_closing_asks_whether_it_worked(marie_client, maries_listing):
    response = marie_client.post(reverse("mutualaid:listing_close", args=[maries_listing.pk]), {})
    assert "Dites-nous si ça a marché." in response.content.decode()


def test_the_responder_thanks_the_author_once(paul_client, paul, marie, maries_listing):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    url = reverse("mutualaid:thanks", args=[conversation.pk])
    assert paul_client.post(url, {"text": "Merci Marie !"}).status_code == 302
    assert paul_client.post(url, {"text": "Encore merci"}).status_code == 302
    assert ThankYou.objects.filter(sender=paul).count() == 1
    assert "06 12" not in ThankYou.objects.get(sender=paul).text


def test_a_thank_you_cannot_carry_contact_details(paul_client, maries_listing):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    response = paul_client.post(
        reverse("mutualaid:thanks", args=[conversation.pk]), {"text": "Rappelez-moi au 0612345678"}
    )
    assert "N&#x27;écrivez ni" in response.content.decode()
    assert not ThankYou.objects.filter(conversation=conversation).exists()


def test_my_board_lists_my_listings_conversations_and_unread_messages(marie_client, paul_client, maries_listing):
    respond(paul_client, maries_listing)
    html = marie_client.get(reverse("mutualaid:my_board")).content.decode()
    assert maries_listing.title in html and "Paul V." in html and "nouveau" in html


def test_the_residents_account_page_shows_the_board(marie_client, paul_client, maries_listing):
    respond(paul_client, maries_listing)
    html = marie_client.get(reverse("core:account")).content.decode()
    assert "Entraide entre voisins" in html and maries_listing.title in html and "Paul V." in html


def test_a_blocked_resident_cannot_send_a_thank_you_note(marie, paul, paul_client, maries_listing):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    moderation_services.block_create(blocker=marie, blocked=paul, actor=marie.user)
    assert "Remercier Marie D." not in paul_client.get(conversation.get_absolute_url()).content.decode()
    response = paul_client.post(reverse("mutualaid:thanks", args=[conversation.pk]), {"text": "Merci quand même !"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous ne pouvez plus écrire à cette personne." in html and "Merci quand même !" in html
    assert not ThankYou.objects.filter(conversation=conversation).exists()
    assert not Message.objects.filter(person=marie, template="mutualaid_thanks_received").exists()


def test_a_suspended_resident_cannot_send_a_thank_you_note(paul, paul_client, maries_listing, moderator, team):
    respond(paul_client, maries_listing)
    conversation = Conversation.objects.get(listing=maries_listing)
    moderation_services.person_suspend(person=paul, team=team, reason="Propos blessants.", actor=moderator)
    response = paul_client.post(reverse("mutualaid:thanks", args=[conversation.pk]), {"text": "Merci !"})
    assert "Votre participation au tableau d&#x27;entraide est suspendue" in response.content.decode()
    assert not ThankYou.objects.filter(conversation=conversation).exists()


def test_nobody_answers_the_listing_of_a_suspended_resident(marie, paul, paul_client, maries_listing, moderator, team):
    moderation_services.person_suspend(person=marie, team=team, reason="Demandes d'argent.", actor=moderator)
    with pytest.raises(BoardError, match="n'est plus en ligne"):
        conversation_services.conversation_start(
            listing=maries_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
        )
    assert respond(paul_client, maries_listing).status_code == 404
    assert not Conversation.objects.filter(listing=maries_listing).exists()
