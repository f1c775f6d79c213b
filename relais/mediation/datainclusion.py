"""Drop-in sessions and workshops as data·inclusion services (see directory.datainclusion):
what the public pages show of them, at their place; never an advisor's name."""

from __future__ import annotations

import datetime
import re

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from relais.directory import datainclusion as di
from relais.mediation import choices as c
from relais.mediation.models import DropIn, Workshop

_DAYS = {"MO": "Mo", "TU": "Tu", "WE": "We", "TH": "Th", "FR": "Fr", "SA": "Sa", "SU": "Su"}


def opening_hours(dropin: DropIn) -> str | None:
    """A weekly drop-in's hours in OSM's format ("Tu,Th 14:00-17:00"); None for another rhythm."""
    rule = dict(part.split("=", 1) for part in dropin.rrule.upper().split(";") if "=" in part)
    if rule.get("FREQ") != "WEEKLY" or rule.get("INTERVAL", "1") != "1":
        return None
    days = [d for d in re.split(r",", rule.get("BYDAY", "")) if d in _DAYS]
    if not days:
        days = [list(_DAYS)[dropin.start_date.weekday()]]
    return f"{','.join(_DAYS[d] for d in days)} {dropin.start_time:%H:%M}-{dropin.end_time:%H:%M}"


def _dates(workshop: Workshop) -> str:
    """ "Séances : le 12/01/2027 de 14:00 à 16:00, …" (the workshop's dates, for its description)."""
    sessions = [
        f"le {timezone.localtime(s.starts_at):%d/%m/%Y} de {timezone.localtime(s.starts_at):%H:%M} "
        f"à {timezone.localtime(s.ends_at):%H:%M}"
        for s in workshop.sessions.all()
    ]
    return f"Séances : {', '.join(sessions)}." if sessions else ""


def _thematiques(codes) -> list[str]:
    mapped = [di.THEME_THEMATIQUES.get(code, []) + di.SUBTHEME_THEMATIQUES.get(code, []) for code in codes]
    return di.thematiques(*mapped) or ["numerique"]


def services(*, source: str, place_ids) -> list[dict]:
    today = timezone.localdate()
    records = []
    dropins = (
        DropIn.objects.sessions()
        .filter(place_id__in=place_ids, start_date__lte=today + datetime.timedelta(days=90))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("place")
        .order_by("place__nom", "title", "pk")
    )
    for dropin in dropins:
        booking = c.Booking(dropin.booking).label
        records.append(
            di.service_record(
                dropin.place,
                source=source,
                id=f"{dropin.place.standard_id}--permanence-{dropin.pk}",
                nom=dropin.title[:150].rstrip("."),
                description=di._description(
                    dropin.description,
                    fallback=f"{dropin.title} à {dropin.place.nom}, {booking}. Aide gratuite au numérique.",
                ),
                lien_source=di.absolute(dropin.place.get_absolute_url()),
                date_maj=max(dropin.place.date_maj, timezone.localdate(dropin.updated_at)).isoformat(),
                type="accompagnement",
                thematiques=_thematiques(dropin.themes),
                conditions_acces=str(booking),
                walk_in=dropin.booking != c.Booking.APPOINTMENT,
                horaires_accueil=opening_hours(dropin),
                lien_mobilisation=di.absolute(reverse("mediation:book_place", args=[dropin.place.slug]))
                if dropin.booking != c.Booking.WALK_IN
                else None,
            )
        )
    workshops = (
        Workshop.objects.published()
        .upcoming()
        .filter(place_id__in=place_ids)
        .select_related("place")
        .prefetch_related("sessions")
        .order_by("first_start", "pk")
    )
    for workshop in workshops:
        url = di.absolute(workshop.get_absolute_url())
        dates = _dates(workshop)
        records.append(
            di.service_record(
                workshop.place,
                source=source,
                id=f"{workshop.place.standard_id}--atelier-{workshop.slug}",
                nom=workshop.title[:150].rstrip("."),
                description=di._description(
                    f"{workshop.description.strip()} {dates}".strip(), fallback=f"{workshop.title}. {dates}"
                ),
                lien_source=url,
                date_maj=max(workshop.place.date_maj, timezone.localdate(workshop.updated_at)).isoformat(),
                type="atelier",
                thematiques=_thematiques([workshop.theme]),
                conditions_acces=f"Niveau : {c.Level(workshop.level).label}. Sur inscription.",
                walk_in=False,  # on registration only
                horaires_accueil=None,  # dates, not weekly hours: they are in the description
                lien_mobilisation=url,
            )
        )
    return records
