"""Reads for the catalogue and the places.

What every visitor sees the same (the published places, a procedure's page, the
neighbourhoods) is kept in each process's memory under the public-content version
(relais.core.pagecache.remember): any change of the catalogue forgets it once committed.
Objects kept are shared by the requests of a process: they are copied before being changed.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from relais.core import pagecache
from relais.directory import search as catalogue_search
from relais.directory.acronyms import FALC_FIELDS, MAIN_FIELDS, Entry, missing_expansions
from relais.directory.models import Acronym, Place, Procedure, Theme


def procedures_for_list() -> QuerySet[Procedure]:
    return Procedure.objects.published().select_related("organisation").order_by("title")


def themes_with_counts() -> list[Theme]:
    """Every theme in order, each with `n`, its number of published procedures (shared objects)."""
    return pagecache.remember(
        "directory:themes",
        lambda: list(
            Theme.objects.annotate(n=Count("procedures", filter=Q(procedures__published=True))).order_by("position")
        ),
    )


def search_procedures(query: str, limit: int = 50) -> tuple[list[Procedure], str]:
    """Published procedures matching `query`, best first, and the corrected query (the
    search keeps its own index, refreshed at once by every change: see directory.search)."""
    result = catalogue_search.search(query, limit=limit, kinds=[catalogue_search.FICHE])
    by_id = procedures_for_list().in_bulk(result.ids)
    return [by_id[i] for i in result.ids if i in by_id], result.corrected


@dataclass
class SearchHit:
    """One result of the search page: a fiche (with its Procedure, shown in the visitor's
    language), a request form, a workshop, a drop-in session or a place."""

    document: catalogue_search.Document
    procedure: Procedure | None = None

    kind = property(lambda self: self.document.kind)
    kind_label = property(lambda self: self.document.kind_label)
    title = property(lambda self: self.document.title)
    url = property(lambda self: self.document.url)
    summary = property(lambda self: self.document.summary)
    details = property(lambda self: self.document.details)


def search_everything(query: str, limit: int = 50) -> tuple[list[SearchHit], str]:
    """Everything matching `query` (every kind), best first, and the corrected query."""
    result = catalogue_search.search(query, limit=limit)
    by_id = procedures_for_list().in_bulk(result.ids) if result.ids else {}
    hits = []
    for document in result.hits:
        if document.kind != catalogue_search.FICHE:
            hits.append(SearchHit(document))
        elif document.ref in by_id:
            hits.append(SearchHit(document, by_id[document.ref]))
    return hits, result.corrected


def procedure_detail(slug: str) -> Procedure:
    """A published procedure with its organisation, form, themes and published places (kept
    under the public-content version; raises Procedure.DoesNotExist). A copy: a page notes on
    it what its reader has seen (the acronyms already spelled out)."""
    return copy.copy(pagecache.remember("directory:procedure", lambda: _procedure_detail(slug), slug))


def _procedure_detail(slug: str) -> Procedure:
    published_places = Place.objects.published().order_by("nom")
    return (
        Procedure.objects.published()
        .select_related("organisation", "case_form")
        .prefetch_related("themes", Prefetch("places", queryset=published_places))
        .get(slug=slug)
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def neighbourhoods() -> list[str]:
    return pagecache.remember(
        "directory:neighbourhoods",
        lambda: list(
            Place.objects.published()
            .exclude(quartier="")
            .order_by("quartier")
            .values_list("quartier", flat=True)
            .distinct()
        ),
    )


def published_places() -> list[Place]:
    """Every published place, in name order (shared objects: copy before changing one)."""
    return pagecache.remember("directory:places", lambda: list(Place.objects.published().order_by("nom")))


def places_near(
    *, quartier: str = "", service: str = "", lat: float | None = None, lon: float | None = None, open_now: bool = False
) -> list[Place]:
    """Published places, nearest first when a position or a neighbourhood is given.

    A neighbourhood stands for the centre of its places, so a resident without
    geolocation (or without JavaScript) still gets the places around them first.
    """
    places = list(published_places())
    if service:
        places = [p for p in places if service in p.services]
    if lat is None and quartier:
        located = [p for p in places if p.quartier == quartier and p.latitude is not None]
        if located:
            lat = sum(p.latitude for p in located) / len(located)
            lon = sum(p.longitude for p in located) / len(located)
    if lat is not None and lon is not None:
        places = [copy.copy(p) for p in places]  # the distance is this visitor's
        for p in places:
            p.distance = distance_km(lat, lon, p.latitude, p.longitude) if p.latitude is not None else None
        places.sort(key=lambda p: (p.distance is None, p.distance or 0, p.quartier != quartier))
    if open_now:
        places = [p for p in places if p.status_now().is_open]
    return places


def acronym_entries() -> list[Entry]:
    """The town's list of acronyms and their full forms."""
    return [Entry(a, e) for a, e in Acronym.objects.order_by("abbreviation").values_list("abbreviation", "expansion")]


def procedures_with_unexpanded_acronyms() -> list[tuple[Procedure, dict[str, list[Entry]]]]:
    """Every procedure (published or not) whose texts use a listed acronym without its full
    form, with the fields concerned: the catalogue editor's list of texts to reread."""
    entries = acronym_entries()
    fields = [*MAIN_FIELDS, *FALC_FIELDS]
    found = []
    for proc in Procedure.objects.only("pk", "slug", "title", "published", *fields).order_by("title"):
        missing = missing_expansions({name: getattr(proc, name) for name in fields}, entries)
        if missing:
            found.append((proc, missing))
    return found
