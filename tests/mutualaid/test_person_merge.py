"""Merging two records of the same resident keeps their board history (person_merge calls
relais.mutualaid.person.merge_conflicts before moving rows)."""

from django.urls import reverse

from relais.core.models import Person
from relais.core.services import person_merge
from relais.mutualaid.models import Badge, Conversation, ConversationMessage, ThankYou
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from tests.mutualaid.conftest import resident_client


def test_two_records_that_answered_the_same_listing_merge_into_one_conversation(
    maries_listing, moderator, team, reception_agent
):
    first = Person.objects.create(first_name="Lucien", last_name="Doublon", phone="0247123400")
    second = Person.objects.create(first_name="Lucien", last_name="Doublon", phone="02 47 12 34 00")
    for person in (first, second):
        conversation_services.conversation_start(
            listing=maries_listing, responder=person, body=f"Bonjour de {person.pk}", actor=moderator, safety_read=True
        )
        moderation_services.badge_give(person=person, team=team, actor=moderator)
        moderation_services.block_create(blocker=person, blocked=maries_listing.posted_by, actor=moderator)
    person_merge(duplicate=second, kept=first, actor=reception_agent)
    conversation = Conversation.objects.get(listing=maries_listing, responder=first)
    assert conversation.messages.count() == 2
    assert not ConversationMessage.objects.filter(sender=second).exists()
    assert Badge.objects.filter(person=first, revoked_at__isnull=True).count() == 1


def _second_record_of(person) -> Person:
    """The same resident, recorded again at the counter without her account."""
    return Person.objects.create(first_name=person.first_name, last_name=person.last_name, phone="0247555555")


def test_merging_two_records_that_thanked_each_other_leaves_no_note_to_oneself(
    maries_listing, marie, moderator, reception_agent
):
    duplicate = _second_record_of(marie)
    conversation = conversation_services.conversation_start(
        listing=maries_listing, responder=duplicate, body="Bonjour", actor=moderator, safety_read=True
    )
    conversation_services.thanks_send(conversation=conversation, sender=duplicate, text="Merci !", actor=moderator)
    listing_services.listing_close(
        listing=maries_listing, outcome="worked", thanks_to=conversation, thanks_text="Merci à vous.", actor=marie.user
    )
    person_merge(duplicate=duplicate, kept=marie, actor=reception_agent)
    assert not ThankYou.objects.filter(sender=marie, recipient=marie).exists()
    assert not Conversation.objects.filter(listing=maries_listing, responder=marie).exists()
    assert Person.objects.get(pk=duplicate.pk).merged_into_id == marie.pk


def test_merging_leaves_no_conversation_with_oneself(maries_listing, marie, moderator, reception_agent, paul):
    duplicate = _second_record_of(marie)
    conversation_services.conversation_start(
        listing=maries_listing, responder=duplicate, body="C'est encore moi.", actor=moderator, safety_read=True
    )
    conversation_services.conversation_start(
        listing=maries_listing, responder=paul, body="Bonjour", actor=paul.user, safety_read=True
    )
    person_merge(duplicate=duplicate, kept=marie, actor=reception_agent)
    assert list(Conversation.objects.filter(listing=maries_listing).values_list("responder", flat=True)) == [paul.pk]
    assert not ConversationMessage.objects.filter(sender=marie, recipient=marie).exists()
    html = resident_client(marie).get(reverse("mutualaid:my_board")).content.decode()
    assert "Marie D." not in html


def test_a_block_against_the_duplicate_follows_to_the_kept_record(marie, reception_agent, moderator):
    """Marie blocked a second record of a neighbour: after the merge she is still protected
    from the one record that remains (the relation has no reverse name, and still moves)."""
    from relais.mutualaid.models import Block

    kept = Person.objects.create(first_name="Gilles", last_name="Importun", phone="0611000001")
    duplicate = Person.objects.create(first_name="Gilles", last_name="Importun", phone="06 11 00 00 01")
    moderation_services.block_create(blocker=marie, blocked=duplicate, actor=marie.user)
    person_merge(duplicate=duplicate, kept=kept, actor=reception_agent)
    assert Block.objects.filter(blocker=marie, blocked=kept).exists()
    assert not Block.objects.filter(blocked=duplicate).exists()
