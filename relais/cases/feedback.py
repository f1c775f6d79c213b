""" "Cette page vous a-t-elle été utile ?" on fiches and request pages: the rules.

An answer names its page ("fiche:<slug>" of a published fiche, or "form:<slug>" of a
published form, with the draft and the step it came from when there is one). It is stored
once per draft, or, without a draft, once per page, day and visitor digest: an HMAC of
SECRET_KEY over the day, the visitor's address block (relais.core.ratelimit.address_block)
and the page. Answering again replaces the answer (never a second row): no cookie is
needed, and "per page and day from one connection" is the documented approximation of
"one person". The digests and draft keys of past days are blanked every day by the
retention rule "cases.page_feedback_digests", so an answer cannot be tied to an address,
nor to a draft (its request, its person) afterwards; an answer's link works on its day
and the next only (`link_expired`), then is a 404.

Each new Oui/Non replaces the whole answer (reason and comment blanked) and keeps its
link (two clicks at once land on the same page). Two people behind one address (a library,
a family) on the same page and day share one row and one link: so a comment, once saved, is
never shown back to anyone on the public pages.

Comments are stored with phone numbers, e-mail and street addresses and the resident's own
name masked (relais.core.text.mask_personal_data): the signed-in person's names, or the names
typed on the draft's contact page, read for this purpose only. They are erased by the
retention rule "cases.page_feedback_comments".

Answers are anonymous: no person is linked, so they are not written to the audit journal.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.cases.models import Draft, FeedbackReason, Form, PageFeedback
from relais.core import ratelimit
from relais.core.models import Person
from relais.core.text import mask_personal_data
from relais.directory.models import Place, Procedure

COMMENT_MAX_LENGTH = 1000
RATE_SCOPE = "cases:feedback"
# The steps of a request a form-page answer may name (cases.views_public._steps).
_STEP = re.compile(r"^(?:start|question-[1-9]\d{0,2}|location|contact|check)$")
_PAGE = re.compile(r"^(fiche|form):([-a-zA-Z0-9_]{1,100})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


class FeedbackRefused(ValidationError):
    """An answer naming no page, an unknown or unpublished page, a draft of another form."""


class FeedbackLimited(Exception):
    """Too many answers from one connection: this one is ignored, nothing is stored."""


@dataclass(frozen=True)
class Page:
    """The page an answer is about."""

    key: str  # stored: "fiche:<procedure pk>" or "form:<form pk>"
    procedure: Procedure | None = None
    form: Form | None = None
    draft: Draft | None = None
    step: str = ""


def page_resolve(*, page: str, draft_key: str = "", step: str = "", user=None) -> Page:
    """The fiche or form named by `page` ("fiche:<slug>" or "form:<slug>"), with the draft
    `draft_key` of that form when given (a draft of another form, another account's draft or
    a bad key is refused rather than ignored: the form was tampered with)."""
    match = _PAGE.match(page or "")
    if not match:
        raise FeedbackRefused(_("Cette réponse ne dit pas de quelle page elle parle."), code="no_page")
    kind, slug = match.groups()
    if kind == "fiche":
        procedure = Procedure.objects.published().filter(slug=slug).first()
        if procedure is None:
            raise FeedbackRefused(_("Cette page n'existe pas ou n'est plus publiée."), code="unknown_page")
        return Page(key=f"fiche:{procedure.pk}", procedure=procedure)
    form = Form.objects.published().select_related("procedure").filter(slug=slug).first()
    if form is None:
        raise FeedbackRefused(_("Cette page n'existe pas ou n'est plus publiée."), code="unknown_page")
    draft = None
    if draft_key:
        draft = Draft.objects.filter(key=draft_key, form=form).first() if _UUID.match(str(draft_key)) else None
        if draft is None or (draft.user_id and draft.user_id != getattr(user, "pk", None)):
            raise FeedbackRefused(_("Cette demande n'existe pas."), code="unknown_draft")
    procedure = form.procedure if form.procedure_id and form.procedure.published else None
    step = step if _STEP.match(step or "") else ""
    if step.startswith("question-") and int(step.removeprefix("question-")) > form.fields.count():
        step = ""  # no such question: the page named would not exist
    return Page(
        key=f"form:{form.pk}",
        procedure=procedure,
        form=form,
        draft=draft,
        step=step,
    )


def visitor_digest(*, day, address: str, page_key: str) -> str:
    """Who answered, for one day and one page only: a keyed hash, blanked when the day is over."""
    message = f"{day.isoformat()}\0{address}\0{page_key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def within_limit(request: HttpRequest | None, *, scope: str = RATE_SCOPE) -> bool:
    """Count one answer (or one reason, `scope` RATE_SCOPE + ":reasons") from this
    connection; False over the hourly limit (setting RELAIS_CASES_FEEDBACK_PER_IP_HOUR, 30
    by default; 0: no limit). A library's computers share one address: a full answer (Oui
    or Non, then a reason) counts once in each scope."""
    limit = settings.RELAIS.get("CASES_FEEDBACK_PER_IP_HOUR", 30)
    return ratelimit.hit(scope, ratelimit.visitor(request), limit=limit, window=3600)


def feedback_record(*, page: Page, useful: bool, request: HttpRequest | None) -> PageFeedback:
    """Record "Oui" or "Non" for `page`, or replace the answer already given from this draft
    (or this connection, on this page, today). Raises FeedbackLimited over the hourly limit."""
    if not within_limit(request):
        raise FeedbackLimited
    today = timezone.localdate()
    values = {
        "useful": useful,
        "reason": "",
        "comment": "",
        "step": page.step,
        "procedure": page.procedure,
        "form": page.form,
    }
    if page.draft is not None:
        lookup = {"page_key": page.key, "draft_key": page.draft.key}
        values["day"] = today
    else:
        address = ratelimit.visitor(request)
        lookup = {
            "page_key": page.key,
            "day": today,
            "draft_key": None,
            "visitor_digest": visitor_digest(day=today, address=address, page_key=page.key),
        }
    with transaction.atomic():
        updated = PageFeedback.objects.filter(**lookup).update(**values, updated_at=timezone.now())
        if updated:
            return PageFeedback.objects.get(**lookup)
        try:
            with transaction.atomic():
                return PageFeedback.objects.create(**lookup, **values)
        except IntegrityError:  # the same visitor's other click got there first: replace it
            PageFeedback.objects.filter(**lookup).update(**values, updated_at=timezone.now())
            return PageFeedback.objects.get(**lookup)


def names_to_mask(*, user=None, feedback: PageFeedback | None = None) -> list[str]:
    """The resident's own names, when known: the signed-in person's, and those typed on the
    contact page of the draft the answer came from (only read to mask them)."""
    names = []
    if user is not None and user.is_authenticated:
        names.append(user.full_name)
        person = Person.objects.filter(user=user).only("first_name", "last_name").first()
        if person is not None:
            names += [person.first_name, person.last_name]
    if feedback is not None and feedback.draft_key:
        draft = Draft.objects.filter(key=feedback.draft_key).only("data").first()
        contact = ((draft.data or {}).get("contact") or {}) if draft is not None else {}
        if isinstance(contact, dict):
            names += [str(contact.get("first_name") or ""), str(contact.get("last_name") or "")]
    return [name for name in names if name]


def feedback_explain(*, feedback: PageFeedback, reason: str, comment: str, user=None, request=None) -> PageFeedback:
    """Save why the page was not useful: one of FeedbackReason and an optional comment
    (at most COMMENT_MAX_LENGTH characters, refused beyond), stored with personal data masked."""
    errors = {}
    if reason not in FeedbackReason.values:
        errors["reason"] = _("Choisissez une raison.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = _(
            "Votre commentaire fait %(length)s caractères : raccourcissez-le à %(max)s caractères au plus."
        ) % {"length": len(comment), "max": COMMENT_MAX_LENGTH}
    if "\x00" in comment:
        errors["comment"] = _("Votre commentaire contient un caractère qui ne peut pas être enregistré.")
    if errors:
        raise ValidationError(errors)
    if not within_limit(request, scope=f"{RATE_SCOPE}:reasons"):
        raise FeedbackLimited
    masked = mask_personal_data(comment, names=names_to_mask(user=user, feedback=feedback))
    PageFeedback.objects.filter(pk=feedback.pk).update(
        useful=False, reason=reason, comment=masked, updated_at=timezone.now()
    )
    feedback.refresh_from_db()
    return feedback


def help_places(feedback: PageFeedback) -> list[Place]:
    """Where to find a person for this page: the published places of its fiche (for a form,
    the fiche it belongs to, set when answered), or none (then the town's phone and the
    list of every place)."""
    if feedback.procedure is None or not feedback.procedure.published:
        return []
    return list(feedback.procedure.places.published().order_by("nom"))


# ---------------------------------------------------------------- retention (cases.retention)


def blank_past_digests(*, cutoff, days, dry_run) -> int:
    """Blank the visitor digests and draft keys of answers given before the cutoff's day (the
    daily run: yesterday and before): the answer then counts as one of the page's, tied to
    no connection and no draft (so to no request and no person). Both are blanked at once:
    a row keeps neither of the two ways of finding it again."""
    due = PageFeedback.objects.filter(
        Q(day__lte=timezone.localdate(cutoff)) & (~Q(visitor_digest="") | Q(draft_key__isnull=False))
    )
    if dry_run:
        return due.count()
    return due.update(visitor_digest="", draft_key=None)


def link_expired(answer: PageFeedback) -> bool:
    """An answer's link (/avis/<token>/) works on its day and the next (an answer given just
    before midnight), not after: the answer can no longer be changed or read back."""
    return answer.day < timezone.localdate() - datetime.timedelta(days=1)


def erase_old_comments(*, cutoff, days, dry_run) -> int:
    """Erase the comments last changed before the cutoff; the answer and its reason stay."""
    due = PageFeedback.objects.filter(updated_at__lt=cutoff).exclude(comment="")
    if dry_run:
        return due.count()
    return due.update(comment="")
