"""The audiences' sections by name: pages, exports, the council report, share links and the
JSON answers all reach the figures through `section()`."""

from __future__ import annotations

from importlib import import_module

from relais.stats.figures import Section
from relais.stats.filters import Query

MODULES = {
    "mediation": "relais.stats.selectors.mediation",
    "demandes": "relais.stats.selectors.requests",
    "entraide": "relais.stats.selectors.mutualaid",
    "envois": "relais.stats.selectors.outbox",
    "frequentation": "relais.stats.selectors.attendance",
    "demarches": "relais.stats.selectors.feedback",
}


def section(audience: str, query: Query) -> Section:
    return import_module(MODULES[audience]).section(query)
