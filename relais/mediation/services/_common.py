"""What several mediation services share: the acting user, the team check, the booking
locks, the resident behind an online form, and the messages' contexts (the reminders send
the same words as the confirmations). Private to `relais.mediation.services`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from relais.accounts.models import User
from relais.core.http import OutOfReach
from relais.core.models import Channel, Person
from relais.core.services import person_create, person_for_account
from relais.mediation import ics, selectors, text
from relais.mediation.models import Appointment, AppointmentType, DropIn, Registration


def in_language(person, func, *args):
    with translation.override(person.interface_language):
        return func(*args)


def actor_or_none(user):
    return user if user is not None and user.is_authenticated else None


def check_mediation_team(actor, team_id, message: str) -> None:
    """Only advisors and managers of the record's mediation team change it; anyone else
    gets the same "not found" as for a record that does not exist."""
    if team_id not in selectors.mediation_team_ids(actor):
        raise OutOfReach(message)


def lock_for_booking(*dropins: DropIn) -> dict[int, DropIn]:
    """Lock what a booking depends on: the advisors (one advisor, one appointment at a
    time, across drop-ins), then the appointment types with a cap per contact (two
    bookings of one contact at two openings of the type), then the drop-in rows (a date
    cancelled meanwhile). Always in this order, ids ascending, so that two bookings never
    wait for each other (`type_save` too locks its type before its openings).
    Returns the drop-ins as read under the lock, by id."""
    advisors = sorted({d.advisor_id for d in dropins if d.advisor_id})
    if advisors:
        list(User.objects.select_for_update().filter(pk__in=advisors).order_by("pk").values_list("pk", flat=True))
    kinds = sorted({d.appointment_type_id for d in dropins if d.appointment_type_id})
    if kinds:
        capped = AppointmentType.objects.select_for_update().filter(pk__in=kinds, per_contact_cap__gt=0)
        list(capped.order_by("pk").values_list("pk", flat=True))
    locked = DropIn.objects.select_for_update().filter(pk__in=[d.pk for d in dropins]).order_by("pk")
    return {d.pk: d for d in locked}


def resident_person(*, user, contact: dict, request: HttpRequest | None = None) -> Person:
    """The person behind an online booking: the account's, or a new record from the form."""
    if user is not None and user.is_authenticated:
        return person_for_account(user=user)
    return person_create(actor=None, data=contact, channel=Channel.ONLINE, request=request)


def appointment_context(appointment: Appointment, notice: str = "") -> dict:
    def build():
        return {
            "when": text.moment_text(appointment.starts_at),
            "place": appointment.place.nom,
            "address": appointment.place.full_address,
            "topic": appointment.topic,
            "link": settings.SITE_URL + appointment.get_resident_url(),
            "notice": notice,
            "kind": appointment.appointment_type.title if appointment.appointment_type_id else "",
            "bring": appointment.appointment_type.what_to_bring.strip() if appointment.appointment_type_id else "",
        }

    return in_language(appointment.person, build)


def appointment_ics(appointment: Appointment, *, method: str = "REQUEST") -> list[dict]:
    """The invitation (REQUEST) or its withdrawal (CANCEL): one event per appointment, whose
    UID stays when it is moved and whose SEQUENCE grows, so calendars update it in place."""
    content = ics.to_text(_("Rendez-vous"), [ics.appointment_event(appointment, for_invitation=True)], method=method)
    return [{"filename": "rendez-vous.ics", "content_type": "text/calendar", "content": content}]


def workshop_context(registration: Registration) -> dict:
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

    return in_language(registration.person, build)


# ---------------------------------------------------------------- events for other systems (core.events)


def emit_appointment(appointment: Appointment, name: str, **extra) -> None:
    """Tell other systems about an appointment: ids, codes, times and channel, nobody's name."""
    from relais.core import events

    data = {"id": appointment.pk, "dropin": appointment.dropin_id, "place": appointment.place_id,
            "type": appointment.appointment_type.slug if appointment.appointment_type_id else None,
            "starts_at": events.iso(appointment.starts_at), "ends_at": events.iso(appointment.ends_at),
            "channel": appointment.channel, **extra}  # fmt: skip
    if appointment.cancelled_at:
        data.update(cancelled_at=events.iso(appointment.cancelled_at), outcome=appointment.outcome)
    events.emit(name, team_id=appointment.team_id, recorded_by_id=appointment.booked_by_id, data=data)


def emit_registration_promoted(registration: Registration) -> None:
    from relais.core import events

    data = {"id": registration.pk, "workshop": registration.workshop_id, "status": registration.status,
            "channel": registration.channel, "promoted_at": events.iso(registration.promoted_at)}  # fmt: skip
    events.emit(events.REGISTRATION_PROMOTED, team_id=registration.workshop.team_id,
                recorded_by_id=registration.registered_by_id, data=data)  # fmt: skip
