"""iCalendar feeds and invitations (RFC 5545, RFC 5546). Times are written in UTC so that
every calendar application reads them the same way without a VTIMEZONE block.

Feeds carry no METHOD. Files sent to a resident are invitations: METHOD:REQUEST with a
UID that stays the same for the life of the appointment (moves included) and a SEQUENCE
that grows with every change, then METHOD:CANCEL to remove it, so that a calendar updates
the event it already holds instead of adding a second one."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse
from icalendar import Calendar, Event, vCalAddress, vText

from relais.mediation import text

DOMAIN = "relais"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def calendar(name: str, *, method: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//Relais//{settings.RELAIS['TOWN_NAME']}//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    return cal


def event(
    *,
    uid: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    summary: str,
    location: str = "",
    description: str = "",
    url: str = "",
    cancelled: bool = False,
    stamp: datetime.datetime | None = None,
    sequence: int | None = None,
    attendee_email: str = "",
) -> Event:
    item = Event()
    item.add("uid", f"{uid}@{DOMAIN}")
    item.add("dtstamp", _utc(stamp or datetime.datetime.now(datetime.UTC)))
    if sequence is not None:
        item.add("sequence", sequence)
        # An invitation names who sends it (RFC 5546), else some calendars ignore updates.
        organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
        organizer.params["cn"] = vText(settings.RELAIS["TOWN_NAME"])
        item.add("organizer", organizer)
        if attendee_email:
            item.add("attendee", vCalAddress(f"mailto:{attendee_email}"))
    item.add("dtstart", _utc(starts_at))
    item.add("dtend", _utc(ends_at))
    item.add("summary", summary)
    if location:
        item.add("location", location)
    if description:
        item.add("description", description)
    if url:
        item.add("url", url)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return item


def to_text(name: str, events: Iterable[Event], *, method: str = "") -> str:
    cal = calendar(name, method=method)
    for item in events:
        cal.add_component(item)
    return cal.to_ical().decode()


def response(content: str, filename: str) -> HttpResponse:
    resp = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


# ---------------------------------------------------------------- events of the domain


def occurrence_event(occ) -> Event:
    dropin = occ.dropin
    what = dropin.get_booking_display()
    description = text.span_text(occ.starts_at, occ.ends_at) + f", {what}."
    if occ.cancelled:
        description = occ.notice or description
    return event(
        uid=f"dropin-{dropin.pk}-{occ.date:%Y%m%d}",
        starts_at=occ.starts_at,
        ends_at=occ.ends_at,
        summary=f"{dropin.title} ({what})",
        location=f"{dropin.place.nom}, {dropin.place.full_address}",
        description=description,
        url=settings.SITE_URL + dropin.place.get_absolute_url(),
        cancelled=occ.cancelled,
    )


def workshop_events(workshop) -> list[Event]:
    """The sessions of a workshop; once it is cancelled they say so, with a higher sequence."""
    sessions = workshop.session_list()
    items = []
    for number, session in enumerate(sessions, start=1):
        summary = workshop.title if len(sessions) == 1 else f"{workshop.title} ({number}/{len(sessions)})"
        items.append(
            event(
                uid=f"workshop-session-{session.pk}",
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                summary=summary,
                location=f"{workshop.place.nom}, {workshop.place.full_address}",
                description=workshop.description,
                url=settings.SITE_URL + workshop.get_absolute_url(),
                cancelled=bool(workshop.cancelled_at),
                sequence=1 if workshop.cancelled_at else None,
            )
        )
    return items


def appointment_event(appointment, *, for_advisor: bool = False, for_invitation: bool = False) -> Event:
    """For the advisor's feed: the person's initials and the place only (never what the
    appointment is for: the feed leaves Relais for a phone's calendar). For the resident:
    the place and the private link; as an invitation, with its sequence."""
    place = appointment.place
    if for_advisor:
        summary = f"RDV {initials(appointment.person)} – {place.nom}"
        description = ""
        url = settings.SITE_URL + appointment.get_absolute_url()
    else:
        kind = appointment.appointment_type.title if appointment.appointment_type_id else "Rendez-vous numérique"
        summary = f"{kind} – {place.nom}"
        description = f"Pour changer ou annuler : {settings.SITE_URL}{appointment.get_resident_url()}"
        url = settings.SITE_URL + appointment.get_resident_url()
    return event(
        uid=appointment.calendar_uid,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=summary,
        location=f"{place.nom}, {place.full_address}",
        description=description,
        url=url,
        cancelled=not appointment.is_active,
        sequence=appointment.calendar_sequence if for_invitation else None,
        attendee_email=appointment.person.email if for_invitation else "",
    )


def initials(person) -> str:
    """ "M. D." for Marie Dupont: all that an advisor's calendar feed shows of a resident."""
    letters = [p.strip()[0].upper() + "." for p in (person.first_name, person.last_name) if p.strip()]
    return " ".join(letters) or "?"
