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


def steps_of(form: Form, *, signed_in: bool = False, fields=None) -> list[str]:
    """The funnel steps of `form` for a visitor with or without an account, in order."""
    fields = list(form.fields.all()) if fields is None else fields
    names = [START]
    if form.one_question_per_page:
        names += [QUESTION_PREFIX + f.key for f in fields]
    else:
        names.append(QUESTIONS)
    if form.asks_location:
        names.append(LOCATION)
    if not signed_in:
        names.append(CONTACT)
    return names + [CHECK, SENT]


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
# Each draft keeps its furthest step counted (`Draft.funnel_reached`, an index in
# `steps_of(form, signed_in=draft.user_id is not None)`), when it was reached (`funnel_at`),
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
    rows = [(key, [delta.get(f, 0) for f in fields]) for key, delta in deltas.items() if any(delta.values())]
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
_MARKS = ("funnel_reached", "funnel_at", "device", "resumed", "updated_at")


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
    """A step page of `draft` is shown (or the draft is sent, `step` = "sent"): count the
    draft as resumed if it was opened after a pause, and as having reached `step` (and
    every step before it) if it had not yet. A page shown again, or an earlier one, costs
    no write."""
    if not enabled() or draft.funnel_at is None:
        return
    steps = steps_of(form or draft.form, signed_in=draft.user_id is not None, fields=fields)
    if step not in steps:
        return
    target = steps.index(step)
    now = now or timezone.now()
    own_transaction = not connection.in_atomic_block
    for _attempt in range(_RETRIES):
        resume = not draft.resumed and step != SENT and now - max(draft.updated_at, draft.funnel_at) > RESUME_AFTER
        if target <= draft.funnel_reached and not resume:
            return
        with transaction.atomic():
            if own_transaction and connection.vendor == "postgresql":
                # Counts, not records: a crash may lose the last few, so the page does not
                # wait for a disk flush (as core.auditchain's seals). Never inside someone
                # else's transaction (the case sent), whose commit must stay durable.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            changes = {}
            if target > draft.funnel_reached:
                changes.update(funnel_reached=target, funnel_at=now)
            if resume:
                changes["resumed"] = True
            won = Draft.objects.filter(
                pk=draft.pk, funnel_reached=draft.funnel_reached, resumed=draft.resumed, device=draft.device
            ).update(**changes)
            if won:
                deltas = {name: {"reached": 1} for name in steps[draft.funnel_reached + 1 : target + 1]}
                if "funnel_reached" in changes and draft.funnel_reached > 0:
                    left = steps[draft.funnel_reached]
                    deltas[left] = {**deltas.get(left, {}), time_bucket((now - draft.funnel_at).total_seconds()): 1}
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
        for name, value in Draft.objects.values(*_MARKS).get(pk=draft.pk).items():
            setattr(draft, name, value)


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
        marks = Draft.objects.values("funnel_reached", "resumed").get(pk=draft.pk)
        steps = steps_of(draft.form, signed_in=draft.user_id is not None)
        moved = [*steps[: marks["funnel_reached"] + 1], *([RESUMED] if marks["resumed"] else [])]
        day = timezone.localdate(draft.created_at)
        deltas = {(Device.UNKNOWN.value, s): {"reached": -1} for s in moved}
        deltas.update({(device, s): {"reached": 1} for s in moved})
        _upsert(form_id=draft.form_id, day=day, deltas=deltas)
    return True
