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
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core import events, ratelimit
from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.core.models import AccessCode, Channel, ContactChannel, Person, is_mobile, refuse_erased
from relais.core.services import person_create, person_for_account
from relais.mediation import choices as c
from relais.mediation import selectors, text
from relais.mediation.exceptions import SlotTaken
from relais.mediation.journal import Action
from relais.mediation.models import Appointment, BookingCode, DropIn
from relais.mediation.services._common import (
    actor_or_none,
    appointment_context,
    appointment_ics,
    emit_appointment,
    lock_for_booking,
    resident_person,
)
from relais.notifications.channels import international
from relais.notifications.services import notify
from relais.notifications.sms import sms_enabled


def _free_slot(dropin: DropIn, starts_at: datetime.datetime, *, online: bool = True) -> selectors.Slot:
    """The free slot (the caller holds the booking locks), or SlotTaken. Staff
    (`online=False`) are not held to a type's online notice and horizon."""
    slot = selectors.slot_for(dropin, starts_at, online=online)
    if slot is None:
        raise SlotTaken
    return slot


def _appointment_create(
    *, slot: selectors.Slot, person: Person, channel: str, actor, topic: str, submission_key, request
) -> Appointment:
    refuse_erased(person)
    dropin = slot.dropin
    counter = selectors.free_counter(dropin, slot.starts_at, slot.ends_at)
    if counter is None:
        raise SlotTaken
    appointment = Appointment(
        dropin=dropin,
        appointment_type_id=dropin.appointment_type_id,
        counter=counter,
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
        details={"channel": channel, "starts_at": appointment.starts_at.isoformat(), "counter": counter},
    )
    emit_appointment(appointment, events.APPOINTMENT_BOOKED)
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
    """Staff book a free slot for `person` (at the counter, by phone) and send the confirmation:
    any slot to come, not only those offered online (the type's notice and horizon are for residents).
    `person` may be a callable making the resident: called once the slot is known free, in
    the same transaction, so a slot taken or a retried request creates nobody. (A partner
    application is not the counter: it books by `appointment_book_for_contact`, the online rule.)

    Raises SlotTaken when the slot is not offered or its time is no longer free: checked
    under the booking locks (see the module docstring), then by the partial unique indexes.
    """
    held = {}

    def lock():
        held["dropin"] = lock_for_booking(dropin)[dropin.pk]

    def create() -> Appointment:
        slot = _free_slot(held["dropin"], starts_at, online=False)
        resident = person() if callable(person) else person
        selectors.check_type_cap(slot.dropin.appointment_type, person=resident)
        return _appointment_create(
            slot=slot, person=resident, channel=channel, actor=actor, topic=topic, submission_key=submission_key,
            request=request,
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
        selectors.check_type_cap(slot.dropin.appointment_type, user=user, contact=contact, verified=False)
        person = resident_person(user=user, contact=contact, request=request)
        return _appointment_create(
            slot=slot, person=person, channel=Channel.ONLINE, actor=user, topic=topic, submission_key=submission_key,
            request=request,
        )  # fmt: skip

    appointment, _created = create_once(Appointment, submission_key, create, lock=lock)
    return appointment


@transaction.atomic
def appointment_book_for_contact(
    *,
    dropin: DropIn,
    starts_at: datetime.datetime,
    contact: dict,
    channel: str,
    actor,
    topic: str = "",
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """Someone not at the counter books for a resident known by their contact details (a
    partner application, `channel` API): the online rule, not the counter's. Only a slot
    offered online (the type's notice and horizon), of a type published for residents, under
    the caps of one way of being reached (appointments to come, the type's cap, its refusal
    naming no type); a type confirmed by a code sent to the resident is refused (the code is
    the resident's to type, not the application's). The person is created with `channel`,
    once the slot is known free; `actor` is recorded as who booked.

    Raises SlotTaken, or ValidationError on "dropin" (a type needing the resident's code) or
    on the caps."""
    kind = dropin.appointment_type
    if kind is not None and not kind.published:
        raise SlotTaken
    if kind is not None and kind.confirm_by_code:
        raise ValidationError(
            {
                "dropin": _(
                    "Ce genre de rendez-vous se confirme par un code envoyé à l'habitant : il le prend lui-même "
                    "sur le site de la mairie, ou appelle la mairie au %(phone)s."
                )
                % {"phone": settings.RELAIS["TOWN_PHONE"]}
            },
            code="confirm_by_code",
        )
    held = {}

    def lock():
        held["dropin"] = lock_for_booking(dropin)[dropin.pk]

    def create() -> Appointment:
        slot = _free_slot(held["dropin"], starts_at)
        selectors.check_future_appointments_cap(user=None, contact=contact)
        selectors.check_type_cap(slot.dropin.appointment_type, contact=contact, verified=False)
        person = person_create(actor=actor, data=contact, channel=channel, request=request)
        return _appointment_create(
            slot=slot, person=person, channel=channel, actor=actor, topic=topic, submission_key=submission_key,
            request=request,
        )  # fmt: skip

    appointment, _created = create_once(Appointment, submission_key, create, lock=lock)
    return appointment


# ---------------------------------------------------------------- confirmation by code (anti-hoarding)

CODE_VALIDITY = datetime.timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_DESTINATION_HOUR = 3
CODES_PER_CONNECTION_HOUR = 5  # codes asked from one address block (many phones, one reseller)


def _code_hash(token: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{token}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_destination(*, user, contact: dict) -> tuple[str, str]:
    """(channel, address) the code goes to: SMS or e-mail only (a letter or a call is too
    slow for a slot waiting, and would show the code to whoever handles it), the one the
    resident prefers when given. SMS only to a mobile number, when an SMS provider is set.
    The address is normalised ("06 12…", "+33 6 12…" are one phone; e-mails lower-cased)
    so that the hourly limit counts one destination once whatever its spelling."""
    if user is not None and user.is_authenticated:
        person = person_for_account(user=user)
        contact = {"preferred_channel": person.preferred_channel, "email": person.email, "phone": person.phone}
    email, phone = (contact.get("email") or "").strip().lower(), (contact.get("phone") or "").strip()
    sms_phone = international(phone) if phone and is_mobile(phone) and sms_enabled() else ""
    preferred = contact.get("preferred_channel")
    if preferred == ContactChannel.SMS and sms_phone:
        return ContactChannel.SMS, sms_phone
    if email:
        return ContactChannel.EMAIL, email
    if sms_phone:
        return ContactChannel.SMS, sms_phone
    refusal = _(
        "Pour recevoir le code, indiquez un portable ou une adresse électronique, ou appelez la mairie au %(phone)s."
    ) % {"phone": settings.RELAIS["TOWN_PHONE"]}
    errors = {"email": refusal}
    if phone:
        errors["phone"] = _("Ce numéro ne peut pas recevoir le code par SMS.")
    raise ValidationError(errors)


@transaction.atomic
def appointment_code_send(
    *,
    dropin: DropIn,
    starts_at: datetime.datetime,
    user,
    contact: dict,
    topic: str = "",
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> BookingCode:
    """First step of an online booking of a type asking for a code: check the slot and the
    caps, send a short code by SMS or e-mail; nothing is held until it is typed back
    (`appointment_code_confirm`). The same form sent twice answers with the same request
    (one person, one code).

    Raises SlotTaken, or ValidationError (caps, no way to receive a code, too many codes)."""

    def lock():
        lock_for_booking(dropin)

    def create() -> BookingCode:
        if selectors.slot_for(dropin, starts_at) is None:
            raise SlotTaken
        selectors.check_future_appointments_cap(user=user, contact=contact)
        # The type's cap is checked once the code is typed back (`_code_book`): refused
        # here, it would tell anyone typing a phone number that its owner has an appointment.
        channel, where = _code_destination(user=user, contact=contact)
        if not ratelimit.hit("mediation:code", f"{channel}:{where}", limit=CODES_PER_DESTINATION_HOUR, window=3600):
            raise ValidationError(
                _("Plusieurs codes sont déjà partis vers ce téléphone ou cette adresse dans l'heure. Réessayez plus "
                  "tard, ou appelez la mairie au %(phone)s.") % {"phone": settings.RELAIS["TOWN_PHONE"]}
            )  # fmt: skip
        if request is not None and not ratelimit.hit(
            "mediation:code-connection", ratelimit.visitor(request), limit=CODES_PER_CONNECTION_HOUR, window=3600
        ):
            raise ValidationError(
                _("Plusieurs codes ont déjà été demandés depuis cette connexion dans l'heure. Réessayez plus tard, "
                  "ou appelez la mairie au %(phone)s.") % {"phone": settings.RELAIS["TOWN_PHONE"]}
            )  # fmt: skip
        person = resident_person(user=user, contact=contact, request=request)
        refuse_erased(person)
        return _code_create(dropin, starts_at, person, channel, topic, submission_key, user, request)

    hold, _created = create_once(BookingCode, submission_key, create, lock=lock)
    return hold


def _code_create(dropin, starts_at, person, channel, topic, submission_key, user, request) -> BookingCode:
    code = f"{secrets.randbelow(1_000_000):06d}"
    hold = BookingCode(
        dropin=dropin, starts_at=starts_at, person=person, topic=topic[:300], channel=channel,
        expires_at=timezone.now() + CODE_VALIDITY, submission_key=submission_key,
    )  # fmt: skip
    hold.code_hash = _code_hash(hold.token, code)
    hold.save()
    kind = dropin.appointment_type
    notify(
        person=person,
        template="mediation_appointment_code",
        context={
            "when": text.moment_text(starts_at),
            "kind": kind.title if kind else "",
            "code": code,
            "minutes": int(CODE_VALIDITY.total_seconds() // 60),
        },
        related=hold,
        actor=user,
        channel=channel,
        sensitive=True,  # nobody but the resident reads the code
    )
    audit_log(
        actor=user, action=Action.APPOINTMENT_CODE_SENT, obj=hold, person=person, request=request,
        details={"channel": channel, "starts_at": starts_at.isoformat()},
    )  # fmt: skip
    return hold


@transaction.atomic
def _code_check(hold: BookingCode, code: str, *, user, request) -> str:
    """ "" when the code is right (or the booking already made); else the refusal, the try counted."""
    hold = BookingCode.objects.select_for_update().get(pk=hold.pk)
    if hold.appointment_id:
        return ""
    if hold.is_expired:
        return _("Ce code a expiré. Recommencez la réservation pour en recevoir un nouveau.")
    if hold.attempts >= CODE_ATTEMPTS:
        return _("Trop d'essais avec ce code. Recommencez la réservation pour en recevoir un nouveau.")
    if hmac.compare_digest(hold.code_hash, _code_hash(hold.token, "".join(ch for ch in code if ch.isdigit()))):
        return ""
    hold.attempts += 1
    hold.save(update_fields=["attempts"])
    audit_log(
        actor=user, action=Action.APPOINTMENT_CODE_REFUSED, obj=hold, person=hold.person, request=request,
        details={"attempts": hold.attempts},
    )  # fmt: skip
    left = CODE_ATTEMPTS - hold.attempts
    if not left:
        return _("Trop d'essais avec ce code. Recommencez la réservation pour en recevoir un nouveau.")
    return _("Ce code ne correspond pas. Vérifiez le message reçu (encore %(n)s essais).") % {"n": left}


def appointment_code_confirm(*, hold: BookingCode, code: str, user, request: HttpRequest | None = None) -> Appointment:
    """Second step: the right code books the slot (if still free) and sends the confirmation.

    A wrong code is counted (5 tries), an expired one refused: ValidationError on "code".
    Raises SlotTaken when the slot was taken meanwhile. Sent twice, answers with the same
    appointment."""
    refused = _code_check(hold, code, user=user, request=request)
    if refused:
        raise ValidationError({"code": refused})
    return _code_book(hold, user=user, request=request)


@transaction.atomic
def _code_book(hold: BookingCode, *, user, request) -> Appointment:
    hold = BookingCode.objects.select_for_update().select_related("dropin", "person").get(pk=hold.pk)
    if hold.appointment_id:
        return hold.appointment
    held = {}

    def lock():
        held["dropin"] = lock_for_booking(hold.dropin)[hold.dropin_id]

    def create() -> Appointment:
        slot = _free_slot(held["dropin"], hold.starts_at)
        selectors.check_type_cap(slot.dropin.appointment_type, person=hold.person)
        return _appointment_create(
            slot=slot, person=hold.person, channel=Channel.ONLINE, actor=user, topic=hold.topic,
            submission_key=hold.submission_key, request=request,
        )  # fmt: skip

    appointment, _created = create_once(Appointment, hold.submission_key, create, lock=lock)
    hold.appointment = appointment
    hold.code_hash = ""
    hold.save(update_fields=["appointment", "code_hash"])
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
    emit_appointment(appointment, events.APPOINTMENT_CANCELLED, by_service=by_service)
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
    by_resident: bool = False,
    request: HttpRequest | None = None,
) -> Appointment:
    """Move to another free slot: the old one is freed (outcome "moved", not an absence),
    the new one booked under the same calendar event, one message sent.

    A resident (`by_resident`) may not move into a type asking for a code from another
    type: the code would be skipped. Staff may.

    Raises ValidationError when the appointment can no longer be changed (cancelled or
    moved meanwhile, e.g. a second click) or the move is not allowed, and SlotTaken when
    the new time is not free."""
    current = Appointment.objects.select_related("dropin").get(pk=appointment.pk)
    target_type = dropin.appointment_type
    if (
        by_resident
        and target_type is not None
        and target_type.confirm_by_code
        and target_type.pk != current.appointment_type_id
    ):
        raise ValidationError(
            _("Ce type de rendez-vous demande un code envoyé avant de réserver : prenez un nouveau rendez-vous, "
              "puis annulez celui-ci.")
        )  # fmt: skip
    locked = lock_for_booking(current.dropin, dropin)
    old = Appointment.objects.select_for_update(of=("self",)).select_related("person").get(pk=appointment.pk)
    old.save(update_fields=old.mark_moved())
    slot = _free_slot(locked[dropin.pk], starts_at, online=by_resident)
    kind = slot.dropin.appointment_type
    if kind is not None and kind.pk != old.appointment_type_id:
        selectors.check_type_cap(kind, person=old.person, exclude_pk=old.pk)
    counter = selectors.free_counter(slot.dropin, slot.starts_at, slot.ends_at)
    if counter is None:
        raise SlotTaken
    new = Appointment(
        dropin=slot.dropin,
        appointment_type=kind,
        counter=counter,
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
    # Told as the old time cancelled and the new one booked (a partner's calendar follows).
    emit_appointment(old, events.APPOINTMENT_CANCELLED, by_service=not by_resident, moved_to=new.pk)
    emit_appointment(new, events.APPOINTMENT_BOOKED, moved_from=old.pk)
    # A paper code printed for the old date follows the move: it opens the new one.
    AccessCode.objects.filter(target=old.get_resident_url()).update(target=new.get_resident_url())
    audit_log(
        actor=actor,
        action=Action.APPOINTMENT_MOVED,
        obj=new,
        person=new.person,
        request=request,
        details={
            "from": old.pk,
            "starts_at": new.starts_at.isoformat(),
            "place": new.place_id,
            "type": new.appointment_type_id,
            "counter": counter,
        },  # fmt: skip
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
