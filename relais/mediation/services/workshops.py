"""Writes of the mediation app. Each call validates, changes atomically, writes its audit
entry and queues its messages in the same transaction, so the resident's form, the staff
screens and the management commands behave the same.

Seats (the registration rush): `registration_create` locks the workshop row (PostgreSQL;
SQLite's IMMEDIATE transactions already serialize writers), then takes a seat with a
conditional UPDATE `confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity`.
The CHECK constraint `confirmed_count <= capacity` is the last line if anything else ever
tried; whoever does not get a seat goes to the waitlist.

Appointments: booking, moving, cancelling a date and changing a drop-in lock the rows
they depend on, always in the same order (the advisors' user rows, then the drop-in rows
by id, then appointment rows), so that a booking never slips into a date being cancelled
and one advisor is never booked twice for overlapping times. The partial unique indexes
(same drop-in or advisor at the same start) stay as the database's last line. Overlaps of
different lengths are refused by this locked check, not by an exclusion constraint (which
SQLite cannot have, and which would need the btree_gist extension on PostgreSQL).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relais.accounts.models import User
from relais.core.audit import audit_log, client_ip
from relais.core.idempotency import create_once
from relais.core.models import AuditEvent, Channel, ContactChannel, Person, refuse_erased
from relais.core.pdf import render_pdf
from relais.core.services import person_create, person_for_account
from relais.mediation import choices as c
from relais.mediation import ics, selectors, text
from relais.mediation.locks import sqlite_write_queue
from relais.mediation.models import (
    Accompaniment,
    Appointment,
    Attendance,
    CalendarToken,
    DropIn,
    DropInCancellation,
    Registration,
    SchoolHoliday,
    Workshop,
    WorkshopSession,
    new_token,
)
from relais.notifications import channels
from relais.notifications.services import notify

LETTER_REMINDER_DAYS = 3  # a letter needs this many days to arrive before the appointment
LETTER_LATEST_DAYS = 2  # a run missed on that day still posts the letter the next day, not later
LETTER_MIN_LEAD = datetime.timedelta(days=7)  # booked closer than this, the confirmation letter is the reminder


class SlotTaken(Exception):
    """Someone else booked this slot first, or it is no longer offered."""


class RegistrationRefused(Exception):
    def __init__(self, message: str, existing: Registration | None = None):
        super().__init__(message)
        self.message = message
        self.existing = existing


class AlreadyRegistered(RegistrationRefused):
    pass


class RegistrationClosed(RegistrationRefused):
    pass


def _in_language(person, func, *args):
    with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
        return func(*args)


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def people_viewed(
    *, actor, action: str, person_ids, obj=None, request: HttpRequest | None = None, details: dict | None = None
) -> int:
    """One journal entry per person shown on a staff screen (one INSERT for them all), so
    that "who looked at this person" finds list pages too. Returns the number of entries."""
    ids = sorted({pk for pk in person_ids if pk})
    actor = _actor(actor)
    ip = client_ip(request)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                actor_label=actor.email if actor else "",
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                person_id=pk,
                ip=ip,
                details=details or {},
            )
            for pk in ids
        ]
    )
    return len(ids)


def _check_mediation_team(actor, team_id, message: str) -> None:
    if team_id not in selectors.mediation_team_ids(actor):
        raise PermissionError(message)


def _lock_for_booking(*dropins: DropIn) -> dict[int, DropIn]:
    """Lock what a booking depends on: the advisors (one advisor, one appointment at a
    time, across drop-ins), then the drop-in rows (a date cancelled meanwhile). Always in
    this order, ids ascending, so that two bookings never wait for each other.
    Returns the drop-ins as read under the lock, by id."""
    advisors = sorted({d.advisor_id for d in dropins if d.advisor_id})
    if advisors:
        list(User.objects.select_for_update().filter(pk__in=advisors).order_by("pk").values_list("pk", flat=True))
    locked = DropIn.objects.select_for_update().filter(pk__in=[d.pk for d in dropins]).order_by("pk")
    return {d.pk: d for d in locked}


# ---------------------------------------------------------------- people


def resident_person(*, user, contact: dict, request: HttpRequest | None = None) -> Person:
    """The person behind an online booking: the account's, or a new record from the form."""
    if user is not None and user.is_authenticated:
        return person_for_account(user=user)
    return person_create(actor=None, data=contact, channel=Channel.ONLINE, request=request)


# ---------------------------------------------------------------- drop-in sessions


TIMING_FIELDS = ("start_date", "end_date", "start_time", "end_time", "rrule", "skip_school_holidays", "booking")


def _check_future_appointments_fit(dropin: DropIn, before: DropIn) -> None:
    """A change of timing or advisor must not strand or overlap appointments already booked.

    Each future appointment must still lie inside a session of the new definition, and a
    new advisor must be free at those times. A new slot length is fine: the appointments
    keep their own times, and new slots that would overlap them are never offered.
    """
    now = timezone.now()
    future = list(dropin.appointments.active().filter(starts_at__gte=now).order_by("starts_at"))
    if not future:
        return
    errors: dict[str, list[str]] = {}
    if any(getattr(dropin, name) != getattr(before, name) for name in TIMING_FIELDS):
        last = future[-1].ends_at
        sessions = dropin.occurrences(now - datetime.timedelta(days=1), last + datetime.timedelta(days=1))
        stranded = [
            a for a in future if not any(o.starts_at <= a.starts_at and a.ends_at <= o.ends_at for o in sessions)
        ]
        if not dropin.is_bookable:
            errors["booking"] = [
                _(
                    "%(n)s rendez-vous sont déjà pris à cette permanence : annulez-les d'abord, ou gardez les "
                    "rendez-vous."
                )
                % {"n": len(future)}
            ]
        elif stranded:
            errors["start_time"] = [
                _(
                    "%(n)s rendez-vous déjà pris (le premier : %(when)s) ne tiendraient plus dans ces horaires. "
                    "Annulez-les ou déplacez-les d'abord, ou gardez les horaires actuels."
                )
                % {"n": len(stranded), "when": text.moment_text(stranded[0].starts_at)}
            ]
    if dropin.advisor_id and dropin.advisor_id != before.advisor_id:
        clashes = [
            a
            for a in future
            if Appointment.objects.overlapping(a.starts_at, a.ends_at)
            .filter(advisor_id=dropin.advisor_id)
            .exclude(dropin=dropin)
            .exists()
        ]
        if clashes:
            errors["advisor"] = [
                _("Ce conseiller a déjà un rendez-vous au même moment que %(n)s rendez-vous de cette permanence.")
                % {"n": len(clashes)}
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dropin_save(*, dropin: DropIn, actor, request: HttpRequest | None = None) -> DropIn:
    _check_mediation_team(actor, dropin.team_id, "Only the team's advisors and managers define its sessions.")
    creating = dropin.pk is None
    if creating:
        dropin.created_by = _actor(actor)
    dropin.full_clean()
    if not creating:
        _lock_for_booking(DropIn.objects.get(pk=dropin.pk), dropin)
        _check_future_appointments_fit(dropin, DropIn.objects.get(pk=dropin.pk))  # as it stands under the lock
    dropin.save()
    audit_log(
        actor=actor, action="mediation.dropin_created" if creating else "mediation.dropin_updated", obj=dropin,
        request=request,
    )  # fmt: skip
    return dropin


def _appointment_context(appointment: Appointment, notice: str = "") -> dict:
    def build():
        return {
            "when": text.moment_text(appointment.starts_at),
            "place": appointment.place.nom,
            "address": appointment.place.full_address,
            "topic": appointment.topic,
            "link": settings.SITE_URL + appointment.get_resident_url(),
            "notice": notice,
        }

    return _in_language(appointment.person, build)


def _appointment_ics(appointment: Appointment, *, method: str = "REQUEST") -> list[dict]:
    """The invitation (REQUEST) or its withdrawal (CANCEL): one event per appointment, whose
    UID stays when it is moved and whose SEQUENCE grows, so calendars update it in place."""
    content = ics.to_text(_("Rendez-vous"), [ics.appointment_event(appointment, for_invitation=True)], method=method)
    return [{"filename": "rendez-vous.ics", "content_type": "text/calendar", "content": content}]


@transaction.atomic
def dropin_cancel_date(
    *, dropin: DropIn, date: datetime.date, notice: str, actor, request: HttpRequest | None = None
) -> DropInCancellation:
    """Cancel one session: residents read `notice`; its appointments are revoked and the people told.

    The drop-in row is locked first: a booking running at the same moment waits, then sees
    the date cancelled (and one that committed first is revoked here)."""
    dropin = DropIn.objects.select_for_update().get(pk=dropin.pk)
    if date < timezone.localdate():
        raise ValidationError({"date": _("Cette date est passée.")})
    day_start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    if not dropin.occurrences(day_start, day_start + datetime.timedelta(days=1), cancellations={}):
        raise ValidationError({"date": _("Il n'y a pas de permanence ce jour-là.")})
    cancellation, _created = DropInCancellation.objects.update_or_create(
        dropin=dropin, date=date, defaults={"notice": notice, "created_by": _actor(actor)}
    )
    revoked = _revoke_appointments(
        Appointment.objects.filter(
            dropin=dropin, starts_at__gte=day_start, starts_at__lt=day_start + datetime.timedelta(days=1)
        ),
        notice=notice,
        actor=actor,
    )
    audit_log(
        actor=actor,
        action="mediation.dropin_date_cancelled",
        obj=dropin,
        request=request,
        details={"date": date.isoformat(), "appointments_revoked": revoked},
    )
    return cancellation


def _revoke_appointments(appointments: QuerySet[Appointment], *, notice: str, actor) -> int:
    """Cancel the active ones among `appointments` on the service's side and tell each
    person, with `notice` and a calendar cancellation. The caller holds the drop-in locks."""
    revoked = 0
    for appointment in appointments.active().select_for_update(of=("self",)).select_related("person", "place"):
        appointment.save(update_fields=appointment.cancel(by_service=True, reason=notice))
        notify(
            person=appointment.person,
            template="mediation_appointment_revoked",
            context=_appointment_context(appointment, notice),
            related=appointment,
            actor=actor,
            attachments=_appointment_ics(appointment, method="CANCEL"),
        )
        revoked += 1
    return revoked


@transaction.atomic
def dropin_restore_date(*, dropin: DropIn, date: datetime.date, actor, request: HttpRequest | None = None) -> None:
    deleted, _detail = DropInCancellation.objects.filter(dropin=dropin, date=date).delete()
    if deleted:
        audit_log(
            actor=actor, action="mediation.dropin_date_restored", obj=dropin, request=request,
            details={"date": date.isoformat()},
        )  # fmt: skip


@transaction.atomic
def holiday_save(*, holiday: SchoolHoliday, actor, request: HttpRequest | None = None) -> SchoolHoliday:
    """Save a holiday period. Drop-ins that skip school holidays no longer meet on those
    days: appointments already booked then are revoked and the people told."""
    holiday.full_clean()
    skipping = list(
        DropIn.objects.select_for_update().filter(skip_school_holidays=True).order_by("pk").values_list("pk", flat=True)
    )
    holiday.save()
    first = max(holiday.start, timezone.localdate())
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(holiday.end + datetime.timedelta(days=1), datetime.time.min))
    revoked = 0
    if skipping and start < end:
        notice = _("Pas de permanence pendant les vacances scolaires (%(name)s).") % {"name": holiday.name}
        revoked = _revoke_appointments(
            Appointment.objects.filter(dropin_id__in=skipping, starts_at__gte=start, starts_at__lt=end),
            notice=notice,
            actor=actor,
        )
    audit_log(
        actor=actor,
        action="mediation.holiday_saved",
        obj=holiday,
        request=request,
        details={"appointments_revoked": revoked},
    )
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: SchoolHoliday, actor, request: HttpRequest | None = None) -> None:
    audit_log(actor=actor, action="mediation.holiday_deleted", obj=holiday, request=request)
    holiday.delete()


# ---------------------------------------------------------------- appointments


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
        booked_by=_actor(actor),
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
        action="mediation.appointment_booked",
        obj=appointment,
        person=person,
        request=request,
        details={"channel": channel, "starts_at": appointment.starts_at.isoformat()},
    )
    notify(
        person=person,
        template="mediation_appointment_confirmed",
        context=_appointment_context(appointment),
        related=appointment,
        actor=actor,
        dedupe_key=f"mediation-appointment-{appointment.pk}-confirmed",
        attachments=_appointment_ics(appointment),
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
        held["dropin"] = _lock_for_booking(dropin)[dropin.pk]

    def create() -> Appointment:
        return _appointment_create(
            slot=_free_slot(held["dropin"], starts_at), person=person, channel=channel, actor=actor, topic=topic,
            submission_key=submission_key, request=request,
        )  # fmt: skip

    appointment, _created = create_once(Appointment, submission_key, create, lock=lock)
    return appointment


def max_future_appointments() -> int:
    return int(settings.RELAIS.get("MEDIATION_MAX_FUTURE_APPOINTMENTS", 3))


def _check_future_appointments_cap(*, user, contact: dict) -> None:
    """Online, one way to be reached holds at most a few appointments to come (a bot, or a
    joke, must not empty the calendar); staff booking at the counter are not limited."""
    from relais.core.text import phone_digits

    condition = Q()
    if user is not None and user.is_authenticated:
        condition |= Q(person__user=user)
    email = (contact.get("email") or "").strip()
    if email:
        condition |= Q(person__email__iexact=email)
    digits = phone_digits(contact.get("phone") or "")
    if len(digits) >= 8:
        condition |= Q(person__search_text__contains=digits)
    if not condition:
        # Reached by letter, or not at all: the name is all there is to count by.
        last, first = (contact.get("last_name") or "").strip(), (contact.get("first_name") or "").strip()
        if not last:
            return
        condition = Q(person__last_name__iexact=last, person__first_name__iexact=first)
    cap = max_future_appointments()
    if cap and Appointment.objects.active().filter(starts_at__gte=timezone.now()).filter(condition).count() >= cap:
        raise ValidationError(
            _(
                "Ces coordonnées ont déjà %(n)s rendez-vous à venir, le maximum en ligne. Pour en prendre un autre, "
                "annulez-en un avec le lien reçu, ou appelez la mairie au %(phone)s."
            )
            % {"n": cap, "phone": settings.RELAIS["TOWN_PHONE"]}
        )


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
        held["dropin"] = _lock_for_booking(dropin)[dropin.pk]

    def create() -> Appointment:
        slot = _free_slot(held["dropin"], starts_at)
        _check_future_appointments_cap(user=user, contact=contact)
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
        action="mediation.appointment_cancelled",
        obj=appointment,
        person=appointment.person,
        request=request,
        details={"by_service": by_service},
    )
    notify(
        person=appointment.person,
        template="mediation_appointment_revoked" if by_service else "mediation_appointment_cancelled",
        context=_appointment_context(appointment, reason),
        related=appointment,
        actor=actor,
        attachments=_appointment_ics(appointment, method="CANCEL"),
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
    locked = _lock_for_booking(current.dropin, dropin)
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
        booked_by=_actor(actor) or old.booked_by,
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
        action="mediation.appointment_moved",
        obj=new,
        person=new.person,
        request=request,
        details={"from": old.pk, "starts_at": new.starts_at.isoformat()},
    )
    notify(
        person=new.person,
        template="mediation_appointment_moved",
        context=_appointment_context(new),
        related=new,
        actor=actor,
        attachments=_appointment_ics(new),
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
        appointment.outcome_recorded_by = _actor(actor)
        appointment.outcome_recorded_at = timezone.now()
        appointment.save(update_fields=["outcome_recorded_by", "outcome_recorded_at"])
        return appointment
    fields = appointment.record_outcome(outcome)
    appointment.outcome_recorded_by = _actor(actor)
    appointment.outcome_recorded_at = timezone.now()
    appointment.save(update_fields=[*fields, "outcome_recorded_by", "outcome_recorded_at"])
    audit_log(
        actor=actor,
        action="mediation.appointment_outcome",
        obj=appointment,
        person=appointment.person,
        request=request,
        details={"outcome": outcome},
    )
    return appointment


# ---------------------------------------------------------------- workshops


def _unique_slug(title: str, exclude_pk=None) -> str:
    base = slugify(title)[:80] or "atelier"
    slug, n = base, 2
    while Workshop.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def workshop_save(
    *,
    workshop: Workshop,
    sessions: list[WorkshopSession] = (),
    deleted_sessions: list[WorkshopSession] = (),
    actor,
    request: HttpRequest | None = None,
) -> Workshop:
    """Create or change a workshop and its sessions; a larger capacity promotes the waitlist."""
    _check_mediation_team(actor, workshop.team_id, "Only the team's advisors and managers define its workshops.")
    creating = workshop.pk is None
    if creating:
        workshop.created_by = _actor(actor)
        workshop.confirmed_count = 0
    else:
        locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
        workshop.confirmed_count = locked.confirmed_count  # never from a form
        if workshop.capacity < locked.confirmed_count:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(n)s personnes sont déjà inscrites : désinscrivez-en avant de réduire le nombre de places."
                    )
                    % {"n": locked.confirmed_count}
                }
            )
    if not workshop.slug:
        workshop.slug = _unique_slug(workshop.title, exclude_pk=workshop.pk)
    workshop.full_clean()
    workshop.save()
    for session in deleted_sessions:
        if session.pk and session.workshop_id == workshop.pk:
            session.delete()
    for session in sessions:
        session.workshop = workshop
        session.full_clean()
        session.save()
    if not workshop.sessions.exists():
        raise ValidationError(_("Ajoutez au moins une séance."))
    promoted = [] if creating else _promote_waitlisted(workshop, actor=actor, request=request)
    audit_log(
        actor=actor,
        action="mediation.workshop_created" if creating else "mediation.workshop_updated",
        obj=workshop,
        request=request,
        details={"promoted": len(promoted)} if promoted else {},
    )
    return workshop


def _workshop_context(registration: Registration) -> dict:
    workshop = registration.workshop

    def build():
        sessions = workshop.session_list()
        return {
            "title": workshop.title,
            "sessions": "\n".join(f"- {text.span_text(s.starts_at, s.ends_at)}" for s in sessions),
            "first": text.moment_text(sessions[0].starts_at) if sessions else "",
            "place": workshop.place.nom,
            "address": workshop.place.full_address,
            "link": settings.SITE_URL + registration.get_resident_url(),
            "position": registration.waitlist_position() or "",
        }

    return _in_language(registration.person, build)


def check_registration_open(workshop: Workshop, *, by_staff: bool = False) -> None:
    """Raise RegistrationClosed unless `workshop` takes registrations now (staff: until it begins)."""
    state = workshop.registration_state()
    first = workshop.first_session
    if state == "cancelled" or first is None or first.is_past:
        raise RegistrationClosed(_("Les inscriptions à cet atelier sont terminées."))
    if not by_staff and state == "not_yet":
        raise RegistrationClosed(
            _("Les inscriptions ouvrent le %(when)s.") % {"when": text.moment_text(workshop.registration_opens_at)}
        )
    if not by_staff and state != "open":
        raise RegistrationClosed(_("Les inscriptions à cet atelier sont terminées."))


def _workshop_ics(workshop: Workshop) -> list[dict]:
    content = ics.to_text(workshop.title, ics.workshop_events(workshop))
    return [{"filename": "atelier.ics", "content_type": "text/calendar", "content": content}]


@transaction.atomic
def registration_create(
    *,
    workshop: Workshop,
    person: Person,
    channel: str,
    actor,
    submission_key: uuid.UUID | None = None,
    by_staff: bool = False,
    request: HttpRequest | None = None,
) -> Registration:
    """A seat if one is free, else a place on the waitlist (see the module docstring).

    Refuses kindly (AlreadyRegistered) the same person, or someone with the same name and
    the same e-mail, phone or address, registered twice; residents only while registration
    is open, staff until the first session begins. The waitlist order is the id the
    database gives the row while this transaction holds the workshop lock.
    """
    held = {}

    def lock():
        held["workshop"] = Workshop.objects.select_for_update().get(pk=workshop.pk)

    def create() -> Registration:
        return _register(
            locked=held["workshop"], person=person, channel=channel, actor=actor, submission_key=submission_key,
            by_staff=by_staff, request=request,
        )  # fmt: skip

    registration, _created = create_once(Registration, submission_key, create, lock=lock)
    return registration


def _register(*, locked: Workshop, person, channel, actor, submission_key, by_staff, request) -> Registration:
    """The registration itself (the caller holds the workshop lock); `person` may be a
    callable making the resident, called once the workshop is known to be open."""
    check_registration_open(locked, by_staff=by_staff)
    if callable(person):
        person = person()
    refuse_erased(person)
    duplicate = selectors.duplicate_registration(locked, person)
    if duplicate:
        raise AlreadyRegistered(_("Vous êtes déjà inscrit(e) à cet atelier."), existing=duplicate)
    now = timezone.now()
    try:
        with transaction.atomic():
            took_seat = Workshop.objects.filter(pk=locked.pk, confirmed_count__lt=F("capacity")).update(
                confirmed_count=F("confirmed_count") + 1
            )
            registration = Registration(
                workshop=locked,
                person=person,
                status=c.RegistrationStatus.CONFIRMED if took_seat else c.RegistrationStatus.WAITLISTED,
                queued_at=now,
                confirmed_at=now if took_seat else None,
                channel=channel,
                registered_by=_actor(actor),
                submission_key=submission_key,
            )
            registration.full_clean(validate_unique=False, validate_constraints=False)
            registration.save()
    except IntegrityError:
        if submission_key and Registration.objects.filter(submission_key=submission_key).exists():
            raise  # the same form sent twice: `create_once` answers with the first registration
        raise AlreadyRegistered(
            _("Vous êtes déjà inscrit(e) à cet atelier."), existing=selectors.duplicate_registration(locked, person)
        ) from None
    audit_log(
        actor=actor,
        action="mediation.registration_created",
        obj=registration,
        person=person,
        request=request,
        details={"workshop": locked.pk, "status": registration.status, "channel": channel},
    )
    notify(
        person=person,
        template="mediation_registration_confirmed" if took_seat else "mediation_registration_waitlisted",
        context=_workshop_context(registration),
        related=registration,
        actor=actor,
        dedupe_key=f"mediation-registration-{registration.pk}-created",
        attachments=_workshop_ics(locked) if took_seat else (),
    )
    return registration


def registration_create_online(
    *,
    workshop: Workshop,
    user,
    contact: dict,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """A resident registers from the public form (with or without an account)."""
    with sqlite_write_queue("mediation-registrations"):
        return _registration_create_online(
            workshop=workshop, user=user, contact=contact, submission_key=submission_key, request=request
        )


@transaction.atomic
def _registration_create_online(
    *,
    workshop: Workshop,
    user,
    contact: dict,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    return registration_create(
        workshop=workshop,
        person=lambda: resident_person(user=user, contact=contact, request=request),
        channel=Channel.ONLINE,
        actor=user,
        submission_key=submission_key,
        request=request,
    )


def _promote_waitlisted(workshop: Workshop, *, actor, request: HttpRequest | None = None) -> list[Registration]:
    """Give free seats to the first people waiting (the caller holds the workshop lock)."""
    first = workshop.first_session if workshop.pk else None
    if workshop.cancelled_at or first is None or first.is_past:
        return []
    promoted = []
    for registration in Registration.objects.waitlisted().filter(workshop=workshop).select_related("person"):
        took_seat = Workshop.objects.filter(pk=workshop.pk, confirmed_count__lt=F("capacity")).update(
            confirmed_count=F("confirmed_count") + 1
        )
        if not took_seat:
            break
        registration.workshop = workshop
        registration.save(update_fields=registration.promote())
        audit_log(
            actor=actor,
            action="mediation.registration_promoted",
            obj=registration,
            person=registration.person,
            request=request,
        )
        notify(
            person=registration.person,
            template="mediation_registration_promoted",
            context=_workshop_context(registration),
            related=registration,
            actor=actor,
            dedupe_key=f"mediation-registration-{registration.pk}-promoted",
            attachments=_workshop_ics(workshop),
        )
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_cancel(
    *, registration: Registration, actor, request: HttpRequest | None = None
) -> tuple[Registration, list[Registration]]:
    """Free the seat (or the waitlist place); the first waiting gets the seat and is told."""
    workshop = Workshop.objects.select_for_update().get(pk=registration.workshop_id)
    registration = Registration.objects.select_for_update(of=("self",)).select_related("person").get(pk=registration.pk)
    had_seat = registration.holds_seat
    registration.save(update_fields=registration.cancel())
    registration.workshop = workshop
    promoted = []
    if had_seat:
        Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=F("confirmed_count") - 1)
        workshop.refresh_from_db(fields=["confirmed_count"])
        promoted = _promote_waitlisted(workshop, actor=actor, request=request)
    audit_log(
        actor=actor,
        action="mediation.registration_cancelled",
        obj=registration,
        person=registration.person,
        request=request,
        details={"workshop": workshop.pk, "promoted": [r.pk for r in promoted]},
    )
    notify(
        person=registration.person,
        template="mediation_registration_cancelled",
        context=_workshop_context(registration),
        related=registration,
        actor=actor,
        dedupe_key=f"mediation-registration-{registration.pk}-cancelled",
    )
    return registration, promoted


@transaction.atomic
def workshop_cancel(
    *, workshop: Workshop, notice: str, actor, request: HttpRequest | None = None
) -> list[Registration]:
    """Cancel a whole workshop: every seat and waitlist place is freed, and everyone who
    was expected (seated, waiting, or who came to a first session) is told, with the
    calendar file that removes its sessions. Returns the registrations told."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    _check_mediation_team(actor, locked.team_id, "Only the team's advisors and managers cancel its workshops.")
    if locked.cancelled_at:
        raise ValidationError(_("Cet atelier est déjà annulé."))
    now = timezone.now()
    told = list(
        locked.registrations.filter(status__in=[*c.EXPECTED, c.RegistrationStatus.WAITLISTED])
        .select_related("person")
        .order_by("pk")
    )
    freed = [r.pk for r in told if r.status != c.RegistrationStatus.ATTENDED]
    Registration.objects.filter(pk__in=freed).update(status=c.RegistrationStatus.CANCELLED, cancelled_at=now)
    locked.cancelled_at = now
    locked.cancel_notice = notice[:300]
    locked.confirmed_count = locked.registrations.seated().count()
    locked.save(update_fields=["cancelled_at", "cancel_notice", "confirmed_count", "updated_at"])
    invitation = ics.to_text(locked.title, ics.workshop_events(locked), method="CANCEL")
    for registration in told:
        registration.workshop = locked
        context = _workshop_context(registration)
        context["notice"] = locked.cancel_notice
        notify(
            person=registration.person,
            template="mediation_workshop_cancelled",
            context=context,
            related=registration,
            actor=actor,
            dedupe_key=f"mediation-registration-{registration.pk}-workshop-cancelled",
            attachments=[{"filename": "atelier.ics", "content_type": "text/calendar", "content": invitation}],
        )
    audit_log(
        actor=actor,
        action="mediation.workshop_cancelled",
        obj=locked,
        request=request,
        details={"told": [r.person_id for r in told], "notice": locked.cancel_notice},
    )
    return told


@transaction.atomic
def attendance_record(
    *, session: WorkshopSession, present_ids: set[int], actor, request: HttpRequest | None = None
) -> dict[str, int]:
    """Who came to `session` (ids of registrations); statuses follow (attended / no show)."""
    workshop = Workshop.objects.select_for_update().get(pk=session.workshop_id)
    registrations = list(workshop.registrations.seated().select_related("person"))
    for registration in registrations:
        Attendance.objects.update_or_create(
            registration=registration,
            session=session,
            defaults={"present": registration.pk in present_ids, "recorded_by": _actor(actor)},
        )
    session_count = workshop.sessions.count()
    marks: dict[int, list[bool]] = {}
    for registration_id, present in Attendance.objects.filter(registration__in=registrations).values_list(
        "registration_id", "present"
    ):
        marks.setdefault(registration_id, []).append(present)
    for registration in registrations:
        seen = marks.get(registration.pk, [])
        if any(seen):
            status = c.RegistrationStatus.ATTENDED
        elif len(seen) >= session_count:
            status = c.RegistrationStatus.NO_SHOW
        else:
            status = c.RegistrationStatus.CONFIRMED
        if status != registration.status:
            registration.status = status
            registration.save(update_fields=["status"])
    present = sum(1 for r in registrations if r.pk in present_ids)
    audit_log(
        actor=actor,
        action="mediation.attendance_recorded",
        obj=session,
        request=request,
        details={"present": present, "absent": len(registrations) - present},
    )
    return {"present": present, "absent": len(registrations) - present}


def certificate_pdf(*, registration: Registration, actor, request: HttpRequest | None = None) -> bytes:
    """A certificate of attendance (only for someone who came at least once)."""
    if registration.status != c.RegistrationStatus.ATTENDED:
        raise ValidationError(_("Cette personne n'a participé à aucune séance."))
    attended = list(
        WorkshopSession.objects.filter(attendances__registration=registration, attendances__present=True).order_by(
            "starts_at"
        )
    )
    minutes = sum(int((s.ends_at - s.starts_at).total_seconds() // 60) for s in attended)
    audit_log(
        actor=actor,
        action="mediation.certificate_printed",
        obj=registration,
        person=registration.person,
        request=request,
    )
    return render_pdf(
        "mediation/pdf/certificate.html",
        {
            "registration": registration,
            "workshop": registration.workshop,
            "sessions": [text.span_text(s.starts_at, s.ends_at) for s in attended],
            "duration": text.duration_text(minutes),
            "today": text.day_text(timezone.localdate(), year=True),
        },
    )


# ---------------------------------------------------------------- reminders


def _reminder_channel(person, *, starts_at, booked_at, now) -> str | None:
    """The channel of a reminder queued now, or None when it is not (or no longer) the time.

    E-mail, SMS and calls: from the day before; the day itself too when the run of the day
    before was missed (but not for what was booked today: its confirmation is fresh).
    Letters: LETTER_REMINDER_DAYS ahead, or the day after when that run was missed, and
    only when booked well before (otherwise the confirmation letter is still fresh). Each
    reminder has its dedupe key, so these ranges never send twice.
    """
    channel, _where = channels.choose(person)
    today = timezone.localtime(now).date()
    days_ahead = (timezone.localtime(starts_at).date() - today).days
    if channel == ContactChannel.LETTER:
        if LETTER_LATEST_DAYS <= days_ahead <= LETTER_REMINDER_DAYS and starts_at - booked_at >= LETTER_MIN_LEAD:
            return channel
        return None
    if days_ahead == 1 or (days_ahead == 0 and timezone.localtime(booked_at).date() < today):
        return channel
    return None


def reminders_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Queue the reminders due by now of appointments and workshop sessions. Idempotent: each
    reminder has a dedupe key, so running it twice never sends twice, and a day's run
    missed is caught up by the next one."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    horizon = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=LETTER_REMINDER_DAYS + 1), datetime.time.min)
    )
    counts = {"appointments": 0, "workshop_sessions": 0}
    for appointment in (
        Appointment.objects.active().filter(starts_at__gt=now, starts_at__lt=horizon).select_related("person", "place")
    ):
        channel = _reminder_channel(
            appointment.person, starts_at=appointment.starts_at, booked_at=appointment.created_at, now=now
        )
        if channel is None:
            continue
        counts["appointments"] += 1
        if not dry_run:
            with transaction.atomic():
                notify(
                    person=appointment.person,
                    template="mediation_appointment_reminder",
                    context=_appointment_context(appointment),
                    related=appointment,
                    channel=channel,
                    dedupe_key=f"mediation-appointment-{appointment.pk}-reminder",
                    expires_at=appointment.starts_at,  # never sent once the appointment has begun
                )
    sessions = list(
        WorkshopSession.objects.filter(starts_at__gt=now, starts_at__lt=horizon, workshop__cancelled_at__isnull=True)
        .select_related("workshop", "workshop__place")
        .prefetch_related(Prefetch("workshop__sessions", queryset=WorkshopSession.objects.order_by("starts_at")))
    )
    expected: dict[int, list[Registration]] = {}
    for registration in Registration.objects.filter(
        workshop_id__in={s.workshop_id for s in sessions}, status__in=c.EXPECTED
    ).select_related("person"):
        expected.setdefault(registration.workshop_id, []).append(registration)
    for session in sessions:
        for registration in expected.get(session.workshop_id, []):
            registration.workshop = session.workshop  # with its sessions already loaded
            booked_at = registration.confirmed_at or registration.created_at
            channel = _reminder_channel(registration.person, starts_at=session.starts_at, booked_at=booked_at, now=now)
            if channel is None:
                continue
            counts["workshop_sessions"] += 1
            if dry_run:
                continue
            context = _workshop_context(registration)
            context["first"] = _in_language(registration.person, text.moment_text, session.starts_at)
            with transaction.atomic():
                notify(
                    person=registration.person,
                    template="mediation_workshop_reminder",
                    context=context,
                    related=registration,
                    channel=channel,
                    dedupe_key=f"mediation-session-{session.pk}-registration-{registration.pk}-reminder",
                    expires_at=session.starts_at,
                )
    return counts


# ---------------------------------------------------------------- accompaniments


def _check_team(user, team) -> None:
    """Accompaniments are recorded in one of the user's mediation teams (a refusal is shown
    next to the team field, never a server error)."""
    if team is None or team.pk not in selectors.mediation_team_ids(user):
        raise ValidationError({"team": _("Choisissez une de vos équipes de médiation numérique.")})


INDIVIDUAL_WITH_PARTICIPANTS = gettext_lazy(
    "Un accompagnement individuel n'a pas de participants nommés : décochez-les, ou gardez « atelier collectif »."
)


@transaction.atomic
def accompaniment_create(
    *,
    advisor,
    team,
    data: dict,
    participants=(),
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Accompaniment:
    """Record an accompaniment. Linked to an appointment not yet marked, it marks it "seen"."""
    _check_team(advisor, team)

    def create() -> Accompaniment:
        accompaniment = Accompaniment(team=team, advisor=advisor, submission_key=submission_key, **data)
        refuse_erased(accompaniment.person)
        if accompaniment.kind == c.AccompanimentKind.COLLECTIVE:
            accompaniment.person = None
            accompaniment.autonomy = ""
        elif participants:
            raise ValidationError({"participants": INDIVIDUAL_WITH_PARTICIPANTS})
        accompaniment.full_clean()
        accompaniment.save()
        if accompaniment.kind == c.AccompanimentKind.COLLECTIVE:
            accompaniment.participants.set(participants)
        appointment = accompaniment.appointment
        if appointment and appointment.is_active and appointment.is_past and appointment.outcome == c.Outcome.UNKNOWN:
            appointment_record_outcome(appointment=appointment, outcome=c.Outcome.SEEN, actor=advisor, request=request)
        audit_log(
            actor=advisor,
            action="mediation.accompaniment_recorded",
            obj=accompaniment,
            person=accompaniment.person,
            request=request,
            details={"kind": accompaniment.kind, "anonymous": accompaniment.is_anonymous},
        )
        return accompaniment

    accompaniment, _created = create_once(Accompaniment, submission_key, create)
    return accompaniment


@transaction.atomic
def accompaniment_update(
    *, accompaniment: Accompaniment, data: dict, participants=None, actor, request: HttpRequest | None = None
) -> list[str]:
    """Correct a record; returns the names of the fields that changed. A record made
    individual keeps no named participants (the national rules: they belong to a group)."""
    if "team" in data and data["team"] != accompaniment.team:
        # Whoever corrects the record moves it only into one of their own teams; its author
        # may have left the team since.
        _check_team(actor, data["team"])
    changed = [name for name, value in data.items() if getattr(accompaniment, name) != value]
    for name in changed:
        setattr(accompaniment, name, data[name])
    if accompaniment.kind == c.AccompanimentKind.INDIVIDUAL:
        kept = list(participants) if participants is not None else list(accompaniment.participants.all())
        if kept:
            raise ValidationError({"participants": INDIVIDUAL_WITH_PARTICIPANTS})
    accompaniment.full_clean()
    accompaniment.updated_by = _actor(actor)
    accompaniment.save(update_fields=[*changed, "updated_by", "updated_at"])
    if participants is not None:
        before = set(accompaniment.participants.values_list("pk", flat=True))
        after = {p.pk for p in participants}
        if before != after:
            accompaniment.participants.set(participants)
            changed.append("participants")
    audit_log(
        actor=actor,
        action="mediation.accompaniment_corrected",
        obj=accompaniment,
        person=accompaniment.person,
        request=request,
        details={"fields": changed},
    )
    return changed


# ---------------------------------------------------------------- calendar feeds


@transaction.atomic
def calendar_token_for(*, user) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_renew(*, user, request: HttpRequest | None = None) -> CalendarToken:
    """A new secret address; the old one stops working at once."""
    token, _created = CalendarToken.objects.get_or_create(user=user)
    token.token = new_token()
    token.save(update_fields=["token", "created_at"])
    audit_log(actor=user, action="mediation.calendar_token_renewed", obj=token, request=request)
    return token


def advisor_feed_fetched(*, token: CalendarToken, appointments, request: HttpRequest | None = None) -> None:
    """Journal one fetch of an advisor's private feed (calendar applications poll it): who
    was shown, by the people's ids."""
    audit_log(
        actor=token.user,
        action="mediation.advisor_feed_fetched",
        obj=token,
        request=request,
        people={a.person_id for a in appointments},
        details={"appointments": len(appointments)},
    )


# ---------------------------------------------------------------- merging two records of a person


def _registration_rank(registration: Registration) -> tuple:
    """The better of two registrations of one person to one workshop: a seat over a waitlist
    place, the earlier over the later."""
    order = {
        c.RegistrationStatus.ATTENDED: 0,
        c.RegistrationStatus.CONFIRMED: 1,
        c.RegistrationStatus.NO_SHOW: 2,
        c.RegistrationStatus.WAITLISTED: 3,
    }
    return (order.get(registration.status, 9), registration.pk)


@transaction.atomic
def registrations_fold_for_merge(*, duplicate: Person, kept: Person) -> list[Registration]:
    """Before two records of one person are merged: where both hold an active registration
    to the same workshop, the lesser one is cancelled under the workshop lock, its seat (if
    any) goes to the first person waiting, who is told. Returns the registrations dropped."""
    dropped = []
    both = Registration.objects.active().filter(person=kept).values("workshop_id")
    for workshop_id in (
        Registration.objects.active()
        .filter(person=duplicate, workshop_id__in=both)
        .values_list("workshop_id", flat=True)
    ):
        workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
        pair = list(
            Registration.objects.select_for_update().filter(
                workshop=workshop, person__in=[duplicate, kept], status__in=c.ACTIVE_REGISTRATION
            )
        )
        if len(pair) < 2:
            continue
        loser = max(pair, key=_registration_rank)
        had_seat = loser.holds_seat
        Registration.objects.filter(pk=loser.pk).update(
            status=c.RegistrationStatus.CANCELLED, cancelled_at=timezone.now()
        )
        promoted = []
        if had_seat:
            Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=F("confirmed_count") - 1)
            workshop.refresh_from_db(fields=["confirmed_count"])
            promoted = _promote_waitlisted(workshop, actor=None)
        audit_log(
            actor=None,
            action="mediation.registration_merged_away",
            obj=loser,
            person=loser.person,
            details={"workshop": workshop.pk, "kept": kept.pk, "promoted": [r.pk for r in promoted]},
        )
        dropped.append(loser)
    return dropped


@transaction.atomic
def appointments_fold_for_merge(*, duplicate: Person, kept: Person) -> list[Appointment]:
    """Before a merge: an active appointment of the duplicate record that overlaps one of
    the kept record (the same person booked twice at once) is cancelled by the service and
    its slot freed; the person keeps the other one, so no message is sent."""
    dropped = []
    for appointment in Appointment.objects.active().select_for_update().filter(person=duplicate):
        if Appointment.objects.overlapping(appointment.starts_at, appointment.ends_at).filter(person=kept).exists():
            appointment.cancelled_at = timezone.now()
            appointment.outcome = c.Outcome.REVOKED
            appointment.cancel_reason = _("En double : la même personne avait un autre rendez-vous au même moment.")
            appointment.calendar_sequence += 1
            appointment.save(update_fields=["cancelled_at", "outcome", "cancel_reason", "calendar_sequence"])
            audit_log(
                actor=None,
                action="mediation.appointment_merged_away",
                obj=appointment,
                person=duplicate,
                details={"kept": kept.pk},
            )
            dropped.append(appointment)
    return dropped


def participants_move_for_merge(*, duplicate: Person, kept: Person) -> int:
    """Named participants of collective records follow the merge (a many-to-many relation is
    not moved by person_merge); a record naming both keeps one. Returns the rows moved."""
    through = Accompaniment.participants.through
    through.objects.filter(person=duplicate, accompaniment__participants=kept).delete()
    return through.objects.filter(person=duplicate).update(person=kept)


# ---------------------------------------------------------------- retention


@transaction.atomic
def mediation_purge(*, cutoff: datetime.datetime, dry_run: bool = False) -> dict[str, int]:
    """Apply the retention rule `mediation` to what ended before `cutoff` (idempotent; a dry
    run counts only). Run it through `core.retention.purge("mediation")`: the rule's floor
    refuses a period too short, and the purge's journal entry says what was done.

    - appointments and registrations keep their times, place, status and outcome but lose
      their person, their free text (topic, reason) and their private link: anonymous, they
      keep the statistics and the workshops' seat counters true;
    - accompaniment records keep only their statistical fields: the person, the named
      participants, the notes and the links to an appointment or a case are removed.

    The people themselves are deleted by the rule `people` once nothing points at them.
    """
    now = timezone.now()
    named = Q(anonymised_at__isnull=True) | Q(person__isnull=False)
    appointments = Appointment.objects.filter(named, ends_at__lt=cutoff).exclude(starts_at__gte=cutoff)
    registrations = Registration.objects.filter(named, created_at__lt=cutoff).exclude(
        workshop__sessions__ends_at__gte=cutoff
    )
    accompaniments = Accompaniment.objects.filter(date__lt=cutoff.date()).filter(
        Q(person__isnull=False)
        | ~Q(notes="")
        | Q(appointment__isnull=False)
        | Q(case__isnull=False)
        | Q(pk__in=Accompaniment.participants.through.objects.values("accompaniment_id"))
    )
    counts = {
        "appointments": appointments.count(),
        "registrations": registrations.distinct().count(),
        "accompaniments": accompaniments.count(),
    }
    if dry_run:
        return counts
    anonymised_at = Coalesce(F("anonymised_at"), Value(now))
    for pk in appointments.values_list("pk", flat=True):
        Appointment.objects.filter(pk=pk).update(
            person=None, topic="", cancel_reason="", token=new_token(), anonymised_at=anonymised_at
        )
    for pk in registrations.values_list("pk", flat=True).distinct():
        Registration.objects.filter(pk=pk).update(person=None, token=new_token(), anonymised_at=anonymised_at)
    through = Accompaniment.participants.through
    through.objects.filter(accompaniment__in=accompaniments.values("pk")).delete()
    accompaniments.update(person=None, notes="", appointment=None, case=None)
    return counts
