"""The apps' routes leave at once an address none of them begins with (relais/core/routing.py),
and every address resolves exactly as with Django's plain include."""

import uuid

import pytest
from django.urls import get_resolver, include, path
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, URLResolver

from relais.core.routing import AppResolver, route_beginnings
from tests.routes import all_routes

# A value each converter accepts, to build an address for every route.
VALUES = {
    "int": "7",
    "slug": "un-exemple",
    "str": "ABC-12",
    "string": "ABC-12",
    "uuid": str(uuid.UUID(int=5)),
    "path": "a/b.pdf",
}
# Addresses no route has, or only nearly: each must get the same answer as without the shortcut.
OTHERS = [
    "",
    "ateliers",
    "ateliers/",
    "ateliersx/",
    "gestion",
    "gestion/",
    "gestion/inconnu/",
    "gestion/dossiers",
    "gestion/dossiersx/",
    "demarches",
    "donnees",
    "donnees/",
    "donnees.csv",
    "entraide",
    "compte/",
    "inconnu",
    "inconnu/page/",
    "healthz/",
]


class _Plain:
    """The project's URL configuration with each app included as `path("", include(module))`,
    from its module's name (not from what `app_routes` made of it)."""

    def __init__(self, patterns):
        self.urlpatterns = [
            path("", include(entry.urlconf_module.__name__)) if isinstance(entry, AppResolver) else entry
            for entry in patterns
        ]


def _answer(resolver, address):
    try:
        match = resolver.resolve(address)
    except Resolver404:
        return None
    return (match.func, match.view_name, match.args, match.kwargs, match.route)


def _addresses():
    found = set(OTHERS)
    for route in all_routes():
        if "regex" in route.converters.values():
            continue
        found.add(route.template % {name: VALUES[route.converters[name]] for name in route.params})
    return sorted(found)


def test_every_address_resolves_as_with_the_plain_include():
    project = get_resolver()
    plain = URLResolver(RegexPattern(r"^/"), _Plain(project.url_patterns))
    addresses = _addresses()
    assert len(addresses) > 250  # every route of the project, not a sample
    resolved = 0
    for address in addresses:
        answer = _answer(project, address)
        assert answer == _answer(plain, address), address
        resolved += answer is not None
    assert resolved > 250


def test_every_app_keeps_the_shortcut():
    """A regular expression or a parameter in a first segment would silently make every
    address walk that app's routes again."""
    apps = [entry for entry in get_resolver().url_patterns if isinstance(entry, AppResolver)]
    assert len(apps) == 10
    assert [entry.app_name for entry in apps if entry.beginnings is None] == []


def test_an_app_passes_an_address_none_of_its_routes_begins_with_without_trying_them():
    statistics = next(e for e in get_resolver().url_patterns if isinstance(e, AppResolver) and e.app_name == "stats")
    with pytest.raises(Resolver404) as passed:
        statistics.resolve("ateliers/rush/")
    assert passed.value.args[0]["tried"] == []
    with pytest.raises(Resolver404) as tried:
        statistics.resolve("gestion/statistiques/une/page/inconnue/")
    assert len(tried.value.args[0]["tried"]) > 10  # its own routes, as Django tries them


@pytest.mark.parametrize(
    "routes, address, admitted",
    [
        (["ateliers/<slug:slug>/"], "ateliers/rush/", True),
        (["ateliers/<slug:slug>/"], "gestion/ateliers/", False),
        (["gestion/dossiers/<str:reference>/"], "gestion/dossiers/A-1/", True),
        (["gestion/dossiers/<str:reference>/"], "gestion/mandats/", False),
        (["gestion/<int:pk>/"], "gestion/7/", True),
        (["donnees.csv"], "donnees.csv", True),
        (["donnees.csv"], "donnees.csvx", False),
        ([""], "", True),
        ([""], "ateliers/", False),
    ],
)
def test_an_address_is_admitted_by_what_its_routes_begin_with(routes, address, admitted):
    patterns = [path(route, lambda request: None) for route in routes]
    assert route_beginnings(patterns).admit(address) is admitted


@pytest.mark.parametrize("route", ["fiche-<slug:slug>/", "<slug:slug>/"])
def test_a_parameter_in_the_first_segment_turns_the_shortcut_off(route):
    assert route_beginnings([path(route, lambda request: None)]) is None


def test_an_include_with_an_open_prefix_turns_the_shortcut_off():
    """`path("donnees", include(…))` matches "donneesX/…" too: no fixed first segment."""
    assert route_beginnings([path("donnees", include([path("x/", lambda request: None)]))]) is None
    nested = route_beginnings([path("", include([path("lieux/<slug:slug>/", lambda request: None)]))])
    assert nested.admit("lieux/mairie/") and not nested.admit("gestion/")
