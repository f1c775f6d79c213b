"""Conversations about a listing: messages, relaying them to residents without internet,
sharing contact details, thank-you notes."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.accounts.models import Role
from relais.accounts.permissions import team_ids
from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.core.models import Person, refuse_erased
from relais.mutualaid import selectors
from relais.mutualaid.journal import Action
from relais.mutualaid.models import BoardError, Conversation, ConversationMessage, Listing, ListingStatus, ThankYou
from relais.mutualaid.privacy import public_name
from relais.mutualaid.services._common import by_staff, date_label, site_url
from relais.notifications.services import notify


def _check_can_write(conversation: Conversation, sender: Person) -> None:
    if not conversation.is_party(sender):
        raise BoardError(_("Vous ne faites pas partie de cette conversation."))
    if selectors.is_suspended(sender):
        raise BoardError(_("Votre participation au tableau d'entraide est suspendue : vous ne pouvez pas écrire."))
    if conversation.listing.status in (ListingStatus.HIDDEN, ListingStatus.REJECTED):
        raise BoardError(_("Cette annonce a été retirée par la modération : la conversation est fermée."))
    if selectors.blocked_between(sender, conversation.other(sender)):
        raise BoardError(_("Vous ne pouvez plus écrire à cette personne."))


def _lock_conversation(pk: int) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("listing__posted_by", "listing__team", "responder")
        .get(pk=pk)
    )


@transaction.atomic
def conversation_start(
    *,
    listing: Listing,
    responder: Person,
    body: str,
    actor,
    safety_read: bool,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Conversation:
    """Answer a listing: opens (or continues) the relayed conversation with its author.

    The submission key is that of the first message; the conversation is made with it."""
    refuse_erased(responder)
    held = {}

    def lock():
        held["listing"] = Listing.objects.select_for_update(of=("self",)).select_related("posted_by").get(pk=listing.pk)

    def create() -> ConversationMessage:
        locked = held["listing"]
        # The board's own rule: published, not past its expiry, and its author not suspended.
        if not Listing.objects.visible_on_board().filter(pk=locked.pk).exists():
            raise BoardError(_("Cette annonce n'est plus en ligne."))
        if locked.posted_by_id == responder.pk:
            raise BoardError(_("C'est votre annonce : vous ne pouvez pas y répondre."))
        conversation = Conversation.objects.filter(listing=locked, responder=responder).first()
        if conversation is None:
            conversation = Conversation(listing=locked, responder=responder)
            _check_can_write(conversation, responder)
            conversation.save()
            audit_log(
                actor=actor,
                action=Action.CONVERSATION_STARTED,
                obj=conversation,
                person=responder,
                request=request,
                details={"listing": locked.pk, "by_staff": by_staff(actor)},
            )
        return _write(
            conversation=_lock_conversation(conversation.pk),
            sender=responder,
            body=body,
            actor=actor,
            safety_read=safety_read,
            submission_key=submission_key,
            request=request,
        )

    message, _created = create_once(ConversationMessage, submission_key, create, lock=lock)
    return message.conversation


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    sender: Person,
    body: str,
    actor,
    safety_read: bool = False,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> ConversationMessage:
    """Write in a conversation (the resident online, or staff typing what a resident said).

    A recipient with an account is told through the outbox; a recipient without one
    waits in the moderators' relay list (read over the phone, or posted).
    """
    refuse_erased(sender)
    held = {}

    def lock():
        held["conversation"] = _lock_conversation(conversation.pk)

    def create() -> ConversationMessage:
        return _write(
            conversation=held["conversation"],
            sender=sender,
            body=body,
            actor=actor,
            safety_read=safety_read,
            submission_key=submission_key,
            request=request,
        )

    message, _created = create_once(ConversationMessage, submission_key, create, lock=lock)
    return message


def _write(
    *, conversation: Conversation, sender: Person, body: str, actor, safety_read, submission_key, request
) -> ConversationMessage:
    """The message itself, in `conversation` already locked."""
    _check_can_write(conversation, sender)
    side = conversation.side(sender)
    now = timezone.now()
    fields = ["last_message_at", f"{side}_read_at"]
    if getattr(conversation, f"{side}_safety_at") is None:
        if not safety_read:
            raise ValidationError({"safety": _("Lisez les conseils de sécurité et cochez la case.")})
        setattr(conversation, f"{side}_safety_at", now)
        fields.append(f"{side}_safety_at")
    recipient = conversation.other(sender)
    message = ConversationMessage(
        conversation=conversation,
        sender=sender,
        recipient=recipient,
        body=body.strip(),
        entered_by=actor if by_staff(actor) and actor.pk != sender.user_id else None,
        submission_key=submission_key,
        created_at=now,
        needs_relay=not selectors.is_online(recipient),
    )
    message.full_clean()
    message.save()
    conversation.last_message_at = now
    setattr(conversation, f"{side}_read_at", now)
    conversation.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=Action.MESSAGE_SENT,
        obj=message,
        person=sender,
        request=request,
        details={"conversation": conversation.pk, "entered_by_staff": message.entered_by_id is not None},
    )
    if not message.needs_relay:
        notify(
            person=recipient,
            template="mutualaid_new_message",
            context={
                "sender_name": public_name(sender),
                "listing_title": conversation.listing.title,
                "text": message.body,
                "conversation_url": site_url("mutualaid:conversation", conversation.pk),
            },
            related=message,
            actor=actor,
            dedupe_key=f"mutualaid-message-{message.pk}",
        )
    return message


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation, person: Person) -> None:
    side = conversation.side(person)
    Conversation.objects.filter(pk=conversation.pk).update(**{f"{side}_read_at": timezone.now()})


def _relay_text(messages) -> str:
    blocks = []
    for m in messages:
        header = _("« %(title)s » – %(name)s, le %(date)s :") % {
            "title": m.conversation.listing.title,
            "name": public_name(m.sender),
            "date": date_label(m.created_at),
        }
        blocks.append(f"{header}\n{m.body}")
    return "\n\n".join(blocks)


@transaction.atomic
def messages_relay(*, person: Person, how: str, actor, request: HttpRequest | None = None) -> int:
    """A moderator passed the waiting messages on to a resident without internet: read over
    the phone ("phone"), or sent as one message on the resident's channel, usually a letter
    ("message"). Returns how many messages were passed on."""
    if how not in ("phone", "message"):
        raise ValueError("how must be phone or message")
    waiting = list(
        selectors.messages_waiting_relay(person, team_ids(actor, Role.MODERATOR)).select_for_update(of=("self",))
    )
    if not waiting:
        return 0
    if how == "message":
        notify(
            person=person,
            template="mutualaid_relayed_messages",
            context={"messages_text": _relay_text(waiting)},
            related=waiting[-1],
            actor=actor,
            dedupe_key=f"mutualaid-relay-{person.pk}-{waiting[-1].pk}",
        )
    now = timezone.now()
    ConversationMessage.objects.filter(pk__in=[m.pk for m in waiting]).update(
        relayed_at=now, relayed_by=actor, relayed_how=how
    )
    audit_log(
        actor=actor,
        action=Action.MESSAGE_RELAYED,
        person=person,
        request=request,
        details={"how": how, "messages": [m.pk for m in waiting]},
    )
    return len(waiting)


@transaction.atomic
def contacts_share(*, conversation: Conversation, person: Person, actor, request: HttpRequest | None = None) -> bool:
    """`person` agrees that the other side may see their phone and e-mail. Returns True once both agreed."""
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("listing__posted_by", "responder")
        .get(pk=conversation.pk)
    )
    _check_can_write(conversation, person)
    side = conversation.side(person)
    if getattr(conversation, f"{side}_shares_at") is not None:
        return conversation.contacts_shared
    setattr(conversation, f"{side}_shares_at", timezone.now())
    conversation.save(update_fields=[f"{side}_shares_at"])
    audit_log(
        actor=actor,
        action=Action.CONVERSATION_CONTACTS_AGREED,
        obj=conversation,
        person=person,
        request=request,
        details={"by_staff": by_staff(actor) and actor.pk != person.user_id},
    )
    if conversation.contacts_shared:
        for party in (conversation.listing.posted_by, conversation.responder):
            notify(
                person=party,
                template="mutualaid_contacts_shared",
                context={
                    "other_name": public_name(conversation.other(party)),
                    "listing_title": conversation.listing.title,
                    "conversation_url": site_url("mutualaid:conversation", conversation.pk)
                    if selectors.is_online(party)
                    else "",
                },
                related=conversation,
                actor=actor,
                dedupe_key=f"mutualaid-shared-{conversation.pk}-{party.pk}",
            )
    return conversation.contacts_shared


@transaction.atomic
def thanks_send(
    *, conversation: Conversation, sender: Person, text: str, actor, request: HttpRequest | None = None
) -> ThankYou:
    """A private thank-you note to the other side of a conversation (one per side).

    A note is a message: a suspended resident, or one of two people who blocked the other,
    cannot send one.
    """
    conversation = Conversation.objects.select_related("listing__posted_by", "responder").get(pk=conversation.pk)
    _check_can_write(conversation, sender)
    existing = ThankYou.objects.filter(conversation=conversation, sender=sender).first()
    if existing:
        return existing
    recipient = conversation.other(sender)
    thanks = ThankYou(conversation=conversation, sender=sender, recipient=recipient, text=text.strip())
    thanks.full_clean()
    thanks.save()
    audit_log(actor=actor, action=Action.THANKS_SENT, obj=thanks, person=sender, request=request)
    notify(
        person=recipient,
        template="mutualaid_thanks_received",
        context={
            "sender_name": public_name(sender),
            "listing_title": conversation.listing.title,
            "text": thanks.text,
            "account_url": site_url("mutualaid:my_board") if selectors.is_online(recipient) else "",
        },
        related=thanks,
        actor=actor,
        dedupe_key=f"mutualaid-thanks-{thanks.pk}",
    )
    return thanks


@transaction.atomic
def thanks_show(*, thanks: ThankYou, shown: bool, actor, request: HttpRequest | None = None) -> None:
    """The recipient chooses whether a thank-you note appears on their listings."""
    if thanks.shown == shown:
        return
    thanks.shown = shown
    thanks.save(update_fields=["shown"])
    audit_log(
        actor=actor,
        action=Action.THANKS_SHOWN if shown else Action.THANKS_UNSHOWN,
        obj=thanks,
        person=thanks.recipient,
        request=request,
    )
