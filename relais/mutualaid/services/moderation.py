"""Writes of the mutual-aid board. Each call checks its rule, changes atomically, writes its
audit entry and queues the messages to residents, so the resident's page, the staff
screens and the scheduled commands behave the same.

`actor` is the login doing the action: the resident themself online, or the staff
member acting for a resident without internet (recorded as such).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relais.accounts.models import Role
from relais.accounts.permissions import has_role, team_ids
from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.core.models import ContactChannel, Person, refuse_erased
from relais.core.pagecache import public_pages_changed
from relais.mutualaid import selectors
from relais.mutualaid.models import (
    LISTING_DAYS,
    REMINDER_DAYS,
    Badge,
    BadgeKind,
    Block,
    BoardSettings,
    Conversation,
    ConversationMessage,
    DecisionAction,
    Listing,
    ListingStatus,
    ModerationDecision,
    Neighbourhood,
    Report,
    ReportStatus,
    Suspension,
    ThankYou,
    TransitionError,
)
from relais.mutualaid.privacy import public_name
from relais.notifications import channels
from relais.notifications.services import notify

RENEW_SALT = "relais.mutualaid.renew"
RENEW_MAX_AGE = 60 * 24 * 3600  # a renewal link works for 60 days, and for one expiry date only
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class BoardError(Exception):
    """An action the board refuses, with a message for the person who tried it."""


# ---------------------------------------------------------------- helpers


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def date_label(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y") if value else ""


def _staff(actor) -> bool:
    return actor is not None and actor.is_authenticated and has_role(actor)


def is_online(person: Person) -> bool:
    """Whether the person can read the board themself (a login); otherwise staff relay for them."""
    return person.user_id is not None and person.user.is_active


def is_suspended(person: Person, now=None) -> bool:
    return Suspension.objects.active(now).filter(person=person).exists()


def has_met_badge(person: Person) -> bool:
    return Badge.objects.filter(person=person, kind=BadgeKind.MET, revoked_at__isnull=True).exists()


def blocked_between(a: Person, b: Person) -> bool:
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def board_settings_for(team) -> BoardSettings:
    """The team's settings, read without writing: a team that never changed them gets the
    defaults (an unsaved row), so two first posts at once never race to create the row."""
    return BoardSettings.objects.filter(team=team).first() or BoardSettings(team=team)


def _board_changed() -> None:
    """Forget the cached public pages once the change is committed."""
    public_pages_changed()


def _expiry_stamp(listing: Listing) -> int | None:
    """The listing's expiry, exactly (microseconds since 1970), as a renewal link carries it."""
    if listing.expires_at is None:
        return None
    return (listing.expires_at - EPOCH) // datetime.timedelta(microseconds=1)


def renew_token(listing: Listing) -> str:
    """A signed link that renews the listing once: it names the expiry it was sent for, and
    stops working as soon as that expiry changes (renewed by this link or another way)."""
    return signing.dumps({"listing": listing.pk, "expires": _expiry_stamp(listing)}, salt=RENEW_SALT, compress=True)


@dataclass(frozen=True)
class RenewLink:
    listing: Listing
    expires: int | None  # the expiry the link was sent for


def renew_link(token: str) -> RenewLink | None:
    """The listing a renewal link is for, or None for a broken, too old or unknown link."""
    try:
        data = signing.loads(token, salt=RENEW_SALT, max_age=RENEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or "expires" not in data:
        return None  # a link of the first version, tied to no expiry: it could be used again and again
    listing = Listing.objects.select_related("posted_by", "neighbourhood").filter(pk=data.get("listing")).first()
    return RenewLink(listing=listing, expires=data["expires"]) if listing is not None else None


_ANY_EXPIRY = object()


def renew_refusal(listing: Listing, *, for_expiry=_ANY_EXPIRY) -> str:
    """Why the listing cannot be renewed now, in words for its author; "" when it can.

    `for_expiry`: the expiry a renewal link was sent for (a link serves once).
    """
    if listing.ongoing:
        return _("C'est une offre permanente : elle n'expire pas, il n'y a rien à prolonger.")
    if listing.status == ListingStatus.PENDING:
        return _(
            "L'annonce attend d'être relue par l'équipe d'entraide : elle ne peut pas être prolongée "
            "avant d'être publiée."
        )
    if not listing.can_renew:
        return _("L'annonce est terminée ou a été retirée : elle ne peut pas être prolongée.")
    if is_suspended(listing.posted_by):
        return _("Votre participation au tableau d'entraide est suspendue : l'annonce ne peut pas être prolongée.")
    if for_expiry is not _ANY_EXPIRY and for_expiry != _expiry_stamp(listing):
        return _(
            "Ce lien a déjà servi : l'annonce a été prolongée (ou a changé) depuis qu'il vous a été envoyé. "
            "Vous la retrouvez dans « Mes annonces »."
        )
    return ""


def renew_url(listing: Listing) -> str:
    return _url("mutualaid:renew", renew_token(listing))


def _decide(*, listing=None, person, action, reason="", actor, report=None, team=None) -> ModerationDecision:
    return ModerationDecision.objects.create(
        team=team or listing.team,
        person=person,
        action=action,
        reason=reason,
        listing=listing,
        report=report,
        decided_by=actor,
    )


def _listing_context(listing: Listing, **extra) -> dict:
    author = listing.posted_by
    return {
        "listing_title": listing.title,
        "listing_url": _url("mutualaid:listing_detail", listing.pk) if is_online(author) else "",
        **extra,
    }


# ---------------------------------------------------------------- listings


def _publishes_at_once(listing: Listing, actor) -> tuple[bool, bool]:
    """(published now, already reviewed) for a new or edited listing.

    A moderator of the listing's team posting for a resident reviews it as they type it.
    In "publish then moderate" mode, residents already met by staff go up at once and
    are read afterwards. Everyone else waits for a moderator.
    """
    if actor is not None and listing.team_id in team_ids(actor, Role.MODERATOR):
        return True, True
    if board_settings_for(listing.team).publish_first_for_met and has_met_badge(listing.posted_by):
        return True, False
    return False, False


@transaction.atomic
def listing_create(
    *,
    person: Person,
    data: dict,
    channel: str,
    consent: bool,
    actor,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Listing:
    """Post a listing for `person` (online by themself, or by staff at the counter or by phone).

    `consent`: the resident agreed that it be published (without their contact details)
    and that replies reach them through the board or the staff.
    """
    if not consent:
        raise ValidationError(_("Il faut l'accord de la personne pour publier son annonce."))
    refuse_erased(person)

    def create() -> Listing:
        if is_suspended(person):
            raise BoardError(_("Votre participation au tableau d'entraide est suspendue : vous ne pouvez pas publier."))
        neighbourhood: Neighbourhood = data["neighbourhood"]
        now = timezone.now()
        listing = Listing(
            **data,
            team=neighbourhood.team,
            posted_by=person,
            posted_via=channel,
            recorded_by=actor if _staff(actor) else None,
            consent_at=now,
            submission_key=submission_key,
        )
        listing.full_clean()
        at_once, reviewed = _publishes_at_once(listing, actor)
        if at_once:
            listing.status = ListingStatus.PENDING
            listing.publish(now=now, reviewed_by=actor if reviewed else None)
        listing.save()
        audit_log(
            actor=actor,
            action="mutualaid.listing.created",
            obj=listing,
            person=person,
            request=request,
            details={"channel": channel, "status": listing.status, "by_staff": _staff(actor)},
        )
        if reviewed:
            _decide(listing=listing, person=person, action=DecisionAction.APPROVE, actor=actor)
        if listing.status == ListingStatus.PUBLISHED:
            notify(
                person=person,
                template="mutualaid_listing_published",
                context=_listing_context(listing, expires_on=date_label(listing.expires_at)),
                related=listing,
                actor=actor,
                dedupe_key=f"mutualaid-published-{listing.pk}",
            )
        else:
            notify(
                person=person,
                template="mutualaid_listing_received",
                context=_listing_context(listing),
                related=listing,
                actor=actor,
                dedupe_key=f"mutualaid-received-{listing.pk}",
            )
        return listing

    listing, _created = create_once(Listing, submission_key, create)
    return listing


EDITABLE_FIELDS = ["kind", "category", "neighbourhood", "title", "text", "availability", "ongoing"]


def _apply(listing: Listing, data: dict) -> list[str]:
    changed = [name for name in EDITABLE_FIELDS if name in data and getattr(listing, name) != data[name]]
    for name in changed:
        setattr(listing, name, data[name])
    return changed


def _dates_after_edit(listing: Listing, now) -> list[str]:
    """Keep expiry consistent when an edit turns a listing ongoing, or back to dated."""
    if listing.ongoing and listing.expires_at is not None:
        listing.expires_at = None
        return ["expires_at"]
    if not listing.ongoing and listing.expires_at is None and listing.status == ListingStatus.PUBLISHED:
        listing.expires_at = now + datetime.timedelta(days=LISTING_DAYS)
        return ["expires_at"]
    return []


@transaction.atomic
def listing_update(*, listing: Listing, data: dict, actor, request: HttpRequest | None = None) -> list[str]:
    """The author changes their listing; a published one is read again by a moderator.

    Returns the names of the fields that changed.
    """
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status not in (ListingStatus.PENDING, ListingStatus.PUBLISHED):
        raise TransitionError("only a pending or published listing can be edited")
    if is_suspended(listing.posted_by):
        raise BoardError(_("Votre participation au tableau d'entraide est suspendue."))
    changed = _apply(listing, data)
    if not changed:
        return []
    now = timezone.now()
    fields = [*changed]
    listing.full_clean()
    # The team follows the neighbourhood, and is settled before deciding whether the listing
    # stays up: a listing that moves to another team always waits for that team's moderators.
    from_team = listing.team_id
    moved = _follow_neighbourhood(listing)
    if moved:
        fields.append("team")
    if listing.status == ListingStatus.PUBLISHED:
        at_once = not moved and _publishes_at_once(listing, actor)[0]
        if at_once:
            listing.reviewed_at = None
            fields.append("reviewed_at")
        else:
            listing.status = ListingStatus.PENDING
            fields.append("status")
    listing.moderation_notice = ""
    fields += ["moderation_notice", *_dates_after_edit(listing, now)]
    listing.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="mutualaid.listing.updated",
        obj=listing,
        person=listing.posted_by,
        request=request,
        details={"fields": changed, "status": listing.status, **({"from_team": from_team} if moved else {})},
    )
    return changed


def _follow_neighbourhood(listing: Listing) -> bool:
    """Give the listing the team of its (new) neighbourhood; its reports go with it, so that
    only the team now in charge reads them. Returns whether the team changed."""
    team_id = listing.neighbourhood.team_id
    if listing.team_id == team_id:
        return False
    listing.team_id = team_id
    Report.objects.filter(listing=listing).update(team_id=team_id)
    return True


MODERATION_ACTIONS = {
    # action: (model method, decision, message to the author, reason required)
    "approve": ("publish", DecisionAction.APPROVE, "mutualaid_listing_published", False),
    "review": ("mark_reviewed", DecisionAction.REVIEW, "", False),
    "reject": ("reject", DecisionAction.REJECT, "mutualaid_listing_rejected", True),
    "hide": ("hide", DecisionAction.HIDE, "mutualaid_listing_hidden", True),
    "restore": ("restore", DecisionAction.RESTORE, "mutualaid_listing_restored", False),
}


@transaction.atomic
def listing_moderate(
    *, listing: Listing, action: str, reason: str, actor, report: Report | None = None, request=None
) -> ModerationDecision:
    """A moderator publishes, keeps, refuses, hides or restores a listing, and tells the author why."""
    method, decision_action, template, needs_reason = MODERATION_ACTIONS[action]
    reason = reason.strip()
    if needs_reason and not reason:
        raise ValidationError({"reason": _("Expliquez votre décision : l'auteur de l'annonce la recevra.")})
    listing = Listing.objects.select_for_update(of=("self",)).select_related("posted_by").get(pk=listing.pk)
    now = timezone.now()
    if method == "publish":
        listing.publish(now=now, reviewed_by=actor)
    else:
        getattr(listing, method)(now=now, by=actor)
    listing.save(
        update_fields=["status", "published_at", "expires_at", "reminder_sent_at", "reviewed_at", "reviewed_by"]
    )
    decision = _decide(
        listing=listing, person=listing.posted_by, action=decision_action, reason=reason, actor=actor, report=report
    )
    if action == "hide":
        _close_reports(listing.reports.filter(message__isnull=True), ReportStatus.ACTED, actor, now)
    audit_log(
        actor=actor,
        action=f"mutualaid.listing.{action}",
        obj=listing,
        person=listing.posted_by,
        reason=reason,
        request=request,
        details={"status": listing.status, "report": report.pk if report else None},
    )
    if template:
        notify(
            person=listing.posted_by,
            template=template,
            context=_listing_context(listing, reason=reason, expires_on=date_label(listing.expires_at)),
            related=listing,
            actor=actor,
            dedupe_key=f"mutualaid-decision-{decision.pk}",
        )
    return decision


@transaction.atomic
def listing_edit_by_moderator(
    *, listing: Listing, data: dict, notice: str, actor, request: HttpRequest | None = None
) -> list[str]:
    """A moderator corrects a listing; a notice says so on the listing and the author is told."""
    notice = notice.strip()
    if not notice:
        raise ValidationError({"notice": _("Écrivez l'avis qui sera affiché sur l'annonce et envoyé à son auteur.")})
    listing = Listing.objects.select_for_update(of=("self",)).select_related("posted_by").get(pk=listing.pk)
    changed = _apply(listing, data)
    if listing.neighbourhood.team_id not in (listing.team_id, *team_ids(actor, Role.MODERATOR)):
        # It would stay published in a team whose moderators never read it.
        raise ValidationError(
            {
                "neighbourhood": _(
                    "Ce quartier dépend d'une autre équipe d'entraide : vous ne pouvez pas y déplacer l'annonce."
                )
            }
        )
    listing.moderation_notice = notice
    listing.full_clean()
    fields = [*changed, "moderation_notice", *_dates_after_edit(listing, timezone.now())]
    if _follow_neighbourhood(listing):
        fields.append("team")
    listing.save(update_fields=fields)
    decision = _decide(
        listing=listing, person=listing.posted_by, action=DecisionAction.EDIT, reason=notice, actor=actor
    )
    audit_log(
        actor=actor,
        action="mutualaid.listing.edited",
        obj=listing,
        person=listing.posted_by,
        reason=notice,
        request=request,
        details={"fields": changed},
    )
    notify(
        person=listing.posted_by,
        template="mutualaid_listing_edited",
        context=_listing_context(listing, reason=notice),
        related=listing,
        actor=actor,
        dedupe_key=f"mutualaid-decision-{decision.pk}",
    )
    return changed


@transaction.atomic
def listing_renew(
    *, listing: Listing, actor=None, request: HttpRequest | None = None, via: str = "", for_expiry=_ANY_EXPIRY
) -> Listing:
    """Keep a listing up for 30 more days from now (one click, from the page or the reminder).

    `for_expiry`: from a renewal link, the expiry it was sent for; the link then works once.
    """
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    refusal = renew_refusal(listing, for_expiry=for_expiry)
    if refusal:
        raise BoardError(refusal)
    listing.renew(now=timezone.now())
    listing.save(update_fields=["status", "expires_at", "reminder_sent_at"])
    audit_log(
        actor=actor,
        action="mutualaid.listing.renewed",
        obj=listing,
        person=listing.posted_by,
        request=request,
        details={"via": via, "expires_at": listing.expires_at.isoformat()},
    )
    return listing


@transaction.atomic
def listing_close(
    *,
    listing: Listing,
    outcome: str,
    actor,
    thanks_to: Conversation | None = None,
    thanks_text: str = "",
    request: HttpRequest | None = None,
) -> Listing:
    """The author ends their listing with a private outcome, and may thank the neighbour who helped."""
    listing = Listing.objects.select_for_update(of=("self",)).select_related("posted_by").get(pk=listing.pk)
    listing.close(now=timezone.now(), outcome=outcome)
    listing.save(update_fields=["status", "closed_at", "outcome"])
    audit_log(
        actor=actor,
        action="mutualaid.listing.closed",
        obj=listing,
        person=listing.posted_by,
        request=request,
        details={"outcome": outcome},
    )
    if thanks_to is not None and thanks_text.strip():
        try:
            thanks_send(
                conversation=thanks_to, sender=listing.posted_by, text=thanks_text, actor=actor, request=request
            )
        except ValidationError as error:
            # The note is the close form's "thanks_text" field (its own model calls it "text").
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {("thanks_text" if name == "text" else name): errors for name, errors in error.error_dict.items()}
            ) from error
    return listing


def listings_send_reminders(*, now=None, dry_run: bool = False) -> int:
    """Remind authors of listings that expire within REMINDER_DAYS (once per expiry date)."""
    now = now or timezone.now()
    due = Listing.objects.filter(
        status=ListingStatus.PUBLISHED,
        ongoing=False,
        reminder_sent_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + datetime.timedelta(days=REMINDER_DAYS),
    )
    ids = list(due.values_list("pk", flat=True))
    if dry_run:
        return len(ids)
    sent = 0
    for pk in ids:
        with transaction.atomic():
            listing = due.select_for_update(of=("self",)).select_related("posted_by").filter(pk=pk).first()
            if listing is None:
                continue  # renewed or closed meanwhile
            listing.reminder_sent_at = now
            listing.save(update_fields=["reminder_sent_at"])
            notify(
                person=listing.posted_by,
                template="mutualaid_expiry_reminder",
                context=_listing_context(
                    listing, expires_on=date_label(listing.expires_at), renew_url=renew_url(listing)
                ),
                related=listing,
                dedupe_key=f"mutualaid-reminder-{listing.pk}-{listing.expires_at:%Y%m%d%H%M}",
            )
            audit_log(actor=None, action="mutualaid.listing.reminded", obj=listing, person=listing.posted_by)
            sent += 1
    return sent


def listings_expire(*, now=None, dry_run: bool = False) -> int:
    """Take down listings past their expiry date and tell their authors how to renew."""
    now = now or timezone.now()
    due = Listing.objects.filter(status=ListingStatus.PUBLISHED, expires_at__lte=now)
    ids = list(due.values_list("pk", flat=True))
    if dry_run:
        return len(ids)
    expired = 0
    for pk in ids:
        with transaction.atomic():
            listing = due.select_for_update(of=("self",)).select_related("posted_by").filter(pk=pk).first()
            if listing is None:
                continue
            listing.expire(now=now)
            listing.save(update_fields=["status"])
            notify(
                person=listing.posted_by,
                template="mutualaid_listing_expired",
                context=_listing_context(listing, renew_url=renew_url(listing)),
                related=listing,
                dedupe_key=f"mutualaid-expired-{listing.pk}-{listing.expires_at:%Y%m%d%H%M}",
            )
            audit_log(actor=None, action="mutualaid.listing.expired", obj=listing, person=listing.posted_by)
            expired += 1
    return expired


# ---------------------------------------------------------------- conversations


def _check_can_write(conversation: Conversation, sender: Person) -> None:
    if not conversation.is_party(sender):
        raise BoardError(_("Vous ne faites pas partie de cette conversation."))
    if is_suspended(sender):
        raise BoardError(_("Votre participation au tableau d'entraide est suspendue : vous ne pouvez pas écrire."))
    if conversation.listing.status in (ListingStatus.HIDDEN, ListingStatus.REJECTED):
        raise BoardError(_("Cette annonce a été retirée par la modération : la conversation est fermée."))
    if blocked_between(sender, conversation.other(sender)):
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
                action="mutualaid.conversation.started",
                obj=conversation,
                person=responder,
                request=request,
                details={"listing": locked.pk, "by_staff": _staff(actor)},
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
        entered_by=actor if _staff(actor) and actor.pk != sender.user_id else None,
        submission_key=submission_key,
        created_at=now,
        needs_relay=not is_online(recipient),
    )
    message.full_clean()
    message.save()
    conversation.last_message_at = now
    setattr(conversation, f"{side}_read_at", now)
    conversation.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="mutualaid.message.sent",
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
                "conversation_url": _url("mutualaid:conversation", conversation.pk),
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


def relay_channel(person: Person) -> str:
    """The channel a relayed message would take ("phone" means nothing but a call reaches them)."""
    return channels.choose(person)[0]


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
        action="mutualaid.messages.relayed",
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
        action="mutualaid.contacts.agreed",
        obj=conversation,
        person=person,
        request=request,
        details={"by_staff": _staff(actor) and actor.pk != person.user_id},
    )
    if conversation.contacts_shared:
        for party in (conversation.listing.posted_by, conversation.responder):
            notify(
                person=party,
                template="mutualaid_contacts_shared",
                context={
                    "other_name": public_name(conversation.other(party)),
                    "listing_title": conversation.listing.title,
                    "conversation_url": _url("mutualaid:conversation", conversation.pk) if is_online(party) else "",
                },
                related=conversation,
                actor=actor,
                dedupe_key=f"mutualaid-shared-{conversation.pk}-{party.pk}",
            )
    return conversation.contacts_shared


# ---------------------------------------------------------------- blocks, thanks


@transaction.atomic
def block_create(*, blocker: Person, blocked: Person, actor, request: HttpRequest | None = None) -> Block:
    if blocker.pk == blocked.pk:
        raise BoardError(_("Vous ne pouvez pas vous bloquer vous-même."))
    block, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    if created:
        audit_log(
            actor=actor,
            action="mutualaid.block.created",
            obj=block,
            person=blocker,
            request=request,
            details={"blocked": blocked.pk},
        )
    return block


@transaction.atomic
def block_remove(*, block: Block, actor, request: HttpRequest | None = None) -> None:
    audit_log(
        actor=actor,
        action="mutualaid.block.removed",
        obj=block,
        person=block.blocker,
        request=request,
        details={"blocked": block.blocked_id},
    )
    block.delete()


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
    audit_log(actor=actor, action="mutualaid.thanks.sent", obj=thanks, person=sender, request=request)
    notify(
        person=recipient,
        template="mutualaid_thanks_received",
        context={
            "sender_name": public_name(sender),
            "listing_title": conversation.listing.title,
            "text": thanks.text,
            "account_url": _url("mutualaid:my_board") if is_online(recipient) else "",
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
        action="mutualaid.thanks.shown" if shown else "mutualaid.thanks.unshown",
        obj=thanks,
        person=thanks.recipient,
        request=request,
    )


# ---------------------------------------------------------------- reports


@transaction.atomic
def report_create(
    *,
    listing: Listing,
    reason: str,
    details: str,
    reporter: Person | None,
    actor,
    message: ConversationMessage | None = None,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Report:
    """A private report to the moderators; the reported person is not told who reported."""

    def create() -> Report:
        if reporter is not None:
            already = Report.objects.filter(
                reporter=reporter, listing=listing, message=message, status=ReportStatus.OPEN
            ).first()
            if already:
                return already
        report = Report(
            team_id=listing.team_id,
            listing=listing,
            message=message,
            reporter=reporter,
            reason=reason,
            details=details.strip(),
            recorded_by=actor if _staff(actor) else None,
            submission_key=submission_key,
        )
        report.full_clean()
        report.save()
        audit_log(
            actor=actor,
            action="mutualaid.report.created",
            obj=report,
            person=report.reported_person,
            request=request,
            details={"reason": reason, "listing": listing.pk, "message": message.pk if message else None},
        )
        return report

    report, _created = create_once(Report, submission_key, create)
    return report


def _close_reports(reports, status: str, actor, now) -> list[Report]:
    """Mark open reports decided; returns them (to thank their reporters)."""
    open_reports = list(reports.filter(status=ReportStatus.OPEN).select_related("reporter", "listing"))
    if open_reports:
        Report.objects.filter(pk__in=[r.pk for r in open_reports]).update(
            status=status, decided_at=now, decided_by=actor
        )
    for report in open_reports:
        if report.reporter is not None:
            notify(
                person=report.reporter,
                template="mutualaid_report_handled",
                context={"listing_title": report.listing.title, "acted": status == ReportStatus.ACTED},
                related=report,
                actor=actor,
                dedupe_key=f"mutualaid-report-{report.pk}",
            )
    return open_reports


@transaction.atomic
def report_decide(*, report: Report, decision: str, reason: str, actor, request: HttpRequest | None = None) -> None:
    """Act on a report: hide what was reported (explained to its author), or dismiss it."""
    # Lock the report row only: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("listing", "message__sender").get(pk=report.pk)
    )
    if report.status != ReportStatus.OPEN:
        raise TransitionError("this report was already decided")
    now = timezone.now()
    reason = reason.strip()
    if decision == "dismiss":
        _decide(
            listing=report.listing,
            person=report.reported_person,
            action=DecisionAction.DISMISS,
            reason=reason,
            actor=actor,
            report=report,
        )
        same = Report.objects.filter(listing=report.listing, message=report.message)
        _close_reports(same, ReportStatus.DISMISSED, actor, now)
    elif decision == "hide" and report.message_id:
        if not reason:
            raise ValidationError({"reason": _("Expliquez votre décision : l'auteur du message la recevra.")})
        message = report.message
        ConversationMessage.objects.filter(pk=message.pk).update(hidden_at=now)
        decision_row = _decide(
            listing=report.listing,
            person=message.sender,
            action=DecisionAction.HIDE_MESSAGE,
            reason=reason,
            actor=actor,
            report=report,
        )
        _close_reports(Report.objects.filter(message=message), ReportStatus.ACTED, actor, now)
        notify(
            person=message.sender,
            template="mutualaid_message_hidden",
            context={"listing_title": report.listing.title, "reason": reason},
            related=message,
            actor=actor,
            dedupe_key=f"mutualaid-decision-{decision_row.pk}",
        )
    elif decision == "hide":
        if report.listing.status in (ListingStatus.HIDDEN, ListingStatus.REJECTED):
            _close_reports(Report.objects.filter(listing=report.listing, message=None), ReportStatus.ACTED, actor, now)
        else:
            listing_moderate(listing=report.listing, action="hide", reason=reason, actor=actor, report=report)
    else:
        raise ValueError(f"unknown decision {decision!r}")
    audit_log(
        actor=actor,
        action=f"mutualaid.report.{decision}",
        obj=report,
        person=report.reported_person,
        reason=reason,
        request=request,
    )


# ---------------------------------------------------------------- residents: suspension, badges


@transaction.atomic
def person_suspend(
    *, person: Person, team, reason: str, ends_at=None, actor, request: HttpRequest | None = None
) -> Suspension:
    """Stop a resident from posting and writing; their listings leave the board meanwhile.

    `team`: the moderation team deciding it. The effect is board-wide (see Suspension); the
    reason is kept with the team.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Expliquez la suspension : la personne la recevra.")})
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError({"ends_on": _("Choisissez une date de fin dans le futur, ou laissez vide.")})
    current = Suspension.objects.active().filter(person=person).first()
    if current:
        return current
    suspension = Suspension.objects.create(person=person, team=team, reason=reason, ends_at=ends_at, created_by=actor)
    _decide(team=team, person=person, action=DecisionAction.SUSPEND, reason=reason, actor=actor)
    audit_log(
        actor=actor, action="mutualaid.person.suspended", obj=suspension, person=person, reason=reason, request=request
    )
    notify(
        person=person,
        template="mutualaid_suspended",
        context={"reason": reason, "ends_on": date_label(ends_at)},
        related=suspension,
        actor=actor,
        dedupe_key=f"mutualaid-suspended-{suspension.pk}",
    )
    return suspension


@transaction.atomic
def person_unsuspend(*, person: Person, team, actor, reason: str = "", request: HttpRequest | None = None) -> int:
    """Lift the suspension `team` decided (another team's is theirs to lift). Returns how many were lifted."""
    now = timezone.now()
    lifted = (
        Suspension.objects.active(now)
        .filter(person=person)
        .filter(Q(team=team) | Q(team__isnull=True))
        .update(lifted_at=now, lifted_by=actor)
    )
    if lifted:
        _decide(team=team, person=person, action=DecisionAction.UNSUSPEND, reason=reason, actor=actor)
        audit_log(actor=actor, action="mutualaid.person.unsuspended", obj=person, request=request, reason=reason)
        _board_changed()  # an update() sends no signal: their listings are back on the board
    return lifted


@transaction.atomic
def badge_give(*, person: Person, team, actor, request: HttpRequest | None = None) -> Badge:
    """Staff met the resident (at the town hall): a mark of trust, never a score."""
    badge = Badge.objects.filter(person=person, kind=BadgeKind.MET, revoked_at__isnull=True).first()
    if badge:
        return badge
    badge = Badge.objects.create(person=person, kind=BadgeKind.MET, given_by=actor)
    _decide(team=team, person=person, action=DecisionAction.BADGE, actor=actor)
    audit_log(actor=actor, action="mutualaid.badge.given", obj=badge, person=person, request=request)
    return badge


@transaction.atomic
def badge_revoke(*, person: Person, team, actor, request: HttpRequest | None = None) -> int:
    revoked = Badge.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        _decide(team=team, person=person, action=DecisionAction.BADGE_REVOKE, actor=actor)
        audit_log(actor=actor, action="mutualaid.badge.revoked", obj=person, request=request)
        _board_changed()  # an update() sends no signal: the badge leaves their listings at once
    return revoked


# ---------------------------------------------------------------- staff reading and sending lists


def staff_viewed(
    *, actor, action: str, obj=None, person=None, people=(), request: HttpRequest | None = None, **details
) -> None:
    """Journal entry for a staff member looking at residents' board data (`people`: the
    other residents the page names)."""
    audit_log(
        actor=actor,
        action=f"mutualaid.{action}",
        obj=obj,
        person=person,
        people=people,
        request=request,
        details=details,
    )


def listings_text(listings) -> str:
    lines = []
    for listing in listings:
        lines.append(
            f"N° {listing.pk} – {listing.get_kind_display()} – {listing.get_category_display()} "
            f"({listing.neighbourhood.name}) : {listing.title}\n{listing.text}"
            + (f"\n{_('Disponibilités')} : {listing.availability}" if listing.availability else "")
        )
    return "\n\n".join(lines)


@transaction.atomic
def listings_send_by_letter(*, person: Person, listings, actor, request: HttpRequest | None = None):
    """Post a resident without internet a list of listings that match what they look for."""
    listings = list(listings)
    if not listings:
        raise BoardError(_("Aucune annonce à envoyer."))
    message = notify(
        person=person,
        template="mutualaid_listings_letter",
        context={"listings_text": listings_text(listings)},
        # About no single listing: the board's team, so that its moderators may read it.
        related=listings[0].team,
        actor=actor,
        channel=ContactChannel.LETTER,
    )
    audit_log(
        actor=actor,
        action="mutualaid.listings.sent_by_letter",
        person=person,
        request=request,
        details={"listings": [listing.pk for listing in listings], "message": message.pk},
    )
    return message


# ---------------------------------------------------------------- settings


@transaction.atomic
def board_settings_save(
    *, team, publish_first_for_met: bool, actor, request: HttpRequest | None = None
) -> BoardSettings:
    row = BoardSettings.objects.select_for_update().get_or_create(team=team)[0]
    if row.publish_first_for_met != publish_first_for_met:
        row.publish_first_for_met = publish_first_for_met
        row.updated_by = actor
        row.save(update_fields=["publish_first_for_met", "updated_by", "updated_at"])
        audit_log(
            actor=actor,
            action="mutualaid.settings.changed",
            obj=row,
            request=request,
            details={"publish_first_for_met": publish_first_for_met},
        )
    return row


@transaction.atomic
def neighbourhood_save(*, form, actor, request: HttpRequest | None = None) -> Neighbourhood:
    created = form.instance.pk is None
    neighbourhood = form.save()
    audit_log(
        actor=actor,
        action="mutualaid.neighbourhood.created" if created else "mutualaid.neighbourhood.updated",
        obj=neighbourhood,
        request=request,
        details={"name": neighbourhood.name},
    )
    return neighbourhood


__all__ = ["BoardError", "TransitionError"]
