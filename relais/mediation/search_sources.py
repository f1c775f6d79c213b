"""Workshops and drop-in sessions in the resident search ("atelier smartphone",
"permanence numérique"): the directory's search never imports mediation, it is given these
sources in MediationConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from relais.directory import search


def _workshops():
    from relais.mediation.models import Workshop

    return Workshop.objects.published().upcoming()


def workshop_documents():
    from relais.mediation import choices as c

    for workshop in _workshops().select_related("place").order_by("first_start", "pk"):
        yield search.Document(
            kind=search.WORKSHOP,
            ref=workshop.pk,
            title=workshop.title,
            url=workshop.get_absolute_url(),
            summary=workshop.description,
            details=(workshop.place.nom,),
            fields={
                "title": workshop.title,
                "keywords": "atelier",
                "themes": str(c.THEME_LABELS.get(workshop.theme, "")),
                "summary": workshop.description,
                "body": f"{workshop.place.nom} {workshop.partner} {workshop.what_to_bring}",
            },
        )


def workshop_version():
    from relais.mediation.models import Workshop

    # And the hour: a workshop whose first session has begun leaves the search within the hour.
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    return (*search.aggregate_version(Workshop.objects.all()), hour)


def _dropins():
    from relais.mediation import choices as c
    from relais.mediation.models import DropIn

    today = timezone.localdate()
    return (
        DropIn.objects.published()
        .filter(appointment_type__isnull=True, booking__in=[c.Booking.WALK_IN, c.Booking.BOTH])
        .exclude(end_date__lt=today)
    )


def dropin_documents():
    from relais.mediation import choices as c

    help_url = reverse("mediation:help")
    for dropin in _dropins().select_related("place").order_by("title", "pk"):
        themes = " ".join(str(c.THEME_LABELS.get(code, "")) for code in dropin.themes)
        yield search.Document(
            kind=search.DROPIN,
            ref=dropin.pk,
            title=dropin.title,
            url=f"{help_url}#place-{dropin.place_id}",
            summary=dropin.description,
            details=(dropin.place.nom, dropin.get_booking_display()),
            fields={
                "title": dropin.title,
                "keywords": "permanence sans rendez-vous",
                "themes": themes,
                "summary": dropin.description,
                "body": f"{dropin.place.nom} {dropin.place.quartier}",
            },
        )


def dropin_version():
    from relais.mediation.models import DropIn

    # The day too: a drop-in whose last day has passed leaves the search.
    return (*search.aggregate_version(DropIn.objects.all()), timezone.localdate())


def register() -> None:
    from relais.mediation.models import DropIn, Workshop, WorkshopSession

    search.register(search.Source("mediation.workshops", workshop_documents, workshop_version))
    search.register(search.Source("mediation.dropins", dropin_documents, dropin_version))
    # A workshop's sessions decide whether it is still to come.
    search.watch(DropIn, Workshop, WorkshopSession)
