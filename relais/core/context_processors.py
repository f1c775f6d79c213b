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
    """The state, or "" when the database cannot say (an error page must still render)."""
    from relais.core.models import AccessibilityStatement

    try:
        return AccessibilityStatement.current().get_state_display()
    except DatabaseError:
        return ""
