"""Reads of mandates, scoped to what the staff member may see."""

from relais.accounts.models import Role
from relais.accounts.permissions import has_role, team_ids
from relais.mandates.models import Mandate


def mandates_visible_to(user):
    """Mandates of the user's teams; reception agents see every one (residents revoke at the counter)."""
    qs = Mandate.objects.select_related("person", "team", "created_by").prefetch_related("scopes")
    if has_role(user, Role.RECEPTION):
        return qs
    return qs.filter(team_id__in=team_ids(user))
