"""Listings: posting, editing, renewing and closing them, reminding authors, taking them down
when they expire, posting a list of them to a resident without internet."""

from __future__ import annotations

import datetime
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
from relais.core.models import ContactChannel, Person, refuse_erased
from relais.mutualaid import selectors
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    REMINDER_DAYS,
    BoardError,
    Conversation,
    DecisionAction,
    Listing,
    ListingStatus,
    Neighbourhood,
    TransitionError,
)
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import links as link_services
from relais.mutualaid.services._common import (
    apply_edit,
    by_staff,
    date_label,
    dates_after_edit,
    decide,
    follow_neighbourhood,
    listing_context,
)
from relais.notifications.services import notify


def _publishes_at_once(listing: Listing, actor) -> tuple[bool, bool]:
    """(published now, already reviewed) for a new or edited listing.

    A moderator of the listing's team posting for a resident reviews it as they type it.
    In "publish then moderate" mode, residents already met by staff go up at once and
    are read afterwards. Everyone else waits for a moderator.
    """
    if actor is not None and listing.team_id in team_ids(actor, Role.MODERATOR):
        return True, True
    if selectors.board_settings_for(listing.team).publish_first_for_met and selectors.has_met_badge(listing.posted_by):
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
        if selectors.is_suspended(person):
            raise BoardError(_("Votre participation au tableau d'entraide est suspendue : vous ne pouvez pas publier."))
        neighbourhood: Neighbourhood = data["neighbourhood"]
        now = timezone.now()
        listing = Listing(
            **data,
            team=neighbourhood.team,
            posted_by=person,
            posted_via=channel,
            recorded_by=actor if by_staff(actor) else None,
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
            action=Action.LISTING_CREATED,
            obj=listing,
            person=person,
            request=request,
            details={"channel": channel, "status": listing.status, "by_staff": by_staff(actor)},
        )
        if reviewed:
            decide(listing=listing, person=person, action=DecisionAction.APPROVE, actor=actor)
        if listing.status == ListingStatus.PUBLISHED:
            notify(
                person=person,
                template="mutualaid_listing_published",
                context=listing_context(listing, expires_on=date_label(listing.expires_at)),
                related=listing,
                actor=actor,
                dedupe_key=f"mutualaid-published-{listing.pk}",
            )
        else:
            notify(
                person=person,
                template="mutualaid_listing_received",
                context=listing_context(listing),
                related=listing,
                actor=actor,
                dedupe_key=f"mutualaid-received-{listing.pk}",
            )
        return listing

    listing, _created = create_once(Listing, submission_key, create)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, data: dict, actor, request: HttpRequest | None = None) -> list[str]:
    """The author changes their listing; a published one is read again by a moderator.

    Returns the names of the fields that changed.
    """
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status not in (ListingStatus.PENDING, ListingStatus.PUBLISHED):
        raise TransitionError("only a pending or published listing can be edited")
    if selectors.is_suspended(listing.posted_by):
        raise BoardError(_("Votre participation au tableau d'entraide est suspendue."))
    changed = apply_edit(listing, data)
    if not changed:
        return []
    now = timezone.now()
    fields = [*changed]
    listing.full_clean()
    # The team follows the neighbourhood, and is settled before deciding whether the listing
    # stays up: a listing that moves to another team always waits for that team's moderators.
    from_team = listing.team_id
    moved = follow_neighbourhood(listing)
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
    fields += ["moderation_notice", *dates_after_edit(listing, now)]
    listing.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=Action.LISTING_UPDATED,
        obj=listing,
        person=listing.posted_by,
        request=request,
        details={"fields": changed, "status": listing.status, **({"from_team": from_team} if moved else {})},
    )
    return changed


@transaction.atomic
def listing_renew(
    *, listing: Listing, actor=None, request: HttpRequest | None = None, via: str = "", for_expiry=selectors.ANY_EXPIRY
) -> Listing:
    """Keep a listing up for 30 more days from now (one click, from the page or the reminder).

    `for_expiry`: from a renewal link, the expiry it was sent for; the link then works once.
    """
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    refusal = selectors.renew_refusal(listing, for_expiry=for_expiry)
    if refusal:
        raise BoardError(refusal)
    listing.renew(now=timezone.now())
    listing.save(update_fields=["status", "expires_at", "reminder_sent_at"])
    audit_log(
        actor=actor,
        action=Action.LISTING_RENEWED,
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
        action=Action.LISTING_CLOSED,
        obj=listing,
        person=listing.posted_by,
        request=request,
        details={"outcome": outcome},
    )
    if thanks_to is not None and thanks_text.strip():
        try:
            conversation_services.thanks_send(
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
                context=listing_context(
                    listing, expires_on=date_label(listing.expires_at), renew_url=link_services.renew_url(listing)
                ),
                related=listing,
                dedupe_key=f"mutualaid-reminder-{listing.pk}-{listing.expires_at:%Y%m%d%H%M}",
            )
            audit_log(actor=None, action=Action.LISTING_REMINDED, obj=listing, person=listing.posted_by)
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
                context=listing_context(listing, renew_url=link_services.renew_url(listing)),
                related=listing,
                dedupe_key=f"mutualaid-expired-{listing.pk}-{listing.expires_at:%Y%m%d%H%M}",
            )
            audit_log(actor=None, action=Action.LISTING_EXPIRED, obj=listing, person=listing.posted_by)
            expired += 1
    return expired


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
        action=Action.LISTING_SENT_BY_LETTER,
        person=person,
        request=request,
        details={"listings": [listing.pk for listing in listings], "message": message.pk},
    )
    return message
