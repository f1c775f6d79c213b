"""Person hooks of accounts (see core.extensions): whose login belongs to a staff member."""

from relais.accounts.permissions import has_role


def is_staff_login(*, person) -> bool:
    """A role in a team, or an admin: erasing the record would close a colleague's login."""
    user = person.user if person.user_id else None
    return user is not None and (has_role(user) or user.is_superuser)
