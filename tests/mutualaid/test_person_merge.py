"""Merging two records of the same resident keeps their board history (person_merge calls
relais.mutualaid.person.merge_conflicts before moving rows)."""

from relais.core.models import Person
from relais.core.services import person_merge
from relais.mutualaid import services
from relais.mutualaid.models import Badge, Conversation, ConversationMessage


def test_two_records_that_answered_the_same_listing_merge_into_one_conversation(
    maries_listing, moderator, team, reception_agent
):
    first = Person.objects.create(first_name="Lucien", last_name="Doublon", phone="0247123400")
    second = Person.objects.create(first_name="Lucien", last_name="Doublon", phone="02 47 12 34 00")
    for person in (first, second):
        services.conversation_start(
            listing=maries_listing, responder=person, body=f"Bonjour de {person.pk}", actor=moderator, safety_read=True
        )
        services.badge_give(person=person, team=team, actor=moderator)
        services.block_create(blocker=person, blocked=maries_listing.posted_by, actor=moderator)
    person_merge(duplicate=second, kept=first, actor=reception_agent)
    conversation = Conversation.objects.get(listing=maries_listing, responder=first)
    assert conversation.messages.count() == 2
    assert not ConversationMessage.objects.filter(sender=second).exists()
    assert Badge.objects.filter(person=first, revoked_at__isnull=True).count() == 1
