from django.conf import settings

from relais.core.extensions import public_nav
from relais.core.theme import theme_css


def relais(request):
    """The town, its theme and the resident menu (what a staff member may reach is added by
    accounts.context_processors.staff)."""
    return {
        "town": settings.RELAIS,
        "theme_css": theme_css(),
        "public_nav": public_nav(),
    }
