from relais.accounts.permissions import has_role
from relais.core.extensions import NavItem, staff_nav_items


def staff_nav(user) -> list[NavItem]:
    """Menu entries the user may open, in display order."""
    return [item for item in staff_nav_items() if has_role(user, *item.roles)]
