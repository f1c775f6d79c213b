from django.conf import settings

from relais.accounts.permissions import PEOPLE_ROLES, has_role, is_administrator
from relais.core.extensions import public_nav, staff_nav
from relais.core.theme import theme_css


def relais(request):
    """The town, its theme, and what the current user may reach (for the menus)."""
    user = getattr(request, "user", None)
    staff = bool(user and user.is_authenticated and has_role(user))
    return {
        "town": settings.RELAIS,
        "theme_css": theme_css(),
        "is_staff_member": staff,
        "is_administrator": staff and is_administrator(user),
        "can_see_people": staff and has_role(user, *PEOPLE_ROLES),
        "staff_nav": staff_nav(user) if staff else [],
        "public_nav": public_nav(),
    }
