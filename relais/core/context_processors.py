from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from relais.core.extensions import public_nav
from relais.core.theme import theme_css

# The apps' menu entries never change while the process runs (their labels are translated
# when shown): listed once.
_public_nav = once(public_nav)


def relais(request):
    """The town, its theme and the resident menu (what a staff member may reach is added by
    accounts.context_processors.staff). Every page renders this: nothing here reads the
    database unless the page shows it (the menu and the footer are usually kept rendered,
    see templates/base.html)."""
    return {
        "town": settings.RELAIS,
        "theme_css": theme_css(),
        "public_nav": _public_nav(),
        # The footer link says the conformance state, as the law asks (read only when shown).
        "accessibility_state": SimpleLazyObject(_accessibility_state),
    }


def _accessibility_state() -> str:
    """The state, in the page's language, or "" when the database cannot say (an error page
    must still render). Its code is kept in the default cache (Redis, or without Redis the
    cache table) and forgotten when the statement is saved (core.apps): a page reads no
    statement for it."""
    from relais.core.models import STATE_CACHE_KEY, AccessibilityStatement, ConformanceState

    try:
        state = cache.get(STATE_CACHE_KEY)
        if state is None:
            state = str(AccessibilityStatement.current().state)
            cache.set(STATE_CACHE_KEY, state, timeout=None)
    except DatabaseError:
        return ""
    return str(ConformanceState(state).label)
