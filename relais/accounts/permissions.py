"""Who may do what: every staff query is scoped through these helpers.

Later apps scope their querysets with `scope_to_teams(qs, user, roles=…)` so that a case
worker of "État civil" never sees "Urbanisme" data, and a missing object and a forbidden
one both answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from relais.accounts.models import Membership, Role
from relais.core.extensions import has_relation
from relais.core.models import Person
from relais.core.plainsql import joined_rows

# Roles that serve residents face to face and therefore may look anyone up. Case
# workers reach a person only through their team's cases; administrators configure
# the platform and read the journal, but do not browse residents.
PEOPLE_ROLES = (Role.RECEPTION, Role.ADVISOR, Role.MODERATOR)
# Roles of a helping team that may act for a resident under a mandate.
HELPER_ROLES = (Role.ADVISOR, Role.MANAGER)


def memberships_of(user) -> list[Membership]:
    """The user's memberships, loaded once per request object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_relais_memberships", None)
    if cached is None:
        # Asked by every page a logged-in user opens: in plain SQL (the ORM took ~5 times
        # longer to build the query than the database to answer it), by team name.
        cached = joined_rows(
            Membership, "team", "a.user_id = %s AND b.is_active = %s", [user.pk, True], order_by=("b.name", "b.id")
        )
        user._relais_memberships = cached
    return cached


def roles_of(user) -> set[str]:
    return {m.role for m in memberships_of(user)}


def has_role(user, *roles: str) -> bool:
    """True when the user holds any of `roles` in any team (no roles: any membership)."""
    held = roles_of(user)
    return bool(held & set(roles)) if roles else bool(held)


def is_administrator(user) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def team_ids(user, *roles: str) -> list[int]:
    """Ids of the teams where the user holds one of `roles` (any role when none given)."""
    return [m.team_id for m in memberships_of(user) if not roles or m.role in roles]


def scope_to_teams(qs: QuerySet, user, *, field: str = "team", roles: Iterable[str] = ()) -> QuerySet:
    """Restrict `qs` to rows whose `field` is one of the user's teams."""
    return qs.filter(**{f"{field}__in": team_ids(user, *roles)})


def staff_required(*roles: str):
    """View decorator: a logged-in team member holding one of `roles`, else 404.

    2FA is enforced before this runs, by StaffTwoFactorMiddleware. Refusals are 404 so
    that staff of another team cannot learn that something exists. The rule is also kept
    on the view (`view.may_open(user)`, with any rule of an inner decorator), so that a
    menu or a link asks the view itself whether to show (accounts.navigation.may_open).
    """

    def decorator(view):
        inner = getattr(view, "may_open", None)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise Http404
            return view(request, *args, **kwargs)

        def may_open(user) -> bool:
            return user.is_authenticated and has_role(user, *roles) and (inner is None or inner(user))

        wrapped.may_open = may_open
        return wrapped

    return decorator


def requires(check):
    """View decorator: a logged-in team member (as `staff_required()`) for whom `check(user)`
    holds, else 404. `check` is kept as the view's rule, like `staff_required`'s roles."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not check(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        checked.may_open = check
        return staff_required()(checked)

    return decorator


def looks_people_up(user) -> bool:
    """Roles that serve residents face to face may find and open anyone's record."""
    return has_role(user, *PEOPLE_ROLES)


def may_see_person(user, person: Person) -> bool:
    """A person is shown to the roles that look people up, or to staff whose teams have a
    record with them (a case, a mandate, a booking, a listing…)."""
    return looks_people_up(user) or (has_role(user) and has_relation(user=user, person=person))


def staff_person_or_404(request, pk, *, purpose: str, journal: bool = True) -> Person:
    """The active person `pk` if the staff member may see them, else 404. Showing them (a
    GET) is journaled with `purpose`, as every look at personal data is (`journal=False`:
    the caller journals it, with what else the page shows)."""
    from relais.core.services import person_viewed

    person = get_object_or_404(Person.objects.active(), pk=pk)
    if not may_see_person(request.user, person):
        raise Http404
    if journal and request.method in ("GET", "HEAD"):
        person_viewed(person=person, actor=request.user, request=request, reason=purpose)
    return person
