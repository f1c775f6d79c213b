"""Public, read-only, cacheable: no key.

What the public web pages show, nothing more, read through the same selectors: the
catalogue (procedures with their easy-to-read version, themes), the places in the national
schema with their opening hours, drop-in sessions and free appointment slots, workshops with
their seats left, the mutual-aid board (never a name, a phone or an address: the listing's
neighbourhood only), and the open-data statistics (counts from 1 to 4 published as
"moins de 5"). Lists go page by page (relais.api.cursor); every answer has an ETag and a
short Cache-Control (relais.api.etag).
"""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import create_model

from relais.api.cursor import CursorField, LimitField, paginate
from relais.api.etag import public_read
from relais.core import vocabularies as voc
from relais.directory import export as places_export
from relais.directory import hours
from relais.directory import selectors as directory
from relais.directory.models import Place, Procedure
from relais.mediation import choices as mediation_choices
from relais.mediation import selectors as mediation
from relais.mediation.models import AppointmentType, DropIn, Workshop
from relais.mutualaid import selectors as mutualaid
from relais.mutualaid.models import Category
from relais.stats.figures import SUPPRESSED, THRESHOLD
from relais.stats.selectors import opendata

router = Router(tags=["Public"])

CATALOGUE_AGE = 60  # seconds of Cache-Control for what changes with an edit
LIVE_AGE = 30  # …and for what changes with each booking (slots, seats)
MAX_DAYS = 92  # widest date range of the schedules
HORIZON_DAYS = 366  # how far ahead they may be asked
START = Query(None, description="Premier jour (AAAA-MM-JJ), aujourd'hui par défaut.")
END = Query(None, description=f"Dernier jour (AAAA-MM-JJ) ; {MAX_DAYS} jours au plus.")


def _url(request, path: str) -> str:
    return request.build_absolute_uri(path)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _stamp(moment: datetime.datetime) -> int:
    """A moment as an integer sort key (microseconds since the epoch)."""
    return int(moment.timestamp() * 1_000_000)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    return create_model(
        name,
        __base__=Schema,
        items=(list[item], ...),
        next=(str | None, Field(None, description="Adresse de la page suivante ; absente sur la dernière page.")),
    )


def _date_range(start: datetime.date | None, end: datetime.date | None, *, days: int):
    """[start, end] as aware datetimes [start 00:00, end + 1 day 00:00); today and `days` by default."""
    today = timezone.localdate()
    start = start or today
    end = end or start + datetime.timedelta(days=days - 1)
    for name, day in (("start", start), ("end", end)):
        if not today <= day <= today + datetime.timedelta(days=HORIZON_DAYS):
            raise ValidationError(
                {name: _("Une date d'aujourd'hui à dans %(n)s jours est attendue.") % {"n": HORIZON_DAYS}}
            )
    if end < start:
        raise ValidationError({"end": _("La date de fin doit suivre la date de début.")})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"end": _("Au plus %(n)s jours à la fois.") % {"n": MAX_DAYS}})
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    finish = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))
    return begin, finish


def _place_or_error(slug: str | None, field: str = "place") -> Place | None:
    if not slug:
        return None
    place = Place.objects.published().filter(slug=slug).first()
    if place is None:
        raise ValidationError({field: _("Aucun lieu publié n'a cet identifiant (« slug » d'un lieu de /places).")})
    return place


def _choice(value: str | None, allowed, field: str) -> None:
    if value and value not in allowed:
        raise ValidationError(
            {field: _("Valeur inconnue ; valeurs possibles : %(v)s.") % {"v": ", ".join(map(str, allowed))}}
        )


# ---------------------------------------------------------------- catalogue


class ThemeOut(Schema):
    code: str = Field(description="Code national de la sous-thématique administrative.")
    label: str
    description: str
    procedures: int = Field(description="Nombre de fiches publiées de ce thème.")
    url: str


ThemePage = page_of(ThemeOut, "ThemePage")


@router.get("/themes", response={200: ThemePage, 304: None}, summary="Thèmes du catalogue", operation_id="themes")
@public_read(ThemePage, max_age=CATALOGUE_AGE)
def themes(request, limit: int = LimitField, cursor: str | None = CursorField):
    found = paginate(
        request, directory.themes_with_counts(), key=lambda t: (t.position, t.code), cursor=cursor, limit=limit
    )
    return {
        "items": [
            {
                "code": t.code,
                "label": t.label,
                "description": t.description,
                "procedures": t.n,
                "url": _url(request, t.get_absolute_url()),
            }
            for t in found.items
        ],
        "next": found.next,
    }


class OrganisationOut(Schema):
    slug: str
    name: str
    short_name: str
    website: str
    phone: str


class ProcedureSummary(Schema):
    slug: str
    title: str
    summary: str = Field(description="Résumé en français simple.")
    has_easy_read: bool = Field(description="Une version « facile à lire et à comprendre » (FALC) existe.")
    organisation: OrganisationOut
    themes: list[str] = Field(description="Codes des thèmes (voir /themes).")
    url: str = Field(description="La page de la fiche sur le site de la commune.")
    updated_at: datetime.datetime


class PlaceRef(Schema):
    id: str = Field(description="Identifiant du lieu dans le schéma national des lieux de médiation numérique.")
    slug: str
    nom: str
    url: str


class ProcedureOut(ProcedureSummary):
    easy_read: list[str] = Field(description="Version FALC, une idée par ligne (vide s'il n'y en a pas).")
    audience: str
    documents: list[str] = Field(description="Documents à apporter, un par élément.")
    cost: str
    delay: str
    how_to: list[str] = Field(description="Comment faire, une étape par élément.")
    external_url: str
    external_label: str
    counter: bool = Field(description="Possible au guichet de la mairie.")
    online_form_url: str | None = Field(description="Le formulaire de demande en ligne de Relais, s'il y en a un.")
    places: list[PlaceRef] = Field(description="Lieux où l'on peut être aidé pour cette démarche.")


ProcedurePage = page_of(ProcedureSummary, "ProcedurePage")


def _organisation(o) -> dict:
    return {"slug": o.slug, "name": o.name, "short_name": o.short_name, "website": o.website, "phone": o.phone}


def _procedure_summary(request, p: Procedure, theme_codes: list[str]) -> dict:
    return {
        "slug": p.slug,
        "title": p.title,
        "summary": p.summary,
        "has_easy_read": bool(p.easy_read.strip()),
        "organisation": _organisation(p.organisation),
        "themes": theme_codes,
        "url": _url(request, p.get_absolute_url()),
        "updated_at": p.updated_at,
    }


def _place_ref(request, place: Place) -> dict:
    return {
        "id": place.standard_id,
        "slug": place.slug,
        "nom": place.nom,
        "url": _url(request, place.get_absolute_url()),
    }


@router.get(
    "/procedures", response={200: ProcedurePage, 304: None}, summary="Fiches pratiques", operation_id="procedures"
)
@public_read(ProcedurePage, max_age=CATALOGUE_AGE)
def procedures(
    request,
    theme: str | None = Query(None, max_length=60, description="Code d'un thème (voir /themes)."),
    q: str | None = Query(None, max_length=200, description="Mots d'une recherche, comme sur le site."),
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    if q and q.strip():
        found, _corrected = directory.search_procedures(q.strip(), limit=500)
        qs = Procedure.objects.filter(pk__in=[p.pk for p in found])
    else:
        qs = directory.procedures_for_list()
    if theme:
        _choice(theme, [t.code for t in directory.themes_with_counts()], "theme")
        qs = qs.filter(themes__code=theme)
    qs = qs.select_related("organisation").prefetch_related("themes")
    page = paginate(request, qs, key=lambda p: (p.slug,), cursor=cursor, limit=limit)
    return {
        "items": [_procedure_summary(request, p, [t.code for t in p.themes.all()]) for p in page.items],
        "next": page.next,
    }


@router.get(
    "/procedures/{slug}",
    response={200: ProcedureOut, 304: None},
    summary="Une fiche pratique, avec sa version FALC",
    operation_id="procedure",
)
@public_read(ProcedureOut, max_age=CATALOGUE_AGE)
def procedure(request, slug: str = Path(..., max_length=100)):
    try:
        p = directory.procedure_detail(slug)
    except Procedure.DoesNotExist:
        raise Http404 from None
    online = getattr(p, "case_form", None)
    return {
        **_procedure_summary(request, p, [t.code for t in p.themes.all()]),
        "easy_read": _lines(p.easy_read),
        "audience": p.audience,
        "documents": _lines(p.documents),
        "cost": p.cost,
        "delay": p.delay,
        "how_to": _lines(p.how_to),
        "external_url": p.external_url,
        "external_label": p.external_label,
        "counter": p.counter,
        "online_form_url": _url(request, online.get_absolute_url()) if online and online.published else None,
        "places": [_place_ref(request, place) for place in p.places.all()],
    }


# ---------------------------------------------------------------- places

_NUMBERS = {"latitude", "longitude"}
PlaceRecord = create_model(
    "LieuMediationNumerique",
    __base__=Schema,
    __doc__="Le lieu au schéma national des lieux de médiation numérique (v1.0.2) : listes séparées par « | ».",
    **{name: ((float | str) if name in _NUMBERS else str, ...) for name in places_export.SCHEMA_FIELDS},
)


class OpeningRange(Schema):
    start: str = Field(description="Heure d'ouverture, HH:MM (heure de Paris).")
    end: str = Field(description="Heure de fermeture, HH:MM ; 24:00 pour minuit.")


class OpeningDay(Schema):
    date: datetime.date
    label: str = Field(description="« Lundi 7 décembre »")
    open: bool
    text: str = Field(description="« de 9 h à 12 h et de 14 h à 17 h », ou « fermé ».")
    ranges: list[OpeningRange]


class HoursOut(Schema):
    osm: str = Field(description="Horaires au format OpenStreetMap opening_hours (celui du schéma national).")
    known: bool = Field(description="Les horaires sont renseignés et lisibles.")
    open_now: bool
    sentence: str = Field(description="« Ouvert maintenant, jusqu'à 17 h », « Fermé maintenant. Ouvre demain à 9 h »…")
    week: list[OpeningDay] = Field(description="Les sept prochains jours, à partir d'aujourd'hui.")


class PlaceOut(Schema):
    slug: str
    url: str
    quartier: str
    wheelchair_access: Literal["oui", "partiel", "non", ""]
    accessibility_notes: str
    getting_there: str
    hours: HoursOut
    lieu: PlaceRecord


PlacePage = page_of(PlaceOut, "PlacePage")


def _hm(t: datetime.time, *, end: bool = False) -> str:
    return "24:00" if end and t == datetime.time() else t.strftime("%H:%M")


def _place(request, place: Place, town: str) -> dict:
    status = place.status_now()
    return {
        "slug": place.slug,
        "url": _url(request, place.get_absolute_url()),
        "quartier": place.quartier,
        "wheelchair_access": place.wheelchair_access,
        "accessibility_notes": place.accessibility_notes,
        "getting_there": place.getting_there,
        "hours": {
            "osm": place.horaires,
            "known": status.known,
            "open_now": status.is_open,
            "sentence": status.sentence,
            "week": [
                {
                    "date": day.date,
                    "label": day.label,
                    "open": day.is_open,
                    "text": day.text,
                    "ranges": [{"start": _hm(a), "end": _hm(b, end=True)} for a, b in day.ranges],
                }
                for day in hours.week(place.horaires)
            ],
        },
        "lieu": places_export.place_record(place, source=town),
    }


def _town() -> str:
    from django.conf import settings

    return settings.RELAIS["TOWN_NAME"]


@router.get("/places", response={200: PlacePage, 304: None}, summary="Lieux", operation_id="places")
@public_read(PlacePage, max_age=CATALOGUE_AGE)
def places(
    request,
    commune: str | None = Query(None, max_length=100, description="Nom de la commune."),
    code_insee: str | None = Query(None, max_length=5, description="Code INSEE de la commune."),
    quartier: str | None = Query(None, max_length=100),
    service: str | None = Query(None, max_length=200, description="Un service du schéma national."),
    open_now: bool = Query(False, description="Seulement les lieux ouverts en ce moment."),
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    _choice(service, voc.LIEUX_SERVICES, "service")
    found = directory.places_near(quartier=quartier or "", service=service or "", open_now=open_now)
    if quartier:
        found = [p for p in found if p.quartier == quartier]
    if commune:
        found = [p for p in found if p.commune.casefold() == commune.strip().casefold()]
    if code_insee:
        found = [p for p in found if p.code_insee == code_insee]
    page = paginate(request, found, key=lambda p: (p.slug,), cursor=cursor, limit=limit)
    town = _town()
    return {"items": [_place(request, p, town) for p in page.items], "next": page.next}


@router.get(
    "/places/{slug}",
    response={200: PlaceOut, 304: None},
    summary="Un lieu, ses horaires et s'il est ouvert",
    operation_id="place",
)
@public_read(PlaceOut, max_age=CATALOGUE_AGE)
def place(request, slug: str = Path(..., max_length=80)):
    found = Place.objects.published().filter(slug=slug).first()
    if found is None:
        raise Http404
    return _place(request, found, _town())


# ---------------------------------------------------------------- drop-in sessions and slots


class SessionOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cancelled: bool
    notice: str = Field(description="Le message affiché quand la séance est annulée.")


class DropInOut(Schema):
    id: int
    title: str
    description: str
    booking: Literal["walk_in", "appointment", "both"] = Field(
        description="walk_in : sans rendez-vous ; appointment : sur rendez-vous ; both : les deux."
    )
    themes: list[str] = Field(description="Codes des thématiques (référentiel national de la médiation numérique).")
    place: PlaceRef
    sessions: list[SessionOut] = Field(description="Séances de la période demandée (28 jours par défaut).")


DropInPage = page_of(DropInOut, "DropInPage")


def _session_filters(place_slug, commune, theme):
    dropins = DropIn.objects.sessions().select_related("place")
    place = _place_or_error(place_slug)
    if place is not None:
        dropins = dropins.filter(place=place)
    if commune:
        dropins = dropins.filter(place__commune__iexact=commune.strip())
    if theme:
        _choice(theme, list(mediation_choices.THEME_LABELS), "theme")
    return dropins


@router.get(
    "/dropins",
    response={200: DropInPage, 304: None},
    summary="Permanences et leurs prochaines séances",
    operation_id="dropins",
)
@public_read(DropInPage, max_age=CATALOGUE_AGE)
def dropins(
    request,
    place: str | None = Query(None, max_length=80, description="« slug » d'un lieu."),
    commune: str | None = Query(None, max_length=100),
    theme: str | None = Query(None, max_length=40, description="Code d'une thématique de la médiation numérique."),
    start: datetime.date | None = START,
    end: datetime.date | None = END,
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    qs = _session_filters(place, commune, theme)
    begin, finish = _date_range(start, end, days=28)
    sessions: dict[int, list] = {}
    for occ in mediation.occurrences(dropins=qs, start=begin, end=finish):
        sessions.setdefault(occ.dropin.pk, []).append(occ)
    found = [d for d in qs if d.pk in sessions and (not theme or theme in d.themes)]
    page = paginate(request, found, key=lambda d: (d.pk,), cursor=cursor, limit=limit)
    return {
        "items": [
            {
                "id": d.pk,
                "title": d.title,
                "description": d.description,
                "booking": d.booking,
                "themes": d.themes,
                "place": _place_ref(request, d.place),
                "sessions": [
                    {"starts_at": o.starts_at, "ends_at": o.ends_at, "cancelled": o.cancelled, "notice": o.notice}
                    for o in sessions[d.pk]
                ],
            }
            for d in page.items
        ],
        "next": page.next,
    }


class SlotOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    dropin: int = Field(description="La permanence ou l'ouverture de rendez-vous dont vient ce créneau.")
    appointment_type: str | None = Field(
        description="« slug » du motif de rendez-vous, ou vide (conseiller numérique)."
    )
    place: PlaceRef
    booking_url: str = Field(description="La page où une personne réserve ce créneau.")


SlotPage = page_of(SlotOut, "SlotPage")


@router.get(
    "/slots",
    response={200: SlotPage, 304: None},
    summary="Créneaux de rendez-vous libres",
    operation_id="slots",
)
@public_read(SlotPage, max_age=LIVE_AGE, shared=False)
def slots(
    request,
    place: str | None = Query(None, max_length=80, description="« slug » d'un lieu."),
    appointment_type: str | None = Query(
        None,
        max_length=90,
        description="« slug » d'un motif de rendez-vous (état civil…) ; sans lui, les créneaux des conseillers numériques.",
    ),
    start: datetime.date | None = START,
    end: datetime.date | None = END,
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    if appointment_type:
        kind = mediation.types_published().filter(slug=appointment_type).first()
        if kind is None:
            raise ValidationError({"appointment_type": _("Aucun motif de rendez-vous réservable n'a cet identifiant.")})
        openings = DropIn.objects.filter(appointment_type=kind)
    else:
        openings = DropIn.objects.with_advisors()
    found_place = _place_or_error(place)
    if found_place is not None:
        openings = openings.filter(place=found_place)
    begin, finish = _date_range(start, end, days=28)
    found = mediation.free_slots(dropins=openings, start=begin, end=finish)
    page = paginate(request, found, key=lambda s: (_stamp(s.starts_at), s.dropin.pk), cursor=cursor, limit=limit)
    types = dict(AppointmentType.objects.values_list("pk", "slug"))
    return {
        "items": [
            {
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "dropin": s.dropin.pk,
                "appointment_type": types.get(s.dropin.appointment_type_id),
                "place": _place_ref(request, s.dropin.place),
                "booking_url": _url(request, reverse("mediation:book", args=[s.dropin.pk, s.key])),
            }
            for s in page.items
        ],
        "next": page.next,
    }


# ---------------------------------------------------------------- workshops


class WorkshopSessionOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class WorkshopOut(Schema):
    slug: str
    url: str
    title: str
    description: str
    theme: str = Field(description="Code de la thématique (référentiel national de la médiation numérique).")
    theme_label: str
    level: Literal["debutant", "intermediaire", "avance"]
    partner: str
    accessibility_notes: str
    what_to_bring: str
    place: PlaceRef
    sessions: list[WorkshopSessionOut]
    capacity: int
    free_seats: int = Field(description="Places libres ; 0 : complet, les inscriptions vont en liste d'attente.")
    registration: Literal["not_yet", "open", "closed", "cancelled"]
    registration_opens_at: datetime.datetime
    registration_closes_at: datetime.datetime | None


WorkshopPage = page_of(WorkshopOut, "WorkshopPage")


def _workshop(request, w: Workshop) -> dict:
    return {
        "slug": w.slug,
        "url": _url(request, w.get_absolute_url()),
        "title": w.title,
        "description": w.description,
        "theme": w.theme,
        "theme_label": w.theme_label(),
        "level": w.level,
        "partner": w.partner,
        "accessibility_notes": w.accessibility_notes,
        "what_to_bring": w.what_to_bring,
        "place": _place_ref(request, w.place),
        "sessions": [{"starts_at": s.starts_at, "ends_at": s.ends_at} for s in w.session_list()],
        "capacity": w.capacity,
        "free_seats": w.free_seats,
        "registration": w.registration_state(),
        "registration_opens_at": w.registration_opens_at,
        "registration_closes_at": w.closes_at,
    }


def _seats(request) -> tuple:
    """What the workshops' answers depend on beyond the public-content version: each
    workshop to come, its seats taken and its registration state now (one small query)."""
    return mediation.workshops_state_key()


@router.get(
    "/workshops",
    response={200: WorkshopPage, 304: None},
    summary="Ateliers à venir et leurs places libres",
    operation_id="workshops",
)
@public_read(WorkshopPage, max_age=LIVE_AGE, vary=_seats)
def workshops(
    request,
    place: str | None = Query(None, max_length=80, description="« slug » d'un lieu."),
    theme: str | None = Query(None, max_length=40, description="Code d'une thématique de la médiation numérique."),
    level: Literal["debutant", "intermediaire", "avance"] | None = Query(None),
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    _choice(theme, list(mediation_choices.THEME_LABELS), "theme")
    found = mediation.workshops_public(place=_place_or_error(place))
    found = [w for w in found if (not theme or w.theme == theme) and (not level or w.level == level)]
    page = paginate(request, found, key=lambda w: (_stamp(w.first_session.starts_at), w.pk), cursor=cursor, limit=limit)
    return {"items": [_workshop(request, w) for w in page.items], "next": page.next}


@router.get(
    "/workshops/{slug}",
    response={200: WorkshopOut, 304: None},
    summary="Un atelier et ses places libres",
    operation_id="workshop",
)
@public_read(WorkshopOut, max_age=LIVE_AGE, shared=False)
def workshop(request, slug: str = Path(..., max_length=90)):
    try:
        found = mediation.workshop_public(slug)
    except Workshop.DoesNotExist:
        raise Http404 from None
    return _workshop(request, found)


# ---------------------------------------------------------------- mutual aid


class ListingOut(Schema):
    id: int
    url: str
    kind: Literal["offer", "request"] = Field(description="offer : propose un coup de main ; request : en cherche un.")
    category: str
    category_label: str
    neighbourhood: str = Field(description="Le quartier : jamais une adresse.")
    title: str
    text: str
    availability: str
    ongoing: bool = Field(description="Offre permanente.")
    met_town_team: bool = Field(description="La personne a rencontré l'équipe de la mairie (badge donné par elle).")
    published_at: datetime.datetime | None
    expires_at: datetime.datetime | None


ListingPage = page_of(ListingOut, "ListingPage")


def _listing(request, listing) -> dict:
    return {
        "id": listing.pk,
        "url": _url(request, listing.get_absolute_url()),
        "kind": listing.kind,
        "category": listing.category,
        "category_label": str(listing.get_category_display()),
        "neighbourhood": listing.neighbourhood.name,
        "title": listing.title,
        "text": listing.text,
        "availability": listing.availability,
        "ongoing": listing.ongoing,
        "met_town_team": bool(getattr(listing, "author_met", False)),
        "published_at": listing.published_at,
        "expires_at": None if listing.ongoing else listing.expires_at,
    }


@router.get(
    "/listings",
    response={200: ListingPage, 304: None},
    summary="Annonces d'entraide, comme sur le tableau public",
    operation_id="listings",
)
@public_read(ListingPage, max_age=CATALOGUE_AGE)
def listings(
    request,
    kind: Literal["offer", "request"] | None = Query(None),
    category: str | None = Query(None, max_length=20),
    neighbourhood: str | None = Query(None, max_length=100, description="« slug » d'un quartier."),
    q: str | None = Query(None, max_length=200, description="Mots cherchés dans les annonces."),
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    _choice(category, Category.values, "category")
    area = None
    if neighbourhood:
        area = mutualaid.neighbourhoods().filter(slug=neighbourhood).first()
        if area is None:
            raise ValidationError(
                {
                    "neighbourhood": _("Quartier inconnu ; valeurs possibles : %(v)s.")
                    % {"v": ", ".join(mutualaid.neighbourhoods().values_list("slug", flat=True))}
                }
            )
    found = mutualaid.board(kind=kind or "", category=category or "", neighbourhood=area, q=(q or "").strip())
    page = paginate(
        request, found, key=lambda item: (-_stamp(item.published_at or item.created_at), -item.pk), cursor=cursor,
        limit=limit,
    )  # fmt: skip
    return {"items": [_listing(request, item) for item in page.items], "next": page.next}


@router.get(
    "/listings/{listing_id}",
    response={200: ListingOut, 304: None},
    summary="Une annonce d'entraide",
    operation_id="listing",
)
@public_read(ListingOut, max_age=CATALOGUE_AGE)
def listing(request, listing_id: int = Path(..., ge=1, le=2**31 - 1)):
    return _listing(request, mutualaid.listing_for(listing_id, None))


# ---------------------------------------------------------------- statistics


class StatOut(Schema):
    month: str = Field(description="AAAA-MM")
    place: str = Field(description="Identifiant du lieu au schéma national.")
    place_name: str
    commune: str
    code_insee: str
    theme: str
    theme_label: str
    count: int | None = Field(description=f"Accompagnements ; vide quand il y en a de 1 à {THRESHOLD - 1}.")
    less_than: int | None = Field(description=f"{THRESHOLD} quand le nombre est masqué (« moins de {THRESHOLD} »).")


StatPage = page_of(StatOut, "StatPage")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get(
    "/statistics/accompaniments",
    response={200: StatPage, 304: None},
    summary="Accompagnements au numérique par mois, lieu et thématique (petits nombres masqués)",
    operation_id="statistics_accompaniments",
)
@public_read(StatPage, max_age=CATALOGUE_AGE)
def statistics(
    request,
    start: str | None = Query(None, pattern=MONTH, description="Premier mois, AAAA-MM."),
    end: str | None = Query(None, pattern=MONTH, description="Dernier mois, AAAA-MM."),
    place: str | None = Query(None, max_length=100, description="Identifiant du lieu au schéma national."),
    theme: str | None = Query(None, max_length=40),
    limit: int = LimitField,
    cursor: str | None = CursorField,
):
    if start and end and end < start:
        raise ValidationError({"end": _("Le dernier mois doit suivre le premier.")})
    rows = [
        r
        for r in opendata.published_rows()
        if (not start or r["month"] >= start)
        and (not end or r["month"] <= end)
        and (not place or r["place_id"] == place)
        and (not theme or r["theme"] == theme)
    ]
    page = paginate(request, rows, key=lambda r: (r["month"], r["place_id"], r["theme"]), cursor=cursor, limit=limit)
    return {
        "items": [
            {
                "month": r["month"],
                "place": r["place_id"],
                "place_name": r["place_name"],
                "commune": r["commune"],
                "code_insee": r["code_insee"],
                "theme": r["theme"],
                "theme_label": r["theme_label"],
                "count": None if r["count"] == SUPPRESSED else r["count"],
                "less_than": THRESHOLD if r["count"] == SUPPRESSED else None,
            }
            for r in page.items
        ],
        "next": page.next,
    }
