"""Writes about requests. The web form, the counter, the phone, the post and a helper
acting under mandate all file a case through `case_submit`; every change writes its
timeline event and audit entry in the same transaction, and messages to the resident go
through the outbox."""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Sequence
from contextlib import nullcontext
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count, F, Min, Sum
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from relais.accounts.permissions import has_role
from relais.cases import funnel
from relais.cases.forms import display, person_from_contact
from relais.cases.journal import Action
from relais.cases.models import (
    DONE_STATUSES,
    EXPLAINED_STATUSES,
    STATUS_MESSAGE_MISSING,
    Case,
    CaseEvent,
    Correction,
    Document,
    Draft,
    DraftFile,
    EventKind,
    FieldKind,
    Form,
    ReferenceCounter,
    Status,
    is_complete_reference,
    normalize_reference,
)
from relais.cases.selectors import WORKER_ROLES, tab_counts_changed, worker_team_ids
from relais.core import access, events, ratelimit
from relais.core.audit import audit_log
from relais.core.content_language import InRenderingLanguage, keyed_choices, set_translations
from relais.core.highwater import mark_issued
from relais.core.http import OutOfReach
from relais.core.idempotency import create_once
from relais.core.models import BlockedSender, Channel, ContactChannel, Person, refuse_erased
from relais.core.pdf import render_pdf, wants_large_print
from relais.core.selectors import sender_blocked
from relais.core.services import person_create, person_delete_if_unused, person_for_account, senders_block
from relais.core.text import fold, phone_digits
from relais.core.uploads import check_upload
from relais.mandates.services import mandate_require, mandate_use
from relais.notifications import channels
from relais.notifications.services import messages_delete_about, notify

# Statuses the resident is always told about (with the agent's message, if any).
TOLD_STATUSES = (Status.WAITING, *DONE_STATUSES)


def _emit(case: Case, name: str, **extra) -> None:
    """Tell other systems (core.events) about the case: no personal data, ids and codes only."""
    data = {"id": case.pk, "reference": case.reference, "form": case.form.slug, "status": case.status,
            "channel": case.channel, "submitted_at": events.iso(case.submitted_at), **extra}  # fmt: skip
    events.emit(name, team_id=case.team_id, recorded_by_id=case.recorded_by_id, data=data)


def _emit_status(case: Case, old: str) -> None:
    _emit(case, events.CASE_STATUS_CHANGED, old_status=old, changed_at=events.iso(timezone.now()))


def reference_next(now: datetime.datetime | None = None) -> str:
    """The next human-readable reference of the year: 2026-00123 (call inside a transaction)."""
    year = timezone.localtime(now or timezone.now()).year
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    # Outside the database too, before it commits: a restore of an older backup resumes past it.
    mark_issued(_reference_series(year), counter.last + 1)
    return f"{year}-{counter.last + 1:05d}"


def _reference_series(year: int) -> str:
    return f"case-reference-{year}"


# When a restore finds no high-water marks on the machine (a new machine, the old one lost),
# what was issued after the backup is unknown: each year's references skip this far ahead
# rather than risk giving a resident's reference to someone else.
REFERENCE_SKIP_WITHOUT_MARKS = 1000


@transaction.atomic
def references_resume(*, marks: dict[str, int], marks_found: bool) -> list[str]:
    """After a restore: each year's counter goes past the highest reference ever issued
    (the high-water mark, the restored counter, the restored cases), so none is reused."""
    years = set(ReferenceCounter.objects.values_list("year", flat=True))
    years |= {int(series.rsplit("-", 1)[1]) for series in marks if series.startswith("case-reference-")}
    lines = []
    for year in sorted(years):
        highest_case = max(
            (int(ref.split("-")[1]) for ref in Case.objects.filter(reference__startswith=f"{year}-").values_list(
                "reference", flat=True)),
            default=0,
        )  # fmt: skip
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        resume = max(counter.last, highest_case, marks.get(_reference_series(year), 0))
        if not marks_found:
            resume += REFERENCE_SKIP_WITHOUT_MARKS
        if resume != counter.last:
            ReferenceCounter.objects.filter(year=year).update(last=resume)
        mark_issued(_reference_series(year), resume)
        lines.append(f"Case references of {year} resume after {year}-{resume:05d}.")
    return lines


class OnlineRequestRefused(ValidationError):
    """A request sent online without an account is refused before anything is created
    (the sender is blocked, or their connection sent too many): the draft stays as typed."""


def _limits() -> dict:
    return settings.RELAIS


def _town_phone() -> str:
    return settings.RELAIS["TOWN_PHONE"]


def _is_unsolicited(channel: str, recorder, person, on_behalf: bool = False) -> bool:
    """Nobody vouches for the contact details typed: filed from the public pages by someone
    without an account and with no agent or helper involved, or relayed by a partner
    application (its technical account, `User.is_application`: FixMyStreet, a town app) for
    a person without an account and not under a mandate. Both are open to anyone typing
    someone else's e-mail or phone: the same sender blocks and receipt limits apply."""
    if person.user_id is not None:
        return False
    if channel == Channel.ONLINE:
        return recorder is None
    if channel == Channel.API:
        return recorder is not None and getattr(recorder, "is_application", False) and not on_behalf
    return False


def _sender_key(recorder, request: HttpRequest | None) -> str:
    """Whose sending the per-address limits count: the visitor's address block online; the
    application for a request it relays (its server's address says nothing of the sender)."""
    if recorder is not None and getattr(recorder, "is_application", False):
        return f"application:{recorder.pk}"
    return ratelimit.visitor(request) if request is not None else ""


def _check_online_sender(person, request: HttpRequest | None, recorder=None) -> str:
    """Refuse a blocked sender, or a connection (an application) over its hourly or daily
    number of unsolicited requests; returns the digest of the sender's address block (kept
    on the case; "" for an application: blocking one spammer must not block the application)."""
    relayed = recorder is not None and getattr(recorder, "is_application", False)
    address = _sender_key(recorder, request)
    if sender_blocked(address="" if relayed else address, email=person.email, phone=person.phone):
        raise OnlineRequestRefused(
            _(
                "Cette demande ne peut pas être envoyée en ligne. Appelez la mairie au %(phone)s "
                "ou venez à l'accueil : un agent l'enregistre avec vous."
            )
            % {"phone": _town_phone()},
            code="blocked",
        )
    if relayed:
        limits = (
            ("cases:application:hour", _limits()["CASES_API_PER_APPLICATION_HOUR"], 3600, _("dans l'heure")),
            ("cases:application:day", _limits()["CASES_API_PER_APPLICATION_DAY"], 86400, _("aujourd'hui")),
        )
    else:
        limits = (
            ("cases:online:hour", _limits()["CASES_ONLINE_PER_IP_HOUR"], 3600, _("dans l'heure")),
            ("cases:online:day", _limits()["CASES_ONLINE_PER_IP_DAY"], 86400, _("aujourd'hui")),
        )
    if request is not None or relayed:
        for scope, limit, window, when in limits:
            if not ratelimit.hit(scope, address, limit=limit, window=window):
                raise OnlineRequestRefused(
                    _(
                        "Trop de demandes sont parties de cette connexion %(when)s. Votre demande n'est pas perdue : "
                        "elle reste ici, réessayez plus tard. Vous pouvez aussi appeler la mairie au %(phone)s : "
                        "un agent l'enregistre avec vous."
                    )
                    % {"when": when, "phone": _town_phone()},
                    code="rate_limited",
                )
    return "" if relayed else BlockedSender.digest(BlockedSender.Kind.ADDRESS, address)


def _receipt_destination(person) -> str:
    """Where a receipt to `person` would go, written one way whatever the spelling."""
    channel, where = channels.choose(person)
    if not where:
        return ""  # nobody to reach: it waits in the "to call" list, nothing is sent
    if channel in (ContactChannel.SMS, ContactChannel.PHONE):
        return f"phone:{phone_digits(where)}"
    if channel == ContactChannel.EMAIL:
        return f"email:{where.strip().lower()}"
    return f"{channel}:{fold(where)}"


def _receipt_allowed(person) -> bool:
    """Whether the receipt of an unsolicited online request may go to its destination.

    Anyone can type someone else's phone, e-mail or postal address: one destination gets
    at most CASES_RECEIPTS_PER_CONTACT_DAY such receipts a day. Over it the request is still
    filed (the visitor's address limit bounds the queue) and the resident still sees the
    receipt page and its PDF; only the SMS, e-mail or letter is not sent. Refusing the
    request instead would let anyone stop a resident from filing online by typing their
    number a few times, and each refusal would say which numbers are "used".
    """
    destination = _receipt_destination(person)
    if not destination:
        return True
    return ratelimit.hit("cases:receipts", destination, limit=_limits()["CASES_RECEIPTS_PER_CONTACT_DAY"], window=86400)


def _check_document_room(*, count: int, total: int, adding: list[int], field: str) -> None:
    """Refuse files that would take a request past its number of documents or total size."""
    most = _limits()["CASES_MAX_DOCUMENTS"]
    most_bytes = _limits()["CASES_MAX_DOCUMENTS_MB"] * 1024 * 1024
    if most and count + len(adding) > most:
        raise ValidationError(
            {
                field: _(
                    "Cette demande a déjà %(n)s documents : c'est le maximum. Apportez les autres papiers "
                    "à l'accueil de la mairie ou envoyez-les par courrier."
                )
                % {"n": count}
            },
            code="too_many_documents",
        )
    if most_bytes and total + sum(adding) > most_bytes:
        raise ValidationError(
            {
                field: _(
                    "Avec ce fichier, les documents de cette demande pèseraient plus de %(max)s en tout "
                    "(ils pèsent déjà %(total)s). Envoyez un fichier plus léger (une photo moins grande, "
                    "un PDF compressé), ou apportez le papier à l'accueil de la mairie."
                )
                % {"max": filesizeformat(most_bytes), "total": filesizeformat(total)}
            },
            code="documents_too_heavy",
        )


def tracking_link(case: Case) -> str:
    return settings.SITE_URL + case.get_tracking_url()


def _message_context(case: Case, **extra) -> dict:
    return {
        "reference": case.reference,
        # The form's title in the message's language (the town's translation, else French).
        "form": InRenderingLanguage(case.form, "title"),
        "team": case.team.name,
        "link": tracking_link(case),
        "delay": case.form.expected_days,
        **extra,
    }


def _store_upload(case: Case, upload, *, field_key: str = "", actor=None, by_resident=False, event=None) -> Document:
    """Save an uploaded file (checked by size and content), or a draft's file, as a case document
    (within the number of documents and total size a case may hold)."""
    if isinstance(upload, DraftFile):
        name, content_type, size, sha = upload.name, upload.content_type, upload.size, upload.sha256
        opened = upload.file.open("rb")
    else:
        checked = getattr(upload, "checked", None) or check_upload(upload)
        name, content_type, size, sha = checked.name, checked.content_type, checked.size, checked.sha256
        upload.seek(0)
        opened = nullcontext(upload)
    # Files replaced by a correction do not count: the resident sent their replacement.
    held = Document.objects.filter(case=case, superseded_at__isnull=True).aggregate(n=Count("pk"), size=Sum("size"))
    _check_document_room(count=held["n"], total=held["size"] or 0, adding=[size], field=field_key or "document")
    document = Document(
        case=case,
        event=event,
        name=name,
        content_type=content_type,
        size=size,
        sha256=sha,
        field_key=field_key,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        by_resident=by_resident,
    )
    with opened as fh:
        document.file.save(name, File(fh), save=False)
    document.save()
    return document


def _answers(form: Form, answers: dict, uploads: dict, *, files_optional: bool = False) -> list[dict]:
    """Answers checked against the form's questions, each with a copy of its question.

    Files are optional when an agent records the request: papers shown at the counter
    or sent by post need not be scanned.
    """
    result, missing = [], {}
    for question in form.fields.all():
        if question.kind == FieldKind.FILE:
            upload = uploads.get(question.key)
            value = upload.name if upload else None
        else:
            value = answers.get(question.key)
        optional = files_optional and question.kind == FieldKind.FILE
        if question.required and not optional and value in (None, "", []):
            missing[question.key] = _("Répondez à cette question.")
        result.append({**question.snapshot(), "value": value, "display": display(question, value)})
    if missing:
        raise ValidationError(missing)
    return result


def case_submit(
    *,
    form: Form,
    person,
    answers: dict,
    uploads: dict | None = None,
    channel: str,
    recorded_by=None,
    on_behalf: bool = False,
    submission_key=None,
    location: dict | None = None,
    place=None,
    scan=None,
    notes: Sequence[str] = (),
    request: HttpRequest | None = None,
) -> Case:
    """File a request; the same `submission_key` twice gives the first case back.

    `notes`: internal notes filed with the case, in its transaction (what a partner sent
    that no question holds): a retry, even a simultaneous one, never adds them twice.

    `person` is the resident, or a callable making them (called only when the request is
    new, in the same transaction). `on_behalf`: `recorded_by` files it for the resident,
    away from them: an active mandate of their team covering the form's domain is required
    (MandateRequired), checked and journaled in the same transaction as the case.
    """
    case, _created = create_once(
        Case,
        submission_key,
        lambda: _submit(
            form=form,
            person=person() if callable(person) else person,
            answers=answers,
            uploads=uploads or {},
            channel=channel,
            recorded_by=recorded_by,
            on_behalf=on_behalf,
            submission_key=submission_key,
            location=location or {},
            place=place,
            scan=scan,
            notes=notes,
            request=request,
        ),
    )
    return case


def _first_online_attempt(form: Form, person) -> datetime.datetime | None:
    """When the person filed for by staff or a helper had started this form online without
    sending it: their first unsent draft's start (matched by account; never shown)."""
    if person.user_id is None:
        return None
    drafts = Draft.objects.filter(form=form, user_id=person.user_id, case__isnull=True)
    return drafts.aggregate(first=Min("created_at"))["first"]


@transaction.atomic
def _submit(
    *,
    form,
    person,
    answers,
    uploads,
    channel,
    recorded_by,
    on_behalf,
    submission_key,
    location,
    place,
    scan,
    request,
    notes=(),
) -> Case:
    refuse_erased(person)
    acting_under = None
    if on_behalf:
        acting_under = mandate_require(
            person=person, user=recorded_by, scope=form.mandate_scope, action=Action.CASE_SUBMITTED, request=request
        )
    answer_list = _answers(form, answers, uploads, files_optional=recorded_by is not None)
    if form.asks_location and not location.get("location_text"):
        raise ValidationError({"location_text": _("Dites-nous où se trouve le problème.")})
    recorder = recorded_by if recorded_by is not None and recorded_by.is_authenticated else None
    unsolicited = _is_unsolicited(channel, recorder, person, on_behalf)
    sender_digest = _check_online_sender(person, request, recorder) if unsolicited else ""
    now = timezone.now()
    reference = reference_next(now)
    case = Case(
        reference=reference,
        form=form,
        team=form.team,
        person=person,
        answers=answer_list,
        channel=channel,
        recorded_by=recorder,
        recorded_at_place=place,
        acting_under=acting_under,
        due_date=timezone.localdate(now) + datetime.timedelta(days=form.expected_days),
        submission_key=submission_key,
        location_text=location.get("location_text", ""),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        submitted_at=now,
        search_text=fold(f"{reference} {person.first_name} {person.last_name} {person.email} {person.phone}"),
        sender_digest=sender_digest,
        online_attempt_at=_first_online_attempt(form, person) if recorder is not None else None,
    )
    case.full_clean(exclude=["answers"])
    case.save()
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.SUBMITTED, actor=recorder, created_at=now, text=Channel(channel).label
    )
    by_resident = recorder is None
    for key, upload in uploads.items():
        document = _store_upload(case, upload, field_key=key, actor=recorder, by_resident=by_resident, event=event)
        for answer in case.answers:
            if answer["key"] == key:
                answer["document"] = document.pk
    if uploads:
        case.save(update_fields=["answers"])
    if scan is not None:
        _store_upload(case, scan, field_key="", actor=recorder, event=event)
    for note in notes:
        CaseEvent.objects.create(case=case, kind=EventKind.NOTE, actor=recorder, created_at=now, text=note)
        audit_log(actor=recorder, action=Action.CASE_NOTE_ADDED, obj=case, person=person, request=request)
    receipt = not unsolicited or _receipt_allowed(person)
    _emit(case, events.CASE_FILED)
    audit_log(
        actor=recorder,
        action=Action.CASE_SUBMITTED,
        obj=case,
        person=person,
        request=request,
        details={
            "channel": channel,
            "form": form.slug,
            **({"mandate": acting_under.pk} if acting_under else {}),
            **({} if receipt else {"receipt": "withheld"}),
        },
    )
    if not receipt:
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.NOTE,
            created_at=now,
            text=_(
                "Récépissé non envoyé : ce moyen de contact a déjà reçu aujourd'hui le nombre maximum de récépissés "
                "de demandes faites en ligne sans compte. La personne a vu son récépissé à l'écran."
            ),
        )
        return case
    message = notify(
        person=person,
        template="case_receipt",
        context=_message_context(case, date=timezone.localtime(now).strftime("%d/%m/%Y")),
        related=case,
        actor=recorder,
        dedupe_key=f"case-{case.pk}-receipt",
    )
    CaseEvent.objects.filter(pk=event.pk).update(message=message)
    return case


def receipt_pdf(case: Case, *, large_print: bool = False) -> bytes:
    """The récépissé: what was asked, when, the reference, and how to follow it; in large
    print when the resident asked for it (their preference, or `large_print`)."""
    paper = access.code_for(person=case.person, target=case.get_tracking_url())
    return render_pdf(
        "cases/pdf/receipt.html",
        {
            "case": case,
            # Printed, or handed over at the counter: a code, never the private link itself.
            "paper": {"code": paper.code, "url": access.code_url(paper.code)},
            # …and the page where the reference and one detail open it (/suivi/).
            "lookup_address": urlsplit(settings.SITE_URL).netloc + reverse("cases:lookup"),
            "documents": list(case.documents.filter(superseded_at__isnull=True)),
            "large_print": wants_large_print(case.person, asked=large_print),
        },
        language=case.person.interface_language,
    )


def correction_version(case: Case) -> str:
    """What the status form carries from the case page: when the last correction arrived
    ("" when none waits to be read). A decision is refused if it changed meanwhile."""
    return case.correction_received_at.isoformat() if case.correction_received_at else ""


def status_needs_message(status: str) -> bool:
    """A worker moving a case to `status` must write to the resident."""
    return status in EXPLAINED_STATUSES


@transaction.atomic
def case_change_status(
    *,
    case: Case,
    status: str,
    actor,
    message: str = "",
    seen_correction: str | None = None,
    explain: bool = False,
    request: HttpRequest | None = None,
) -> Case:
    """Move the case to `status`. `seen_correction` is the `correction_version` of the page
    the worker decided from: a correction received since then refuses the change (reread
    first). Without it (bulk actions, commands), the "correction reçue" flag is cleared only
    by a decision that closes the case. Closing a case withdraws the corrections still asked.
    `explain`: a worker's decision (the case page, the API), which must tell the resident
    why when it asks them something or refuses (`status_needs_message`); such a decision is
    always checked against the corrections: no version given is "none read" ("").
    """
    if explain and seen_correction is None:
        seen_correction = ""
    if explain and status_needs_message(status) and not (message or "").strip():
        raise ValidationError({"message": STATUS_MESSAGE_MISSING})
    case = Case.objects.select_for_update(of=("self",)).select_related("person", "form", "team").get(pk=case.pk)
    if not case.can_move_to(status):
        raise ValidationError({"status": _("Ce dossier ne peut pas passer à cet état.")})
    if seen_correction is not None and seen_correction != correction_version(case):
        raise ValidationError(
            _("Une correction vient d'arriver : relisez la demande avant de décider."), code="correction_arrived"
        )
    old = case.status
    now = timezone.now()
    case.status = status
    case.closed_at = now if status in DONE_STATUSES else None
    if seen_correction is not None or status in DONE_STATUSES:
        # The worker decides having seen the corrections received.
        case.correction_received_at = None
    case.save(update_fields=["status", "closed_at", "correction_received_at", "updated_at"])
    if status in DONE_STATUSES:
        # Decided: a correction still asked can no longer be sent (its link says so).
        Correction.objects.filter(case=case).pending().update(cancelled_at=now)
    sent = None
    if status in TOLD_STATUSES or message:
        sent = notify(
            person=case.person,
            template="case_status",
            context=_message_context(case, status=Status(status).label, message=message),
            related=case,
            actor=actor,
        )
    CaseEvent.objects.create(
        case=case, kind=EventKind.STATUS, actor=actor, old_status=old, new_status=status, text=message, message=sent
    )
    _emit_status(case, old)
    audit_log(
        actor=actor,
        action=Action.CASE_STATUS_CHANGED,
        obj=case,
        person=case.person,
        request=request,
        details={"from": old, "to": status},
    )
    return case


@transaction.atomic
def case_assign(*, case: Case, assignee, actor, request: HttpRequest | None = None) -> Case:
    if assignee is not None and not (
        assignee.is_active
        and not assignee.is_application
        and assignee.memberships.filter(team_id=case.team_id, role__in=WORKER_ROLES).exists()
    ):
        raise ValidationError({"assignee": _("Cet agent ne fait pas partie de l'équipe qui traite ce dossier.")})
    Case.objects.filter(pk=case.pk).update(assignee=assignee, updated_at=timezone.now())
    case.assignee = assignee
    tab_counts_changed([case.team_id])  # "Mes dossiers" (an update() sends no signal)
    CaseEvent.objects.create(
        case=case, kind=EventKind.ASSIGNED, actor=actor, text=assignee.get_full_name() if assignee else ""
    )
    audit_log(
        actor=actor,
        action=Action.CASE_ASSIGNED,
        obj=case,
        person=case.person,
        request=request,
        details={"assignee": assignee.pk if assignee else None},
    )
    return case


def case_add_note(
    *, case: Case, text: str, actor, submission_key=None, request: HttpRequest | None = None
) -> CaseEvent:
    """An internal note (agents only). A retry with the same `submission_key` adds none."""

    def create() -> CaseEvent:
        event = CaseEvent.objects.create(
            case=case, kind=EventKind.NOTE, actor=actor, text=text, submission_key=submission_key
        )
        audit_log(actor=actor, action=Action.CASE_NOTE_ADDED, obj=case, person=case.person, request=request)
        return event

    event, _created = create_once(CaseEvent, submission_key, create, lock=_lock_case(case))
    return event


def _lock_case(case: Case):
    """The case row locked: its documents are counted, its status changed, one click at a time."""
    return lambda: Case.objects.select_for_update().get(pk=case.pk)


def case_message(*, case: Case, text: str, actor, submission_key=None, request: HttpRequest | None = None) -> CaseEvent:
    """A message to the resident by their channel, without changing the status."""

    def create() -> CaseEvent:
        sent = notify(
            person=case.person,
            template="case_message",
            context=_message_context(case, message=text),
            related=case,
            actor=actor,
        )
        event = CaseEvent.objects.create(
            case=case, kind=EventKind.MESSAGE, actor=actor, text=text, message=sent, submission_key=submission_key
        )
        audit_log(actor=actor, action=Action.CASE_MESSAGE_SENT, obj=case, person=case.person, request=request)
        return event

    event, _created = create_once(CaseEvent, submission_key, create, lock=_lock_case(case))
    return event


def case_add_document(
    *, case: Case, upload, actor=None, by_resident=False, submission_key=None, request: HttpRequest | None = None
):
    def create() -> CaseEvent:
        locked = Case.objects.select_related("person").get(pk=case.pk)
        event = CaseEvent.objects.create(
            case=locked,
            kind=EventKind.DOCUMENT,
            actor=actor if actor and actor.is_authenticated else None,
            by_resident=by_resident,
            submission_key=submission_key,
        )
        document = _store_upload(locked, upload, actor=actor, by_resident=by_resident, event=event)
        event.text = document.name
        event.save(update_fields=["text"])
        audit_log(
            actor=actor,
            action=Action.CASE_DOCUMENT_ADDED,
            obj=locked,
            person=locked.person,
            request=request,
            details={"document": document.pk},
        )
        return event

    event, _created = create_once(CaseEvent, submission_key, create, lock=_lock_case(case))
    return event.documents.first()


def case_resident_reply(
    *,
    case: Case,
    text: str = "",
    upload=None,
    field_key: str = "",
    actor=None,
    submission_key=None,
    request: HttpRequest | None = None,
):
    """The resident (or their helper under mandate) answers; a case waiting for them resumes.
    A file sent for one of the documents the request asks for (`field_key`, a file question
    of the case) is attached to it.

    A helper of another team answering on a case filed under mandate needs that mandate
    still active (MandateRequired), checked in the same transaction as the reply.
    """
    by = actor if actor is not None and actor.is_authenticated else None

    def create() -> CaseEvent:
        locked = Case.objects.select_related("form", "person").get(pk=case.pk)
        if by is not None and locked.acting_under_id and has_role(by) and locked.team_id not in worker_team_ids(by):
            mandate_require(
                person=locked.person,
                user=by,
                scope=locked.form.mandate_scope,
                action=Action.CASE_RESIDENT_REPLIED,
                obj=locked,
                request=request,
            )
        event = CaseEvent.objects.create(
            case=locked,
            kind=EventKind.RESIDENT_REPLY,
            by_resident=True,
            actor=by,
            text=text,
            submission_key=submission_key,
        )
        if upload is not None:
            asked = locked.answer(field_key) if field_key else None
            key = field_key if asked is not None and asked.get("kind") == FieldKind.FILE else ""
            _store_upload(locked, upload, field_key=key, actor=by, by_resident=True, event=event)
        locked.resident_replied_at = timezone.now()
        fields = ["resident_replied_at", "updated_at"]
        if locked.status == Status.WAITING:
            CaseEvent.objects.create(
                case=locked,
                kind=EventKind.STATUS,
                old_status=locked.status,
                new_status=Status.IN_PROGRESS,
                by_resident=True,
            )
            locked.status = Status.IN_PROGRESS
            fields.append("status")
            _emit_status(locked, Status.WAITING)
        locked.save(update_fields=fields)
        audit_log(
            actor=by,
            action=Action.CASE_RESIDENT_REPLIED,
            obj=locked,
            person=locked.person,
            request=request,
            details={"document": upload is not None},
        )
        return event

    event, _created = create_once(CaseEvent, submission_key, create, lock=_lock_case(case))
    return event


def case_opened_by_worker(*, case: Case, actor, request: HttpRequest | None = None) -> None:
    """A worker read the case: journal it, and the resident's last reply is no longer new.
    An application's read (a staff key syncing the cases) is journaled but leaves the reply
    new: only a person has read it."""
    audit_log(actor=actor, action=Action.CASE_VIEWED, obj=case, person=case.person, request=request)
    if case.resident_replied_at and not actor.is_application and case.team_id in worker_team_ids(actor):
        Case.objects.filter(pk=case.pk).update(resident_replied_at=None)


def case_opened(*, case: Case, actor, request: HttpRequest | None = None) -> None:
    """A staff member (or a staff application) read the case: journal it as
    `case_opened_by_worker` does; a helper following a case filed under their team's
    mandate also uses that mandate (journaled on it)."""
    case_opened_by_worker(case=case, actor=actor, request=request)
    if case.team_id not in worker_team_ids(actor) and case.acting_under_id and case.recorded_by_id != actor.pk:
        mandate_use(mandate=case.acting_under, actor=actor, action=Action.CASE_VIEWED, obj=case, request=request)


def queue_viewed(*, actor, cases, tab: str, request: HttpRequest | None = None) -> None:
    """A page of a worker's queue was shown (the web's or the API's): one journal entry
    naming every person on it."""
    cases = list(cases)
    audit_log(
        actor=actor,
        action=Action.QUEUE_VIEWED,
        request=request,
        people=[c.person_id for c in cases],
        details={"tab": tab, "n": len(cases)},
    )


def cases_bulk(*, cases, action: str, actor, request: HttpRequest | None = None) -> tuple[int, list[str]]:
    """Apply "assign:<user id|none>" or "status:<status>" to each case; returns (done, refused references)."""
    from relais.accounts.models import User

    kind, _sep, value = action.partition(":")
    done, refused = 0, []
    for case in cases:
        try:
            if kind == "assign":
                assignee = None if value == "none" else User.objects.get(pk=value)
                case_assign(case=case, assignee=assignee, actor=actor, request=request)
            elif kind == "status":
                case_change_status(case=case, status=value, actor=actor, request=request)
            else:
                raise ValueError(action)
            done += 1
        except (ValidationError, User.DoesNotExist):
            refused.append(case.reference)
    return done, refused


# ---------------------------------------------------------------- drafts


@transaction.atomic
def draft_start(*, form: Form, user, data: dict, device: str = "") -> Draft:
    """A resident starts a request online: the draft, counted as "start" in the form's funnel
    (cases.funnel) with the device class the browser told, if any, and as having reached the
    first page, where the start page leads (so that page's GET writes nothing)."""
    counted = funnel.enabled()
    draft = Draft.objects.create(
        form=form,
        user=user if user is not None and user.is_authenticated else None,
        data=data,
        device=device if counted else "",
        funnel_at=timezone.now() if counted else None,
        funnel_step=funnel.START if counted else "",
    )
    funnel.record_start(draft)
    funnel.step_shown(draft, funnel.steps_of(form)[1], form=form)
    return draft


@transaction.atomic
def draft_save_answers(*, draft: Draft, answers: dict, uploads: dict, reached: str = "") -> Draft:
    """Store answers of a draft; `reached` is the funnel step the resident goes on to, counted
    in the same transaction (cases.funnel), so that the next page's GET writes nothing."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    checked_uploads = {key: getattr(upload, "checked", None) or check_upload(upload) for key, upload in uploads.items()}
    if checked_uploads:
        kept = DraftFile.objects.filter(draft=draft).exclude(field_key__in=list(checked_uploads))
        held = kept.aggregate(n=Count("pk"), size=Sum("size"))
        _check_document_room(
            count=held["n"],
            total=held["size"] or 0,
            adding=[c.size for c in checked_uploads.values()],
            field=next(iter(checked_uploads)),
        )
    draft.data = {**draft.data, "answers": {**draft.data.get("answers", {}), **answers}}
    draft.save(update_fields=["data", "updated_at"])
    for key, upload in uploads.items():
        checked = checked_uploads[key]
        for old in DraftFile.objects.filter(draft=draft, field_key=key):
            old.delete()
            transaction.on_commit(lambda f=old.file: f.delete(save=False))
        item = DraftFile(
            draft=draft,
            field_key=key,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        item.file.save(checked.name, upload, save=False)
        item.save()
    if reached:
        funnel.step_shown(draft, reached)
    return draft


@transaction.atomic
def draft_save(*, draft: Draft, reached: str = "", **sections) -> Draft:
    """Store other parts of a draft (contact, location); `reached` as in draft_save_answers."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    draft.data = {**draft.data, **sections}
    draft.save(update_fields=["data", "updated_at"])
    if reached:
        funnel.step_shown(draft, reached)
    return draft


def draft_submit(*, draft: Draft, person, request: HttpRequest | None = None) -> Case:
    """Send a draft as a case (idempotent: the draft's key is the submission key).

    `person` may be a callable making the resident: called only if the case is new."""

    def create() -> Case:
        case = _submit(
            form=draft.form,
            person=person() if callable(person) else person,
            answers=draft.data.get("answers", {}),
            uploads={f.field_key: f for f in draft.files.all()},
            channel=Channel.ONLINE,
            recorded_by=None,
            on_behalf=False,
            submission_key=draft.key,
            location=draft.data.get("location") or {},
            place=None,
            scan=None,
            request=request,
        )
        Draft.objects.filter(pk=draft.pk, case__isnull=True).update(case=case, data={})
        funnel.step_shown(draft, funnel.SENT)  # with the case: a draft sent twice counts once
        funnel.sent_forget(draft)
        # The case has its own copies: the draft keeps only its link to the case.
        files = list(draft.files.all())
        DraftFile.objects.filter(pk__in=[f.pk for f in files]).delete()
        transaction.on_commit(lambda: [f.file.delete(save=False) for f in files])
        return case

    case, _created = create_once(
        Case, draft.key, create, lock=lambda: Draft.objects.select_for_update().filter(pk=draft.pk).first()
    )
    return case


def draft_send(*, draft: Draft, user, request: HttpRequest | None = None) -> Case:
    """Send a draft from the resident pages: the person (found or created once) and the case.

    Without an account the sender must not be blocked and their connection must be within
    its limits (checked by `case_submit`); when refused, nothing is created and the draft
    keeps everything typed. The person is made in the same transaction as the case, and
    only when the case is new: two clicks at once create neither two people nor two cases.
    """

    def person():
        if user is not None and user.is_authenticated:
            return person_for_account(user=user)
        # Drafts saved before sending was one transaction may name the person already made.
        return Person.objects.filter(pk=draft.data.get("person_id") or 0).first() or person_create(
            actor=None,
            data=person_from_contact(draft.data.get("contact") or {}),
            channel=Channel.ONLINE,
            request=request,
        )

    return draft_submit(draft=draft, person=person, request=request)


@transaction.atomic
def case_mark_spam(*, case: Case, actor, request: HttpRequest | None = None) -> dict:
    """A request sent online without an account is spam: remove it (documents, files,
    messages about it, its draft), remove its person if they have nothing else in Relais,
    and refuse its sender (connection, e-mail, phone) online for CASES_SPAM_BLOCK_DAYS days.

    Only case workers and managers of the case's team may do it. The journal keeps that it
    happened (reference, form, what was removed and blocked), not the content.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("person", "form").get(pk=case.pk)
    if case.team_id not in worker_team_ids(actor):
        raise OutOfReach("Only case workers and managers of the case's team mark its cases as spam.")
    if not case.filed_online_without_account:
        raise ValidationError(
            _("Seule une demande envoyée en ligne sans compte peut être signalée comme indésirable."),
            code="not_online",
        )
    person, pk, reference = case.person, case.pk, case.reference
    days = _limits()["CASES_SPAM_BLOCK_DAYS"]
    digests = {
        BlockedSender.Kind.ADDRESS: case.sender_digest,
        BlockedSender.Kind.EMAIL: BlockedSender.digest(BlockedSender.Kind.EMAIL, person.email),
        BlockedSender.Kind.PHONE: BlockedSender.digest(BlockedSender.Kind.PHONE, person.phone),
    }
    files = [d.file for d in case.documents.all()]
    messages = messages_delete_about(related=case)
    for draft in Draft.objects.filter(case=case):
        files += [f.file for f in draft.files.all()]
        draft.delete()
    audit_log(
        actor=actor,
        action=Action.CASE_MARKED_SPAM,
        obj=case,
        person=person,
        request=request,
        details={"reference": reference, "form": case.form.slug, "documents": len(files), "messages": messages},
    )
    case.delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files])
    person_removed = person_delete_if_unused(
        person=person, actor=actor, reason=_("Demande %(ref)s indésirable") % {"ref": reference}, request=request
    )
    blocked = []
    if days > 0:
        blocked = senders_block(
            digests=digests,
            days=days,
            reason=_("Demande %(ref)s indésirable") % {"ref": reference},
            actor=actor,
            request=request,
        )
    return {"reference": reference, "case": pk, "person_removed": person_removed, "blocked": blocked, "days": days}


def drafts_purge(*, older_than_days: int | None = None, dry_run: bool = False) -> int:
    """Forget drafts nobody sent (and their files): the retention rule `cases.drafts`."""
    from relais.core import retention

    return retention.purge("cases.drafts", days=older_than_days, dry_run=dry_run).count


# ---------------------------------------------------------------- form builder (administrators)


@transaction.atomic
def form_save(*, form, actor, request: HttpRequest | None = None) -> Form:
    """Save a FormMetaForm. Cases already filed keep the questions they answered."""
    creating = form.instance.pk is None
    saved = form.save()
    audit_log(
        actor=actor,
        action=Action.FORM_CREATED if creating else Action.FORM_UPDATED,
        obj=saved,
        request=request,
        details={"fields": sorted(form.changed_data)},
    )
    return saved


@transaction.atomic
def form_translate(
    *, form: Form, lang: str, texts: dict[str, str], questions: dict, actor, request: HttpRequest | None = None
) -> Form:
    """Save the translation in `lang` of a form (`texts`) and of its questions (`questions`:
    {FormField: texts}), then log which parts changed."""
    changed = {"form": set_translations(form, lang, texts)}
    form.save(update_fields=["translations", "updated_at"])
    for question, question_texts in questions.items():
        if isinstance(question_texts.get("choices"), str):
            # Typed one per line in the French order: kept keyed by the French choice.
            question_texts = {
                **question_texts,
                "choices": keyed_choices(question.choice_list(), question_texts["choices"]),
            }
        question_changed = set_translations(question, lang, question_texts)
        if question_changed:
            question.save(update_fields=["translations"])
            changed[question.key] = question_changed
    audit_log(
        actor=actor,
        action=Action.FORM_TRANSLATED,
        obj=form,
        request=request,
        details={"lang": lang, "fields": {part: names for part, names in changed.items() if names}},
    )
    return form


@transaction.atomic
def field_save(*, field_form, actor, request: HttpRequest | None = None):
    creating = field_form.instance.pk is None
    if creating:
        last = field_form.instance.form.fields.order_by("-position").first()
        field_form.instance.position = (last.position + 1) if last else 0
    field = field_form.save(commit=False)
    # A choice reworded or removed in French loses its translations (the others keep theirs).
    field.prune_choice_translations()
    field.save()
    field_form.save_m2m()
    audit_log(
        actor=actor,
        action=Action.FORM_FIELD_SAVED,
        obj=field.form,
        request=request,
        details={"key": field.key, "created": creating},
    )
    return field


@transaction.atomic
def field_delete(*, field, actor, request: HttpRequest | None = None) -> None:
    audit_log(
        actor=actor, action=Action.FORM_FIELD_DELETED, obj=field.form, request=request, details={"key": field.key}
    )
    field.delete()


@transaction.atomic
def field_move(*, field, offset: int, actor, request: HttpRequest | None = None) -> None:
    """Move a question up (-1) or down (+1) among its form's questions."""
    fields = list(field.form.fields.select_for_update().order_by("position", "pk"))
    index = next(i for i, f in enumerate(fields) if f.pk == field.pk)
    target = index + offset
    if not 0 <= target < len(fields):
        return
    fields[index], fields[target] = fields[target], fields[index]
    for position, item in enumerate(fields):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


# ---------------------------------------------------------------- follow-up by reference (/suivi/)


class LookupRefused(ValidationError):
    """The reference and the detail do not open a request (or too many tries): one message
    whether the reference exists or not, so that the page tells nothing of what exists."""


def _given_detail_matches(person, given: str) -> bool:
    """Whether `given` (digits) is one of the details the resident gave (`_expected_details`).
    Every candidate is compared in constant time, and a made-up one when there is no such
    request: how long a refusal takes says nothing."""
    expected = _expected_details(person) if person is not None else []
    matches = [secrets.compare_digest(given.encode(), e.encode()) for e in expected or ["-"]]
    return bool(expected) and any(matches)


def _expected_details(person) -> list[str]:
    """The one detail that opens a request of `person` with its reference: the last 4 digits
    of their phone when they gave one, otherwise their birth year, otherwise nothing (the
    postcode never: the whole town shares it)."""
    phone = phone_digits(person.phone)
    if len(phone) >= 4:
        return [phone[-4:]]
    if person.birth_year:
        return [str(person.birth_year)]
    return []


LOOKUP_GRANTS = "cases:lookup_grants"
LOOKUP_GRANT_SECONDS = 30 * 60
# Failures a reference may take before /suivi/ stops opening it: (limit, window) pairs.
_REFERENCE_WINDOWS = (("day", 86400), ("month", 30 * 86400))


def _lookup_refused(phone: str, *, rate_limited: bool) -> LookupRefused:
    other_ways = _(
        "Pour suivre votre demande autrement : le lien reçu avec votre récépissé, le code à 12 chiffres de "
        "votre courrier (page Accès par code), ou appeler la mairie au %(phone)s."
    ) % {"phone": phone}
    if rate_limited:
        first = _(
            "Trop d'essais sans succès pour ce numéro de demande ou depuis cette connexion : la page de suivi ne "
            "l'ouvre plus pour le moment. Réessayez plus tard, ou appelez la mairie."
        )
    else:
        first = _("Ce numéro de demande et cette information ne vont pas ensemble.")
    return LookupRefused(f"{first} {other_ways}", code="rate_limited" if rate_limited else "no_match")


def case_lookup(*, reference: str, detail: str, request: HttpRequest | None = None) -> Case:
    """The request whose reference and detail the visitor typed (for /suivi/), or
    LookupRefused. Each try counts against the visitor's address and against the reference,
    and is journaled."""
    phone = _town_phone()
    # IPv6 by /48 here: a site's whole allocation counts as one visitor at this door.
    address = ratelimit.visitor(request, ipv6_prefix=48)
    normalized = normalize_reference(reference)
    given = re.sub(r"\D", "", detail or "")
    # Every try is counted at once (so that parallel tries cannot slip past the limits) and
    # given back when it succeeds: only failures use the limits up.
    counted = [("cases:lookup:address", address, _limits()["CASES_LOOKUP_PER_IP_HOUR"], 3600)]
    if normalized:
        counted += [
            (
                f"cases:lookup:reference:{name}",
                normalized,
                _limits()[f"CASES_LOOKUP_PER_REFERENCE_{name.upper()}"],
                window,
            )
            for name, window in _REFERENCE_WINDOWS
        ]
    within = True
    for scope, who, limit, window in counted:
        within = ratelimit.hit(scope, who, limit=limit, window=window) and within
    if not within:
        audit_log(actor=None, action=Action.CASE_LOOKUP_FAILED, request=request, details={"why": "rate_limited"})
        raise _lookup_refused(phone, rate_limited=True)
    case = Case.objects.select_related("person").filter(reference=normalized).first() if normalized else None
    if not _given_detail_matches(case.person if case else None, given) or case is None:
        audit_log(
            actor=None,
            action=Action.CASE_LOOKUP_FAILED,
            obj=case,
            person=case.person if case else None,
            request=request,
            details={"reference": normalized or reference[:30]},
        )
        raise _lookup_refused(phone, rate_limited=False)
    for scope, who, _limit, _window in counted:
        ratelimit.give_back(scope, who)
    audit_log(actor=None, action=Action.CASE_LOOKED_UP, obj=case, person=case.person, request=request)
    return case


def lookup_grant(session, case: Case) -> None:
    """After a successful /suivi/: this browser session may read `case` (read-only) for
    LOOKUP_GRANT_SECONDS, at an address without the private token."""
    now = timezone.now().timestamp()
    grants = {pk: until for pk, until in session.get(LOOKUP_GRANTS, {}).items() if until > now}
    grants[str(case.pk)] = now + LOOKUP_GRANT_SECONDS
    session[LOOKUP_GRANTS] = grants


def lookup_granted(session, reference: str) -> Case | None:
    """The case of `reference` when this session holds an unexpired grant for it, else None."""
    normalized = normalize_reference(reference)
    if not normalized:
        return None
    grants = session.get(LOOKUP_GRANTS, {})
    case = Case.objects.select_related("form", "team", "person").filter(reference=normalized).first()
    if case is None or grants.get(str(case.pk), 0) <= timezone.now().timestamp():
        return None
    return case


def case_viewed_by_reference(*, case: Case, request: HttpRequest | None = None) -> None:
    audit_log(actor=None, action=Action.CASE_VIEWED_BY_REFERENCE, obj=case, person=case.person, request=request)


def case_followed_by_application(*, case: Case, actor, request: HttpRequest | None = None) -> None:
    """A partner application read the status and timeline of a request it filed (what the
    resident's follow-up page shows): journaled with the application as the actor."""
    audit_log(actor=actor, action=Action.CASE_FOLLOWED_BY_APPLICATION, obj=case, person=case.person, request=request)


def case_by_reference(
    queryset, text: str, *, complete: bool = False, actor=None, request: HttpRequest | None = None
) -> Case | None:
    """The one case of `queryset` (already scoped to the user) whose reference is `text`
    as typed or read over the phone ("2026 123", "2026-OO123"), or None; a find is journaled.
    With `complete`, only a whole reference finds one (no zeros added to a shorter start)."""
    if complete and not is_complete_reference(text):
        return None
    reference = normalize_reference(text)
    if not reference:
        return None
    case = queryset.select_related("person").filter(reference=reference).first()
    if case is not None and actor is not None:
        audit_log(actor=actor, action=Action.CASE_FOUND_BY_REFERENCE, obj=case, person=case.person, request=request)
    return case


# ---------------------------------------------------------------- correction of one answer


def correctable_answers(case: Case) -> list[dict]:
    """The answers a worker may ask the resident to correct (every question of the case)."""
    return [a for a in case.answers if a.get("key")]


def correction_request(
    *, case: Case, field_key: str, reason: str, actor, submission_key=None, request: HttpRequest | None = None
) -> Correction:
    """A worker asks the resident to correct one answer: the case waits for the resident,
    who gets a message (through the outbox) with a link opening just that question."""

    def create() -> Correction:
        locked = Case.objects.select_related("person", "form", "team").get(pk=case.pk)
        if locked.team_id not in worker_team_ids(actor):
            raise OutOfReach("Only case workers and managers of the case's team ask for corrections.")
        answer = locked.answer(field_key)
        if answer is None:
            raise ValidationError({"field_key": _("Choisissez une question de cette demande.")})
        if not locked.is_open:
            raise ValidationError(
                {"field_key": _("Cette demande est terminée : rouvrez-la avant de demander une correction.")}
            )
        if Correction.objects.filter(case=locked, field_key=field_key).pending().exists():
            raise ValidationError(
                {
                    "field_key": _(
                        "Une correction de cette réponse est déjà demandée : l'habitant ne l'a pas encore faite."
                    )
                }
            )
        correction = Correction.objects.create(
            case=locked,
            field_key=field_key,
            label=answer.get("label", field_key)[:250],
            reason=reason,
            requested_by=actor,
            submission_key=submission_key,
        )
        with translation.override(locked.person.interface_language):  # the resident's language
            text = _("Merci de corriger votre réponse à « %(question)s » : %(reason)s") % {
                "question": correction.label,
                "reason": reason,
            }
        sent = notify(
            person=locked.person,
            template="case_message",
            context=_message_context(locked, message=text, link=settings.SITE_URL + correction.get_absolute_url()),
            related=locked,
            actor=actor,
        )
        event = CaseEvent.objects.create(
            case=locked, kind=EventKind.CORRECTION_ASKED, actor=actor, text=text, message=sent
        )
        Correction.objects.filter(pk=correction.pk).update(asked_event=event)
        correction.asked_event = event
        fields = ["correction_received_at", "updated_at"]
        locked.correction_received_at = None
        if locked.status != Status.WAITING and locked.can_move_to(Status.WAITING):
            # Told once, by the message above: the status change sends nothing more.
            CaseEvent.objects.create(
                case=locked, kind=EventKind.STATUS, actor=actor, old_status=locked.status, new_status=Status.WAITING
            )
            old_status, locked.status = locked.status, Status.WAITING
            fields.append("status")
            _emit_status(locked, old_status)
        locked.save(update_fields=fields)
        audit_log(
            actor=actor,
            action=Action.CASE_CORRECTION_ASKED,
            obj=locked,
            person=locked.person,
            request=request,
            details={"question": field_key},
        )
        return correction

    correction, _created = create_once(Correction, submission_key, create, lock=_lock_case(case))
    return correction


def correction_answer(
    *,
    correction: Correction,
    value=None,
    upload=None,
    actor=None,
    submission_key=None,
    request: HttpRequest | None = None,
) -> CaseEvent:
    """The resident's new answer (a value, or a file) replaces the old one in place in the
    case's answers; the old answer stays in the timeline (and its file among the case's
    documents, for the staff). The queue shows "correction reçue"."""
    by = actor if actor is not None and actor.is_authenticated else None

    def create() -> CaseEvent:
        locked = Case.objects.select_related("person", "form").get(pk=correction.case_id)
        current = Correction.objects.select_for_update().get(pk=correction.pk)
        if current.answer_event_id:
            return current.answer_event  # already corrected (another tab): the same answer
        if current.cancelled_at is not None or not locked.is_open:
            raise ValidationError(
                _(
                    "Cette correction n'est plus attendue : le service a retiré sa demande ou a déjà pris sa "
                    "décision. Pour une question, appelez la mairie au %(phone)s."
                )
                % {"phone": _town_phone()},
                code="correction_closed",
            )
        answers = [dict(a) for a in locked.answers]
        answer = next((a for a in answers if a.get("key") == current.field_key), None)
        if answer is None:
            raise ValidationError(_("Cette question n'est plus dans la demande. Appelez la mairie au %(phone)s.")
                                  % {"phone": _town_phone()})  # fmt: skip
        old = dict(answer)
        event = CaseEvent.objects.create(
            case=locked, kind=EventKind.CORRECTION_RECEIVED, by_resident=True, actor=by, submission_key=submission_key
        )
        if answer.get("kind") == FieldKind.FILE:
            if upload is None:
                raise ValidationError({current.field_key: _("Ajoutez le fichier demandé.")})
            if old.get("document"):
                # Replaced: kept for the staff, gone from the resident's pages and limits.
                Document.objects.filter(case=locked, pk=old["document"]).update(superseded_at=timezone.now())
            document = _store_upload(
                locked, upload, field_key=current.field_key, actor=by, by_resident=True, event=event
            )
            answer.update(value=document.name, display=document.name, document=document.pk)
        else:
            answer.update(value=value, display=display(answer, value))
        event.text = _("« %(question)s » : %(new)s (avant : %(old)s)") % {
            "question": answer.get("label", ""),
            "new": answer["display"],
            "old": old.get("display", "–"),
        }
        event.save(update_fields=["text"])
        now = timezone.now()
        Correction.objects.filter(pk=current.pk).update(answer_event=event, answered_at=now, old_answer=old)
        locked.answers = answers
        locked.correction_received_at = now
        locked.resident_replied_at = now
        fields = ["answers", "correction_received_at", "resident_replied_at", "updated_at"]
        still_open = Correction.objects.filter(case=locked).pending().exists()
        if locked.status == Status.WAITING and not still_open:
            CaseEvent.objects.create(
                case=locked, kind=EventKind.STATUS, old_status=locked.status, new_status=Status.IN_PROGRESS,
                by_resident=True,
            )  # fmt: skip
            locked.status = Status.IN_PROGRESS
            fields.append("status")
            _emit_status(locked, Status.WAITING)
        locked.save(update_fields=fields)
        audit_log(
            actor=by,
            action=Action.CASE_CORRECTION_RECEIVED,
            obj=locked,
            person=locked.person,
            request=request,
            details={"question": current.field_key, "document": upload is not None},
        )
        return event

    event, _created = create_once(CaseEvent, submission_key, create, lock=_lock_case(correction.case))
    return event


def correction_withdraw(*, correction: Correction, actor, request: HttpRequest | None = None) -> Correction:
    """A worker of the case's team withdraws a correction still asked: its link then says it
    is no longer needed. Withdrawing one already withdrawn (or answered) changes nothing."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("person").get(pk=correction.case_id)
        if locked.team_id not in worker_team_ids(actor):
            raise OutOfReach("Only case workers and managers of the case's team withdraw corrections.")
        current = Correction.objects.select_for_update().get(pk=correction.pk)
        if not current.is_open:
            return current
        current.cancelled_at = timezone.now()
        current.save(update_fields=["cancelled_at"])
        CaseEvent.objects.create(
            case=locked,
            kind=EventKind.NOTE,
            actor=actor,
            text=_("Correction retirée : « %(question)s »") % {"question": current.label},
        )
        audit_log(
            actor=actor,
            action=Action.CASE_CORRECTION_WITHDRAWN,
            obj=locked,
            person=locked.person,
            request=request,
            details={"question": current.field_key},
        )
    return current
