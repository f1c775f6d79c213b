"""iCalendar feeds and invitations (RFC 5545). Times are written in UTC so that every
calendar application reads them the same way without a VTIMEZONE block."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse
from icalendar import Calendar, Event

from relais.mediation import text

DOMAIN = "relais"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//Relais//{settings.RELAIS['TOWN_NAME']}//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
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
) -> Event:
    item = Event()
    item.add("uid", f"{uid}@{DOMAIN}")
    item.add("dtstamp", _utc(stamp or datetime.datetime.now(datetime.UTC)))
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


def to_text(name: str, events: Iterable[Event]) -> str:
    cal = calendar(name)
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
            )
        )
    return items


def appointment_event(appointment, *, for_advisor: bool = False) -> Event:
    place = appointment.place
    if for_advisor:
        summary = f"RDV {initials(appointment.person)}"
        if appointment.topic:
            summary += f" – {appointment.topic[:60]}"
        description = ""
        url = settings.SITE_URL + appointment.get_absolute_url()
    else:
        summary = f"Rendez-vous numérique – {place.nom}"
        description = f"Pour changer ou annuler : {settings.SITE_URL}{appointment.get_resident_url()}"
        url = settings.SITE_URL + appointment.get_resident_url()
    return event(
        uid=f"appointment-{appointment.pk}",
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=summary,
        location=f"{place.nom}, {place.full_address}",
        description=description,
        url=url,
        cancelled=not appointment.is_active,
    )


def initials(person) -> str:
    """ "M. D." for Marie Dupont: all that an advisor's calendar feed shows of a resident."""
    letters = [p.strip()[0].upper() + "." for p in (person.first_name, person.last_name) if p.strip()]
    return " ".join(letters) or "?"
