"""Reads of mandates, scoped to what the staff member may see."""

from django.db.models import Q
from django.utils import timezone

from relais.accounts.models import Role
from relais.accounts.permissions import has_role, team_ids
from relais.mandates.models import Mandate


def mandates_visible_to(user):
    """Mandates of the user's teams; reception agents see every one (residents revoke at the counter)."""
    qs = Mandate.objects.select_related("person", "team", "created_by").prefetch_related("scopes")
    if has_role(user, Role.RECEPTION):
        return qs
    return qs.filter(team_id__in=team_ids(user))


def list_sections(user, teams: list[int]) -> dict:
    """The staff list's sections (querysets, to slice or paginate) of the mandates of `teams`:
    waiting for consent (oldest first), active (ending first), ended or stopped (newest first)."""
    now = timezone.now()
    mine = mandates_visible_to(user).filter(team_id__in=teams)
    return {
        "attente": mine.pending().order_by("created_at", "pk"),
        "actifs": mine.active(now).order_by("expires_at", "pk"),
        "termines": mine.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=now)).order_by("-created_at", "-pk"),
    }
