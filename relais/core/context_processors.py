from django.conf import settings
from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from relais.core.extensions import public_nav
from relais.core.theme import theme_css


def relais(request):
    """The town, its theme and the resident menu (what a staff member may reach is added by
    accounts.context_processors.staff)."""
    return {
        "town": settings.RELAIS,
        "theme_css": theme_css(),
        "public_nav": public_nav(),
        # The footer link says the conformance state, as the law asks (read only when shown).
        "accessibility_state": SimpleLazyObject(_accessibility_state),
    }


def _accessibility_state() -> str:
    """The state, in the page's language, or "" when the database cannot say (an error page
    must still render). The state's code is kept in the pages cache until the next change of
    public pages, which saving the statement makes (core.apps): a page costs no query for it."""
    from relais.core.models import AccessibilityStatement, ConformanceState
    from relais.core.pagecache import until_pages_change

    try:
        state = until_pages_change("accessibility-state", lambda: str(AccessibilityStatement.current().state))
    except DatabaseError:
        return ""
    return str(ConformanceState(state).label)
