"""Writes of the mediation app. Each call validates, changes atomically, writes its audit
entry and queues its messages in the same transaction, so the resident's form, the staff
screens and the management commands behave the same.

Seats (the registration rush): `registration_create` locks the workshop row (PostgreSQL;
SQLite's IMMEDIATE transactions already serialize writers), then takes a seat with a
conditional UPDATE `confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity`.
The CHECK constraint `confirmed_count <= capacity` is the last line if anything else ever
tried; whoever does not get a seat goes to the waitlist.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relais.accounts.models import Role
from relais.accounts.permissions import team_ids
from relais.core.audit import audit_log
from relais.core.models import Channel, ContactChannel, Person
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
)
from relais.notifications import channels
from relais.notifications.services import notify

LETTER_REMINDER_DAYS = 3  # a letter needs this many days to arrive before the appointment
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


# ---------------------------------------------------------------- people


def resident_person(*, user, contact: dict, request: HttpRequest | None = None) -> Person:
    """The person behind an online booking: the account's, or a new record from the form."""
    if user is not None and user.is_authenticated:
        return person_for_account(user=user)
    return person_create(actor=None, data=contact, channel=Channel.ONLINE, request=request)


# ---------------------------------------------------------------- drop-in sessions


@transaction.atomic
def dropin_save(*, dropin: DropIn, actor, request: HttpRequest | None = None) -> DropIn:
    if dropin.team_id not in team_ids(actor, Role.ADVISOR, Role.MANAGER):
        raise PermissionError("Only the team's advisors and managers define its sessions.")
    creating = dropin.pk is None
    if creating:
        dropin.created_by = _actor(actor)
    dropin.full_clean()
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


def _appointment_ics(appointment: Appointment) -> list[dict]:
    content = ics.to_text(_("Rendez-vous"), [ics.appointment_event(appointment)])
    return [{"filename": "rendez-vous.ics", "content_type": "text/calendar", "content": content}]


@transaction.atomic
def dropin_cancel_date(
    *, dropin: DropIn, date: datetime.date, notice: str, actor, request: HttpRequest | None = None
) -> DropInCancellation:
    """Cancel one session: residents read `notice`; its appointments are revoked and the people told."""
    if date < timezone.localdate():
        raise ValidationError({"date": _("Cette date est passée.")})
    day_start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    if not dropin.occurrences(day_start, day_start + datetime.timedelta(days=1), cancellations={}):
        raise ValidationError({"date": _("Il n'y a pas de permanence ce jour-là.")})
    cancellation, _created = DropInCancellation.objects.update_or_create(
        dropin=dropin, date=date, defaults={"notice": notice, "created_by": _actor(actor)}
    )
    revoked = 0
    for appointment in (
        Appointment.objects.active()
        .select_for_update()
        .filter(dropin=dropin, starts_at__gte=day_start, starts_at__lt=day_start + datetime.timedelta(days=1))
        .select_related("person", "place")
    ):
        appointment.save(update_fields=appointment.cancel(by_service=True, reason=notice))
        notify(
            person=appointment.person,
            template="mediation_appointment_revoked",
            context=_appointment_context(appointment, notice),
            related=appointment,
            actor=actor,
        )
        revoked += 1
    audit_log(
        actor=actor,
        action="mediation.dropin_date_cancelled",
        obj=dropin,
        request=request,
        details={"date": date.isoformat(), "appointments_revoked": revoked},
    )
    return cancellation


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
    holiday.full_clean()
    holiday.save()
    audit_log(actor=actor, action="mediation.holiday_saved", obj=holiday, request=request)
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: SchoolHoliday, actor, request: HttpRequest | None = None) -> None:
    audit_log(actor=actor, action="mediation.holiday_deleted", obj=holiday, request=request)
    holiday.delete()


# ---------------------------------------------------------------- appointments


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

    Raises SlotTaken when the slot is not offered or someone else got it first: the
    partial unique index on (drop-in, start) decides between two simultaneous clicks.
    """
    if submission_key:
        existing = Appointment.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    slot = selectors.slot_for(dropin, starts_at)
    if slot is None:
        raise SlotTaken
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
        if submission_key:
            existing = Appointment.objects.filter(submission_key=submission_key).first()
            if existing:
                return existing
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
    """A resident books from the public form: their account's person, or a new one."""
    if submission_key:
        existing = Appointment.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    if selectors.slot_for(dropin, starts_at) is None:
        raise SlotTaken
    person = resident_person(user=user, contact=contact, request=request)
    return appointment_book(
        dropin=dropin,
        starts_at=starts_at,
        person=person,
        channel=Channel.ONLINE,
        actor=user,
        topic=topic,
        submission_key=submission_key,
        request=request,
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor, by_service: bool = False, reason: str = "", request: HttpRequest | None = None
) -> Appointment:
    """Cancel (by the resident: "excused"; by the service: "revoked") and tell the resident."""
    appointment = Appointment.objects.select_for_update().select_related("person", "place").get(pk=appointment.pk)
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
        attachments=_appointment_ics(appointment),
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
    """Move to another free slot: the old one is freed, the new one booked, one message sent."""
    old = Appointment.objects.select_for_update().select_related("person").get(pk=appointment.pk)
    if not old.can_be_changed_by_resident():
        raise ValidationError(_("Ce rendez-vous ne peut plus être changé."))
    old.save(update_fields=old.cancel(by_service=False, reason=_("Déplacé à un autre horaire")))
    slot = selectors.slot_for(dropin, starts_at)
    if slot is None:
        raise SlotTaken
    new = Appointment(
        dropin=dropin,
        team_id=dropin.team_id,
        place_id=dropin.place_id,
        advisor_id=dropin.advisor_id,
        person=old.person,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        topic=old.topic,
        channel=old.channel,
        booked_by=_actor(actor) or old.booked_by,
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
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
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
    if workshop.team_id not in team_ids(actor, Role.ADVISOR, Role.MANAGER):
        raise PermissionError("Only the team's advisors and managers define its workshops.")
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

    Refuses kindly (AlreadyRegistered) the same person, or someone with the same e-mail
    or phone, registered twice; residents only while registration is open, staff until
    the first session begins.
    """
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if submission_key:
        existing = Registration.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    check_registration_open(locked, by_staff=by_staff)
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
        if submission_key:
            existing = Registration.objects.filter(submission_key=submission_key).first()
            if existing:
                return existing
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
    if submission_key:
        existing = Registration.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    check_registration_open(workshop)  # again under the lock; this spares creating a person for nothing
    person = resident_person(user=user, contact=contact, request=request)
    return registration_create(
        workshop=workshop,
        person=person,
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
    registration = Registration.objects.select_for_update().select_related("person").get(pk=registration.pk)
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


def _reminder_channel(person, *, starts_at, booked_at, today) -> str | None:
    """The channel of a reminder sent today, or None when today is not the day for it.

    E-mail, SMS and calls: the day before. Letters: LETTER_REMINDER_DAYS ahead, and only
    when booked well before (otherwise the confirmation letter is still fresh).
    """
    channel, _where = channels.choose(person)
    days_ahead = (timezone.localtime(starts_at).date() - today).days
    if channel == ContactChannel.LETTER:
        if days_ahead == LETTER_REMINDER_DAYS and starts_at - booked_at >= LETTER_MIN_LEAD:
            return channel
        return None
    return channel if days_ahead == 1 else None


def reminders_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Queue today's reminders of appointments and workshop sessions. Idempotent: each
    reminder has a dedupe key, so running it twice never sends twice."""
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
            appointment.person, starts_at=appointment.starts_at, booked_at=appointment.created_at, today=today
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
                )
    for session in WorkshopSession.objects.filter(
        starts_at__gt=now, starts_at__lt=horizon, workshop__cancelled_at__isnull=True
    ).select_related("workshop", "workshop__place"):
        for registration in session.workshop.registrations.filter(status=c.RegistrationStatus.CONFIRMED).select_related(
            "person"
        ):
            booked_at = registration.confirmed_at or registration.created_at
            channel = _reminder_channel(
                registration.person, starts_at=session.starts_at, booked_at=booked_at, today=today
            )
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
                )
    return counts


# ---------------------------------------------------------------- accompaniments


def _check_team(user, team) -> None:
    if team is None or team.pk not in team_ids(user, Role.ADVISOR, Role.MANAGER):
        raise PermissionError("Accompaniments are recorded in one of the advisor's teams.")


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
    if submission_key:
        existing = Accompaniment.objects.filter(submission_key=submission_key).first()
        if existing:
            return existing
    _check_team(advisor, team)
    accompaniment = Accompaniment(team=team, advisor=advisor, submission_key=submission_key, **data)
    if accompaniment.kind == c.AccompanimentKind.COLLECTIVE:
        accompaniment.person = None
        accompaniment.autonomy = ""
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


@transaction.atomic
def accompaniment_update(
    *, accompaniment: Accompaniment, data: dict, participants=None, actor, request: HttpRequest | None = None
) -> list[str]:
    """Correct a record; returns the names of the fields that changed."""
    if "team" in data:
        _check_team(accompaniment.advisor, data["team"])
    changed = [name for name, value in data.items() if getattr(accompaniment, name) != value]
    for name in changed:
        setattr(accompaniment, name, data[name])
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
    from relais.mediation.models import new_token

    token, _created = CalendarToken.objects.get_or_create(user=user)
    token.token = new_token()
    token.save(update_fields=["token", "created_at"])
    audit_log(actor=user, action="mediation.calendar_token_renewed", obj=token, request=request)
    return token
