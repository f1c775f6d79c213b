"""The mutual-aid board on the staff person page and on the resident's "Mon compte" page."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import PEOPLE_ROLES, has_role
from relais.core.extensions import PersonSection
from relais.mutualaid import selectors
from relais.mutualaid.models import Badge, Block, Conversation, ThankYou
from relais.mutualaid.privacy import public_name


def sections(*, person, user):
    """Moderators: the person's listings in their teams, open reports and a link to the history.
    Other staff who serve residents: a link to post a listing for them."""
    if not has_role(user, *PEOPLE_ROLES):
        return []
    context = {"can_moderate": has_role(user, Role.MODERATOR)}
    if context["can_moderate"]:
        history = selectors.person_history(user, person)
        context.update(
            listings=history["listings"][:10],
            open_reports=[r for r in history["reports_about"] if r.status == "open"],
            suspension=history["suspension"],
            badge=history["badge"],
            waiting=selectors.waiting_relay_count(user, person),
        )
    return [PersonSection(_("Entraide"), "mutualaid/staff/_person_section.html", context, order=60)]


def message_filter(*, user):
    return selectors.messages_about_moderated_records(user)


def has_relation(*, user, person) -> bool:
    return selectors.moderated_relation(user=user, person=person)


def resident_sections(*, person):
    conversations = list(selectors.conversations_of(person)[:5])
    for conversation in conversations:
        conversation.other_name = public_name(conversation.other(person))
        conversation.unread = conversation.unread_for(person)
    return [
        PersonSection(
            _("Entraide entre voisins"),
            "mutualaid/_account_section.html",
            {"listings": selectors.listings_of(person)[:5], "conversations": conversations},
            order=60,
        )
    ]


@transaction.atomic
def merge_conflicts(*, duplicate, kept) -> None:
    """Prepare `duplicate`'s board records to move to `kept` without breaking a unique rule.

    `core.services.person_merge` moves every row pointing at the duplicate with one UPDATE
    per relation; a row that would then exist twice (the same badge, the same block, an
    answer to the same listing) must be folded first. Meant to be called by person_merge
    before it moves rows.
    """
    now = timezone.now()
    # The two records are one person: what they exchanged with each other would become a
    # conversation with oneself (and a thank-you note to oneself, which the database refuses).
    between = Q(sender=duplicate, recipient=kept) | Q(sender=kept, recipient=duplicate)
    ThankYou.objects.filter(between).delete()
    Conversation.objects.filter(
        Q(responder=duplicate, listing__posted_by=kept) | Q(responder=kept, listing__posted_by=duplicate)
    ).delete()
    for badge in Badge.objects.filter(person=duplicate, revoked_at__isnull=True):
        if Badge.objects.filter(person=kept, kind=badge.kind, revoked_at__isnull=True).exists():
            Badge.objects.filter(pk=badge.pk).update(revoked_at=now)
    Block.objects.filter(Q(blocker=duplicate, blocked=kept) | Q(blocker=kept, blocked=duplicate)).delete()
    kept_blocks = Block.objects.filter(blocker=kept).values("blocked")
    Block.objects.filter(blocker=duplicate, blocked__in=kept_blocks).delete()
    kept_blockers = Block.objects.filter(blocked=kept).values("blocker")
    Block.objects.filter(blocked=duplicate, blocker__in=kept_blockers).delete()
    for conversation in Conversation.objects.filter(responder=duplicate):
        target = Conversation.objects.filter(listing=conversation.listing_id, responder=kept).first()
        if target is None:
            continue
        conversation.messages.update(conversation=target)
        for note in conversation.thanks.all():
            if target.thanks.filter(sender=note.sender_id).exists():
                note.delete()
            else:
                ThankYou.objects.filter(pk=note.pk).update(conversation=target)
        Conversation.objects.filter(pk=target.pk).update(
            last_message_at=max(target.last_message_at, conversation.last_message_at)
        )
        conversation.delete()
