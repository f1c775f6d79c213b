"""The project's URL configuration, each app included at the root (`relais/urls.py`).

Django tries every route in order until one matches: an address of the last apps (a workshop,
the mutual-aid board, the statistics) was tried against the staff routes of every app before
its own, ~150 patterns, a few percent of a registration's whole work. `app_routes(module)`
includes an app's routes as `path("", include(module))` does, and first compares the
address's first one or two segments with those its routes begin with: an address no route of
the app can match goes to the next app at once (a queue click no longer walks the other apps'
staff routes either). It resolves and reverses as the plain include does
(tests/core/test_routing.py compares them over every route of the project). One difference,
for developers only: the list of routes tried that Django's technical 404 page shows in DEBUG
leaves out the apps passed by.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, include
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils.functional import cached_property


@dataclass(frozen=True)
class Beginnings:
    """What an address must begin with to match one of some routes: its first segment is one
    of `one`, or its first two segments (joined by "/") are one of `two`."""

    one: frozenset[str]
    two: frozenset[str]

    def admit(self, path: str) -> bool:
        """Whether `path` (without its leading slash: "ateliers/rush/") may match a route."""
        parts = path.split("/", 2)
        return parts[0] in self.one or (len(parts) > 1 and f"{parts[0]}/{parts[1]}" in self.two)


def _written_segments(entry) -> list[str] | None:
    """The segments a route spells out in full (an address matching it has exactly those
    first), or None for a route that is not written as a plain text route."""
    pattern = entry.pattern
    if not isinstance(pattern, RoutePattern):
        return None  # a regular expression
    route = pattern._route  # noqa: SLF001 - as written; a translated route differs by language
    if not isinstance(route, str):
        return None
    if isinstance(entry, URLPattern) and "<" not in route:
        return route.split("/")  # a whole address: "", "donnees.csv", "gestion/statistiques"
    # Up to the first parameter, without the part after the last "/": "gestion/dossiers/<…>/"
    # gives ["gestion", "dossiers"]; an include's "donnees" (any "donnees…" address) gives [].
    return route.split("<", 1)[0].split("/")[:-1]


def route_beginnings(patterns) -> Beginnings | None:
    """What an address must begin with to match one of `patterns`, or None when a route can
    match more than a fixed beginning says (a regular expression, a parameter or an open
    prefix in its first segment): then every address is tried against the routes, as Django
    does."""
    one: set[str] = set()
    two: set[str] = set()
    for entry in patterns:
        written = _written_segments(entry)
        if written is None:
            return None
        if len(written) >= 2:
            two.add(f"{written[0]}/{written[1]}")
        elif written:
            one.add(written[0])
        elif isinstance(entry, URLResolver) and str(entry.pattern) == "":  # included at the same level
            nested = route_beginnings(entry.url_patterns)
            if nested is None:
                return None
            one |= nested.one
            two |= nested.two
        else:  # "fiche-<slug:slug>/", or an include of any address beginning with "donnees"
            return None
    return Beginnings(frozenset(one), frozenset(two))


class AppResolver(URLResolver):
    """`path("", include(module))` that leaves at once an address none of its routes begins with."""

    @cached_property
    def beginnings(self) -> Beginnings | None:
        return route_beginnings(self.url_patterns)

    def resolve(self, path):
        path = str(path)
        if self.beginnings is not None and not self.beginnings.admit(path):
            raise Resolver404({"tried": [], "path": path})
        return super().resolve(path)


def app_routes(module: str) -> AppResolver:
    """An app's routes at the root of the site, as `path("", include(module))`."""
    urlconf, app_name, namespace = include(module)
    return AppResolver(RoutePattern("", is_endpoint=False), urlconf, app_name=app_name, namespace=namespace)
