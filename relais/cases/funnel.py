"""The funnel of online requests: how many drafts of a form reached each step, per day of
their start and device class, and how long they stayed on each step.

Step names, in the order a resident meets them: "start" (the draft is created), then one
"q:<field key>" per question (forms with one question per page) or "questions" (all on one
page), "location" (forms that ask where), "contact" (visitors without an account), "check"
("Vérifiez vos réponses"), "sent". "resumed" counts drafts reopened from their link after a
pause; it is not a step of the path.

Counting is in FunnelDay rows (numbers only); nothing here reads a draft's answers.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.cases.models import STEP_TIME_BOUNDS, STEP_TIME_FIELDS, Device, Draft, Form, FunnelDay

START, QUESTIONS, LOCATION, CONTACT, CHECK, SENT, RESUMED = (
    "start",
    "questions",
    "location",
    "contact",
    "check",
    "sent",
    "resumed",
)
QUESTION_PREFIX = "q:"


def steps_of(form: Form, *, fields=None) -> list[str]:
    """The funnel steps of `form`, in order. "contact" is always a step: a visitor with an
    account passes it without a page (counted as reached, like any step skipped), so that
    "contact reached − check reached" is exactly the visitors who stopped at their details
    and a resident who logs in midway is counted on the same path."""
    fields = list(form.fields.all()) if fields is None else fields
    names = [START]
    if form.one_question_per_page:
        names += [QUESTION_PREFIX + f.key for f in fields]
    else:
        names.append(QUESTIONS)
    if form.asks_location:
        names.append(LOCATION)
    return names + [CONTACT, CHECK, SENT]


def step_label(step: str, fields_by_key: dict | None = None) -> str:
    """How a step is named on staff pages: the question itself for "q:<key>"."""
    if step.startswith(QUESTION_PREFIX):
        field = (fields_by_key or {}).get(step[len(QUESTION_PREFIX) :])
        return _("Question « %(label)s »") % {"label": field.label} if field else _("Question retirée depuis")
    return {
        START: _("Demande commencée"),
        QUESTIONS: _("Questions"),
        LOCATION: _("Lieu du problème"),
        CONTACT: _("Coordonnées"),
        CHECK: _("Vérification des réponses"),
        SENT: _("Demande envoyée"),
        RESUMED: _("Reprise depuis le lien"),
    }.get(step, step)


# ---------------------------------------------------------------- recording
#
# Each draft keeps its furthest step counted (`Draft.funnel_step`, a name in
# `steps_of(form)`), when it was reached (`funnel_at`),
# its device class and whether it was resumed. A step is counted by the request that leads
# to it, in the transaction that already writes: the start POST counts "start" and the first
# page, an answer POST the page it goes on to (services.draft_save_answers / draft_save,
# `reached=`), the send "sent"; so showing a page is a read. A page reached another way (a
# link kept, a pause: "resumed") is counted when shown. Either moves the mark forward with one
# conditional UPDATE (compare-and-set on the mark read with the draft, so two clicks or two
# tabs count once); only when that UPDATE changed the row does ONE upsert add to FunnelDay:
# +1 "reached" for every step between the old mark and the new one (steps skipped, e.g. with
# a link kept from an earlier visit, count as reached), and +1 in the time bucket of the step
# left (now - funnel_at). Going back never counts. "start" has no time bucket: it is the
# redirect from the start page to the first question, not a page the resident reads.
#
# Drafts started while recording was off (`funnel_at` empty) are never counted, so a day's
# figures are never a partial funnel. Counts are filed under the day the draft was started
# and its device class; a class learnt later moves the draft's "reached" counts with it
# (`device_told`), while the time buckets already counted stay where they were (the hint is
# normally fetched with the first question page, before any bucket is counted).

# A draft opened this long after its last activity (an answer saved or a step reached)
# counts as "resumed" (once per draft): the resident came back to it from its link.
RESUME_AFTER = datetime.timedelta(hours=1)

# How many times a recording re-reads the draft after losing a race with another request
# on the same draft (a double click, the device hint) before giving up on counting.
_RETRIES = 3

# A 1×1 transparent GIF: the device hint's answer, whatever was asked.
TRANSPARENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def enabled() -> bool:
    """Whether the funnel is recorded (env RELAIS_FUNNEL, on by default)."""
    return bool(settings.RELAIS.get("FUNNEL", True))


def time_bucket(seconds: float) -> str:
    """The FunnelDay field counting a stay of `seconds` on a step."""
    for bound, field in zip(STEP_TIME_BOUNDS, STEP_TIME_FIELDS, strict=False):
        if seconds < bound:
            return field
    return STEP_TIME_FIELDS[-1]


def device_from_hints(request) -> str:
    """The device class from the low-entropy client hint `Sec-CH-UA-Mobile` ("" if not sent)."""
    return {"?1": Device.PHONE, "?0": Device.LARGE}.get(request.headers.get("Sec-CH-UA-Mobile", "").strip(), "")


def _upsert(*, form_id: int, day: datetime.date, deltas: dict[tuple[str, str], dict[str, int]]) -> None:
    """Add `deltas` ({(device, step): {field: n}}) to the FunnelDay rows of (form, day): one
    INSERT … ON CONFLICT DO UPDATE statement (SQLite ≥ 3.24 and PostgreSQL)."""
    fields = ("reached", *STEP_TIME_FIELDS)
    # Sorted: two transactions locking rows of the same form and day always take them in
    # the same order (no deadlock on PostgreSQL).
    rows = sorted((key, [delta.get(f, 0) for f in fields]) for key, delta in deltas.items() if any(delta.values()))
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(FunnelDay._meta.db_table)
    columns = ", ".join(qn(c) for c in ("form_id", "day", "device", "step", *fields))
    placeholders = "(" + ", ".join(["%s"] * (4 + len(fields))) + ")"
    updates = ", ".join(f"{qn(f)} = {table}.{qn(f)} + excluded.{qn(f)}" for f in fields)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(rows))} "  # noqa: S608 - names only
        f"ON CONFLICT ({qn('form_id')}, {qn('day')}, {qn('device')}, {qn('step')}) DO UPDATE SET {updates}"
    )
    params = []
    for (device, step), values in rows:
        params += [form_id, day, device, step, *values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# The marks a recording compares and sets (re-read after losing a race).
_MARKS = ("funnel_step", "funnel_at", "device", "resumed", "updated_at")


def record_start(draft: Draft) -> None:
    """Count "start" for a draft just created with `funnel_at` set (see `draft_start`)."""
    if draft.funnel_at is None:
        return
    _upsert(
        form_id=draft.form_id, day=timezone.localdate(draft.created_at), deltas={(draft.device, START): {"reached": 1}}
    )


def step_shown(
    draft: Draft, step: str, *, form: Form | None = None, fields=None, now: datetime.datetime | None = None
) -> None:
    """A step of `draft` is reached (the answer leading to it is saved, the page is shown,
    or the draft is sent, `step` = "sent"): count the draft as resumed if it was opened
    after a pause, and as having reached `step` (and every step between its furthest one
    and `step`) if it had not yet. A page shown again, or an earlier one, costs no write.

    The furthest step is kept by name: if the form was edited under the draft and that
    step is gone, only `step` itself is counted (no step filled in, no time bucket)."""
    if not enabled() or draft.funnel_at is None:
        return
    steps = steps_of(form or draft.form, fields=fields)
    if step not in steps:
        return
    target = steps.index(step)
    now = now or timezone.now()
    own_transaction = not connection.in_atomic_block
    for _attempt in range(_RETRIES):
        current = steps.index(draft.funnel_step) if draft.funnel_step in steps else None
        forward = target > current if current is not None else step != draft.funnel_step
        resume = not draft.resumed and step != SENT and now - max(draft.updated_at, draft.funnel_at) > RESUME_AFTER
        if not forward and not resume:
            return
        with transaction.atomic():
            if own_transaction and connection.vendor == "postgresql":
                # Counts, not records: a crash may lose the last few, so the page does not
                # wait for a disk flush (as core.auditchain's seals). Never inside someone
                # else's transaction (the answer saved, the case sent), whose commit must stay durable.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            changes = {}
            if forward:
                changes.update(funnel_step=step, funnel_at=now)
            if resume:
                changes["resumed"] = True
            won = Draft.objects.filter(
                pk=draft.pk, funnel_step=draft.funnel_step, resumed=draft.resumed, device=draft.device
            ).update(**changes)
            if won:
                deltas = {}
                if forward:
                    reached = steps[current + 1 : target + 1] if current is not None else [step]
                    deltas = {name: {"reached": 1} for name in reached}
                    if current:  # not "start" (the redirect to the first page), not a step gone
                        left = steps[current]
                        bucket = time_bucket((now - draft.funnel_at).total_seconds())
                        deltas[left] = {**deltas.get(left, {}), bucket: 1}
                if resume:
                    deltas[RESUMED] = {"reached": 1}
                _upsert(
                    form_id=draft.form_id,
                    day=timezone.localdate(draft.created_at),
                    deltas={(draft.device, name): delta for name, delta in deltas.items()},
                )
                for name, value in changes.items():
                    setattr(draft, name, value)
                return
        marks = Draft.objects.filter(pk=draft.pk).values(*_MARKS).first()
        if marks is None:  # deleted meanwhile (purge, spam, erasure): nothing to count
            return
        for name, value in marks.items():
            setattr(draft, name, value)


def sent_forget(draft: Draft) -> None:
    """After "sent" is counted: nothing about the visit (device class, times, steps) stays
    on the draft beside the case it became."""
    Draft.objects.filter(pk=draft.pk).update(funnel_step="", funnel_at=None, resumed=False, device="")
    draft.funnel_step, draft.funnel_at, draft.resumed, draft.device = "", None, False, ""


def device_told(*, slug: str, key: str, device: str) -> bool:
    """The device hint image was fetched for draft `key` of form `slug`: set the draft's
    device class once and move what was counted for it from "unknown" to that class (one
    upsert, negative and positive deltas: totals stay exact). Returns whether anything
    changed; an unknown draft, a sent one or a bad class change nothing."""
    if not enabled() or device not in (Device.PHONE, Device.LARGE):
        return False
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return False
    draft = Draft.objects.filter(key=key, form__slug=slug, case__isnull=True, device="").select_related("form").first()
    if draft is None or draft.funnel_at is None:
        return False
    with transaction.atomic():
        # Set first, then read the marks: a step counted concurrently either committed
        # before (its count is moved here) or fails its compare-and-set on device="" and
        # is counted again under the new class.
        if not Draft.objects.filter(pk=draft.pk, device="", case__isnull=True).update(device=device):
            return False
        marks = Draft.objects.filter(pk=draft.pk).values("funnel_step", "resumed").first()
        steps = steps_of(draft.form)
        if marks is None or marks["funnel_step"] not in steps[:2]:
            # The image comes with the first page. Later (images loaded late, or the form
            # edited under the draft), which steps were counted under "unknown" is not
            # certain: the class holds for the counts to come and nothing is moved, so no
            # count can go below zero nor be moved that was never made.
            return True
        moved = [*steps[: steps.index(marks["funnel_step"]) + 1], *([RESUMED] if marks["resumed"] else [])]
        day = timezone.localdate(draft.created_at)
        deltas = {(Device.UNKNOWN.value, s): {"reached": -1} for s in moved}
        deltas.update({(device, s): {"reached": 1} for s in moved})
        _upsert(form_id=draft.form_id, day=day, deltas=deltas)
    return True
