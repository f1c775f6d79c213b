"""Writes about street reports: an agent of the form's team publishes a report (with the
public words they reviewed) or withdraws it, links a case to the first report of the same
problem, and the town sets its plan; a neighbour says "moi aussi" (counted, no case made)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.cases import street_selectors, street_svg
from relais.cases.journal import Action
from relais.cases.models import OPEN_STATUSES, MeToo, Status, StreetReport, TownPlan
from relais.cases.selectors import worker_team_ids
from relais.cases.services import case_add_note, case_change_status
from relais.core import ratelimit
from relais.core.audit import audit_log
from relais.core.http import OutOfReach
from relais.core.pagecache import public_pages_changed


def _worker_case(case, actor):
    """The case locked, if `actor` works for its team (else OutOfReach)."""
    from relais.cases.models import Case

    locked = Case.objects.select_for_update(of=("self",)).select_related("form", "person").get(pk=case.pk)
    if locked.team_id not in worker_team_ids(actor):
        raise OutOfReach("Only case workers and managers of the case's team moderate its public report.")
    return locked


def report_default_title(case) -> str:
    """A title made of the form and the answers the resident chose from a list (never their
    free text), for the agent to review."""
    chosen = [a.get("display") or "" for a in case.answers if a.get("kind") == "choice" and a.get("value")]
    return (chosen[0] if chosen else case.form.title)[:120]


@transaction.atomic
def report_publish(
    *,
    case,
    title: str,
    description: str,
    location_text: str,
    actor,
    on_map: bool = True,
    request: HttpRequest | None = None,
) -> StreetReport:
    """Publish a case on the public list and map (its point rounded, or not placed when
    `on_map` is false), with the public words an agent of its team wrote or reviewed. Only a
    case of a form with public reports, and not a duplicate."""
    case = _worker_case(case, actor)
    if not (case.form.asks_location and case.form.public_reports):
        raise ValidationError(
            _("Les signalements de cette démarche ne sont pas publics (réglage de la démarche)."), code="not_public"
        )
    if case.duplicate_of_id:
        raise ValidationError(
            _("Ce signalement est un doublon : publiez plutôt le premier (%(ref)s).")
            % {"ref": case.duplicate_of.reference},
            code="duplicate",
        )
    now = timezone.now()
    report, created = StreetReport.objects.select_for_update().get_or_create(
        case=case, defaults={"title": title, "location_text": location_text}
    )
    report.title, report.description, report.location_text = title.strip(), description.strip(), location_text.strip()
    report.on_map = bool(on_map)
    report.full_clean(exclude=["case"])
    if not report.published:
        report.published_at = now
    report.published = True
    report.moderated_by, report.moderated_at = actor, now
    report.save()
    audit_log(
        actor=actor,
        action=Action.STREET_REPORT_PUBLISHED,
        obj=case,
        person=case.person,
        request=request,
        details={"report": report.pk},
    )
    public_pages_changed()
    return report


@transaction.atomic
def report_unpublish(*, case, actor, request: HttpRequest | None = None) -> StreetReport | None:
    """Take a report off the public list (its "moi aussi" are kept if it comes back)."""
    case = _worker_case(case, actor)
    report = StreetReport.objects.select_for_update().filter(case=case).first()
    if report is None:
        # Never the resident's own words for the place: the agent writes the public one.
        report = StreetReport.objects.create(case=case, title=report_default_title(case), location_text="")
    report.published = False
    report.moderated_by, report.moderated_at = actor, timezone.now()
    report.save(update_fields=["published", "moderated_by", "moderated_at"])
    audit_log(
        actor=actor,
        action=Action.STREET_REPORT_UNPUBLISHED,
        obj=case,
        person=case.person,
        request=request,
        details={"report": report.pk},
    )
    public_pages_changed()
    return report


def close_cases_seen(*, case, actor, request: HttpRequest | None = None) -> list:
    """The close cases of `case` a worker of its teams is shown (their references and the
    places their residents typed), journaled with the people they are about."""
    close = street_selectors.close_cases([case], worker_team_ids(actor)).get(case.pk, [])
    if close:
        audit_log(
            actor=actor,
            action=Action.STREET_CLOSE_CASES_VIEWED,
            obj=case,
            people=[c.person_id for c in close],
            request=request,
            details={"cases": [c.reference for c in close]},
        )
    return close


def _session_digest(session_key: str) -> str:
    key = f"{settings.SECRET_KEY}:me-too".encode()
    return hmac.new(key, session_key.encode(), hashlib.sha256).hexdigest()


class MeTooRefused(ValidationError):
    """Too many "moi aussi" from one connection, or the report is no longer open: nothing counted."""


# One connection may say "moi aussi" on one report this many times a day: a family, or a
# library's shared connection, are several people; a script is not.
ME_TOO_PER_IP_REPORT_DAY = 5


def me_too_add(*, report: StreetReport, session_key: str, request: HttpRequest | None = None) -> bool:
    """Count one "moi aussi" on a published report: once per browser session (a unique row:
    two clicks at once count once), and within the limits of the visitor's connection. No
    case is made and nothing about the visitor is kept. Returns False when this session had
    already said it. Only while the case is open: on a solved or closed report, the problem
    that came back is a new report."""
    if report.case.status not in OPEN_STATUSES:
        raise MeTooRefused(
            _("Ce signalement est clos. Si le problème est revenu, signalez-le à nouveau."), code="closed"
        )
    digest = _session_digest(session_key)
    if MeToo.objects.filter(report=report, digest=digest).exists():
        return False
    address = ratelimit.visitor(request)
    limits = (
        ("cases:metoo", settings.RELAIS["STREET_ME_TOO_PER_IP_HOUR"], 3600),
        (f"cases:metoo:{report.pk}", ME_TOO_PER_IP_REPORT_DAY, 86400),
    )
    for scope, limit, window in limits:
        if not ratelimit.hit(scope, address, limit=limit, window=window):
            raise MeTooRefused(
                _("Trop de « moi aussi » sont partis de cette connexion. Réessayez plus tard."), code="rate_limited"
            )
    try:
        with transaction.atomic():
            MeToo.objects.create(report=report, digest=digest)
    except IntegrityError:  # the same session's other click got there first
        return False
    return True


def me_too_said(*, report: StreetReport, session_key: str | None) -> bool:
    return bool(session_key) and MeToo.objects.filter(report=report, digest=_session_digest(session_key)).exists()


@transaction.atomic
def case_mark_duplicate(*, case, original, actor, request: HttpRequest | None = None):
    """Link `case` to the first report of the same problem (same form, same team): the team
    handles the original; the duplicate is closed with a message to its resident, through
    the usual status change, and withdrawn from the public list."""
    case = _worker_case(case, actor)
    if original.pk == case.pk or original.form_id != case.form_id or original.team_id != case.team_id:
        raise ValidationError({"original": _("Choisissez un signalement de la même démarche.")})
    if original.duplicate_of_id:
        original = original.duplicate_of
    if original.pk == case.pk:
        raise ValidationError({"original": _("Ce signalement est déjà l'original de celui-ci.")})
    type(case).objects.filter(duplicate_of=case).update(duplicate_of=original)  # its own duplicates follow it
    case.duplicate_of = original
    case.save(update_fields=["duplicate_of", "updated_at"])
    StreetReport.objects.filter(case=case, published=True).update(published=False)
    audit_log(
        actor=actor,
        action=Action.CASE_MARKED_DUPLICATE,
        obj=case,
        person=case.person,
        request=request,
        details={"original": original.reference},
    )
    message = _(
        "Ce problème nous avait déjà été signalé (demande %(ref)s) : nous le traitons avec ce premier signalement. "
        "Merci de nous l'avoir dit."
    ) % {"ref": original.reference}
    if case.is_open:
        case_change_status(case=case, status=Status.CLOSED, message=message, actor=actor, request=request)
    else:
        case_add_note(case=case, text=message, actor=actor, request=request)
    public_pages_changed()
    return case


@transaction.atomic
def case_unmark_duplicate(*, case, actor, request: HttpRequest | None = None):
    case = _worker_case(case, actor)
    original = case.duplicate_of
    if original is None:
        return case
    case.duplicate_of = None
    case.save(update_fields=["duplicate_of", "updated_at"])
    audit_log(
        actor=actor,
        action=Action.CASE_UNMARKED_DUPLICATE,
        obj=case,
        person=case.person,
        request=request,
        details={"original": original.reference},
    )
    public_pages_changed()
    return case


PLAN_TYPES = {"image/svg+xml", "image/png", "image/jpeg", "image/webp"}


@transaction.atomic
def town_plan_set(
    *, data: bytes, content_type: str, bounds: tuple[float, float, float, float], actor=None, request=None
) -> TownPlan:
    """The town's plan under the public map, with (west, south, east, north) of its edges."""
    west, south, east, north = bounds
    if content_type not in PLAN_TYPES:
        raise ValidationError(_("Le plan doit être un fichier SVG, PNG, JPEG ou WebP."))
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        raise ValidationError(_("Les bords du plan doivent être ouest < est et sud < nord, en degrés."))
    if content_type == "image/svg+xml":
        data = street_svg.check(data)  # the checked text, stored as UTF-8
    plan = TownPlan(content_type=content_type, west=west, south=south, east=east, north=north)
    plan.file.save("plan", ContentFile(data), save=False)
    plan.save()
    audit_log(actor=actor, action=Action.TOWN_PLAN_SET, obj=plan, request=request, details={"type": content_type})
    public_pages_changed()
    return plan
