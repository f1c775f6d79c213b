from relais.accounts.navigation import staff_nav
from relais.accounts.permissions import PEOPLE_ROLES, has_role, is_administrator


def staff(request):
    """What the current user may reach as a staff member (for the menus)."""
    user = getattr(request, "user", None)
    staff = bool(user and user.is_authenticated and has_role(user))
    return {
        "is_staff_member": staff,
        "is_administrator": staff and is_administrator(user),
        "can_see_people": staff and has_role(user, *PEOPLE_ROLES),
        "staff_nav": staff_nav(user) if staff else [],
    }
