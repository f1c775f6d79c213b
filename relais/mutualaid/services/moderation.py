"""Moderation: decisions on listings, reports, suspensions, the "met" badge, blocks between
residents, and the journal entry of a staff member reading residents' board data."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.accounts.models import Role
from relais.accounts.permissions import team_ids
from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.core.models import Person
from relais.core.pagecache import public_pages_changed
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    Badge,
    BadgeKind,
    Block,
    BoardError,
    ConversationMessage,
    DecisionAction,
    Listing,
    ListingStatus,
    ModerationDecision,
    Report,
    ReportStatus,
    Suspension,
    TransitionError,
)
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


def _board_changed() -> None:
    """Forget the cached public pages once the change is committed."""
    public_pages_changed()


MODERATION_ACTIONS = {
    # action: (model method, decision, message to the author, reason required, journal action)
    "approve": ("publish", DecisionAction.APPROVE, "mutualaid_listing_published", False, Action.LISTING_APPROVED),
    "review": ("mark_reviewed", DecisionAction.REVIEW, "", False, Action.LISTING_REVIEWED),
    "reject": ("reject", DecisionAction.REJECT, "mutualaid_listing_rejected", True, Action.LISTING_REJECTED),
    "hide": ("hide", DecisionAction.HIDE, "mutualaid_listing_hidden", True, Action.LISTING_HIDDEN),
    "restore": ("restore", DecisionAction.RESTORE, "mutualaid_listing_restored", False, Action.LISTING_RESTORED),
}


@transaction.atomic
def listing_moderate(
    *, listing: Listing, action: str, reason: str, actor, report: Report | None = None, request=None
) -> ModerationDecision:
    """A moderator publishes, keeps, refuses, hides or restores a listing, and tells the author why."""
    method, decision_action, template, needs_reason, journal_action = MODERATION_ACTIONS[action]
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
    decision = decide(
        listing=listing, person=listing.posted_by, action=decision_action, reason=reason, actor=actor, report=report
    )
    if action == "hide":
        _close_reports(listing.reports.filter(message__isnull=True), ReportStatus.ACTED, actor, now)
    audit_log(
        actor=actor,
        action=journal_action,
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
            context=listing_context(listing, reason=reason, expires_on=date_label(listing.expires_at)),
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
    changed = apply_edit(listing, data)
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
    fields = [*changed, "moderation_notice", *dates_after_edit(listing, timezone.now())]
    if follow_neighbourhood(listing):
        fields.append("team")
    listing.save(update_fields=fields)
    decision = decide(listing=listing, person=listing.posted_by, action=DecisionAction.EDIT, reason=notice, actor=actor)
    audit_log(
        actor=actor,
        action=Action.LISTING_EDITED,
        obj=listing,
        person=listing.posted_by,
        reason=notice,
        request=request,
        details={"fields": changed},
    )
    notify(
        person=listing.posted_by,
        template="mutualaid_listing_edited",
        context=listing_context(listing, reason=notice),
        related=listing,
        actor=actor,
        dedupe_key=f"mutualaid-decision-{decision.pk}",
    )
    return changed


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
            recorded_by=actor if by_staff(actor) else None,
            submission_key=submission_key,
        )
        report.full_clean()
        report.save()
        audit_log(
            actor=actor,
            action=Action.REPORT_CREATED,
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
        journal_action = Action.REPORT_DISMISSED
        decide(
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
        journal_action = Action.REPORT_ACTED
        if not reason:
            raise ValidationError({"reason": _("Expliquez votre décision : l'auteur du message la recevra.")})
        message = report.message
        ConversationMessage.objects.filter(pk=message.pk).update(hidden_at=now)
        decision_row = decide(
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
        journal_action = Action.REPORT_ACTED
        if report.listing.status in (ListingStatus.HIDDEN, ListingStatus.REJECTED):
            _close_reports(Report.objects.filter(listing=report.listing, message=None), ReportStatus.ACTED, actor, now)
        else:
            listing_moderate(listing=report.listing, action="hide", reason=reason, actor=actor, report=report)
    else:
        raise ValueError(f"unknown decision {decision!r}")
    audit_log(
        actor=actor,
        action=journal_action,
        obj=report,
        person=report.reported_person,
        reason=reason,
        request=request,
    )


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
    decide(team=team, person=person, action=DecisionAction.SUSPEND, reason=reason, actor=actor)
    audit_log(
        actor=actor, action=Action.PERSON_SUSPENDED, obj=suspension, person=person, reason=reason, request=request
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
        decide(team=team, person=person, action=DecisionAction.UNSUSPEND, reason=reason, actor=actor)
        audit_log(actor=actor, action=Action.PERSON_UNSUSPENDED, obj=person, request=request, reason=reason)
        _board_changed()  # an update() sends no signal: their listings are back on the board
    return lifted


@transaction.atomic
def badge_give(*, person: Person, team, actor, request: HttpRequest | None = None) -> Badge:
    """Staff met the resident (at the town hall): a mark of trust, never a score."""
    badge = Badge.objects.filter(person=person, kind=BadgeKind.MET, revoked_at__isnull=True).first()
    if badge:
        return badge
    badge = Badge.objects.create(person=person, kind=BadgeKind.MET, given_by=actor)
    decide(team=team, person=person, action=DecisionAction.BADGE, actor=actor)
    audit_log(actor=actor, action=Action.BADGE_GIVEN, obj=badge, person=person, request=request)
    return badge


@transaction.atomic
def badge_revoke(*, person: Person, team, actor, request: HttpRequest | None = None) -> int:
    revoked = Badge.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        decide(team=team, person=person, action=DecisionAction.BADGE_REVOKE, actor=actor)
        audit_log(actor=actor, action=Action.BADGE_REVOKED, obj=person, request=request)
        _board_changed()  # an update() sends no signal: the badge leaves their listings at once
    return revoked


@transaction.atomic
def block_create(*, blocker: Person, blocked: Person, actor, request: HttpRequest | None = None) -> Block:
    if blocker.pk == blocked.pk:
        raise BoardError(_("Vous ne pouvez pas vous bloquer vous-même."))
    block, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    if created:
        audit_log(
            actor=actor,
            action=Action.BLOCK_CREATED,
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
        action=Action.BLOCK_REMOVED,
        obj=block,
        person=block.blocker,
        request=request,
        details={"blocked": block.blocked_id},
    )
    block.delete()


def staff_viewed(
    *, actor, action: Action, obj=None, person=None, people=(), request: HttpRequest | None = None, **details
) -> None:
    """Journal entry for a staff member looking at residents' board data (`people`: the
    other residents the page names)."""
    audit_log(
        actor=actor,
        action=action,
        obj=obj,
        person=person,
        people=people,
        request=request,
        details=details,
    )
