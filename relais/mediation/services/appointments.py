"""Appointments at a drop-in: booking (by the resident online, or by staff for them),
cancelling, moving, recording what happened.

Booking, moving, cancelling a date and changing a drop-in lock the rows they depend on,
always in the same order (the advisors' user rows, then the drop-in rows by id, then
appointment rows), so that a booking never slips into a date being cancelled and one
advisor is never booked twice for overlapping times. The partial unique indexes (same
drop-in or advisor at the same start) stay as the database's last line. Overlaps of
different lengths are refused by this locked check, not by an exclusion constraint (which
SQLite cannot have, and which would need the btree_gist extension on PostgreSQL).
"""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.core.models import Channel, Person, refuse_erased
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.exceptions import SlotTaken
from relais.mediation.journal import Action
from relais.mediation.models import Appointment, DropIn
from relais.mediation.services._common import (
    actor_or_none,
    appointment_context,
    appointment_ics,
    lock_for_booking,
    resident_person,
)
from relais.notifications.services import notify


def _free_slot(dropin: DropIn, starts_at: datetime.datetime) -> selectors.Slot:
    """The free slot (the caller holds the booking locks), or SlotTaken."""
    slot = selectors.slot_for(dropin, starts_at)
    if slot is None:
        raise SlotTaken
    return slot


def _appointment_create(
    *, slot: selectors.Slot, person: Person, channel: str, actor, topic: str, submission_key, request
) -> Appointment:
    refuse_erased(person)
    dropin = slot.dropin
    appointment = Appointment(
        dropin=dropin,
        team_id=dropin.team_id,
        place_id=dropin.place_id,
        advisor_id=dropin.advisor_id,
        person=person,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        topic=topic[:300],
        channel=channel,
        booked_by=actor_or_none(actor),
        submission_key=submission_key,
    )
    appointment.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        if submission_key and Appointment.objects.filter(submission_key=submission_key).exists():
            raise  # the same form sent twice: `create_once` answers with the first appointment
        raise SlotTaken from None
    audit_log(
        actor=actor,
        action=Action.APPOINTMENT_BOOKED,
        obj=appointment,
        person=person,
        request=request,
        details={"channel": channel, "starts_at": appointment.starts_at.isoformat()},
    )
    notify(
        person=person,
        template="mediation_appointment_confirmed",
        context=appointment_context(appointment),
        related=appointment,
        actor=actor,
        dedupe_key=f"mediation-appointment-{appointment.pk}-confirmed",
        attachments=appointment_ics(appointment),
    )
    return appointment


@transaction.atomic
def appointment_book(
    *,
    dropin: DropIn,
    starts_at: datetime.datetime,
    person: Person,
    channel: str,
    actor,
    topic: str = "",
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """Book a free slot for `person` (online, or by staff for them) and send the confirmation.

    Raises SlotTaken when the slot is not offered or its time is no longer free: checked
    under the booking locks (see the module docstring), then by the partial unique indexes.
    """
    held = {}

    def lock():
        held["dropin"] = lock_for_booking(dropin)[dropin.pk]

    def create() -> Appointment:
        return _appointment_create(
            slot=_free_slot(held["dropin"], starts_at), person=person, channel=channel, actor=actor, topic=topic,
            submission_key=submission_key, request=request,
        )  # fmt: skip

    appointment, _created = create_once(Appointment, submission_key, create, lock=lock)
    return appointment


@transaction.atomic
def appointment_book_online(
    *,
    dropin: DropIn,
    starts_at: datetime.datetime,
    user,
    contact: dict,
    topic: str = "",
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """A resident books from the public form: their account's person, or a new one (created
    only once the slot is known to be free and the contact under its cap)."""
    held = {}

    def lock():
        held["dropin"] = lock_for_booking(dropin)[dropin.pk]

    def create() -> Appointment:
        slot = _free_slot(held["dropin"], starts_at)
        selectors.check_future_appointments_cap(user=user, contact=contact)
        person = resident_person(user=user, contact=contact, request=request)
        return _appointment_create(
            slot=slot, person=person, channel=Channel.ONLINE, actor=user, topic=topic, submission_key=submission_key,
            request=request,
        )  # fmt: skip

    appointment, _created = create_once(Appointment, submission_key, create, lock=lock)
    return appointment


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor, by_service: bool = False, reason: str = "", request: HttpRequest | None = None
) -> Appointment:
    """Cancel (by the resident: "excused"; by the service: "revoked") and tell the resident,
    with the calendar file that removes the event from their calendar."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("person", "place").get(pk=appointment.pk)
    )
    appointment.save(update_fields=appointment.cancel(by_service=by_service, reason=reason))
    audit_log(
        actor=actor,
        action=Action.APPOINTMENT_CANCELLED,
        obj=appointment,
        person=appointment.person,
        request=request,
        details={"by_service": by_service},
    )
    notify(
        person=appointment.person,
        template="mediation_appointment_revoked" if by_service else "mediation_appointment_cancelled",
        context=appointment_context(appointment, reason),
        related=appointment,
        actor=actor,
        attachments=appointment_ics(appointment, method="CANCEL"),
    )
    return appointment


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    dropin: DropIn,
    starts_at: datetime.datetime,
    actor,
    request: HttpRequest | None = None,
) -> Appointment:
    """Move to another free slot: the old one is freed (outcome "moved", not an absence),
    the new one booked under the same calendar event, one message sent.

    Raises ValidationError when the appointment can no longer be changed (cancelled or
    moved meanwhile, e.g. a second click) and SlotTaken when the new time is not free."""
    current = Appointment.objects.select_related("dropin").get(pk=appointment.pk)
    locked = lock_for_booking(current.dropin, dropin)
    old = Appointment.objects.select_for_update(of=("self",)).select_related("person").get(pk=appointment.pk)
    old.save(update_fields=old.mark_moved())
    slot = _free_slot(locked[dropin.pk], starts_at)
    new = Appointment(
        dropin=slot.dropin,
        team_id=slot.dropin.team_id,
        place_id=slot.dropin.place_id,
        advisor_id=slot.dropin.advisor_id,
        person=old.person,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        topic=old.topic,
        channel=old.channel,
        booked_by=actor_or_none(actor) or old.booked_by,
        calendar_uid=old.calendar_uid,
        calendar_sequence=old.calendar_sequence + 1,
    )
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        raise SlotTaken from None
    old.rescheduled_to = new
    old.save(update_fields=["rescheduled_to"])
    audit_log(
        actor=actor,
        action=Action.APPOINTMENT_MOVED,
        obj=new,
        person=new.person,
        request=request,
        details={"from": old.pk, "starts_at": new.starts_at.isoformat()},
    )
    notify(
        person=new.person,
        template="mediation_appointment_moved",
        context=appointment_context(new),
        related=new,
        actor=actor,
        attachments=appointment_ics(new),
    )
    return new


@transaction.atomic
def appointment_record_outcome(
    *, appointment: Appointment, outcome: str, actor, request: HttpRequest | None = None
) -> Appointment:
    """What happened. "Excused" before the time is the resident cancelling through the
    staff: the slot is freed, the reminder will not go and the resident is told."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("person", "place").get(pk=appointment.pk)
    )
    if outcome == c.Outcome.EXCUSED and appointment.is_active and not appointment.is_past:
        appointment = appointment_cancel(
            appointment=appointment, actor=actor, reason=_("Absence signalée à l'avance"), request=request
        )
        appointment.outcome_recorded_by = actor_or_none(actor)
        appointment.outcome_recorded_at = timezone.now()
        appointment.save(update_fields=["outcome_recorded_by", "outcome_recorded_at"])
        return appointment
    fields = appointment.record_outcome(outcome)
    appointment.outcome_recorded_by = actor_or_none(actor)
    appointment.outcome_recorded_at = timezone.now()
    appointment.save(update_fields=[*fields, "outcome_recorded_by", "outcome_recorded_at"])
    audit_log(
        actor=actor,
        action=Action.APPOINTMENT_OUTCOME_RECORDED,
        obj=appointment,
        person=appointment.person,
        request=request,
        details={"outcome": outcome},
    )
    return appointment
