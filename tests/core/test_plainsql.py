"""core.plainsql.joined_rows: what select_related gives, in plain SQL (the memberships every
page of a logged-in user reads)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from relais.accounts.models import Membership, Role, Team, User
from relais.accounts.permissions import memberships_of, team_ids


def _as_orm(user) -> list[tuple]:
    rows = Membership.objects.filter(user=user, team__is_active=True).select_related("team").order_by("team__name")
    return [_described(m) for m in rows]


def _described(m: Membership) -> tuple:
    team = m.team
    return (m.pk, m.user_id, m.role, m.created_at, team.pk, team.name, team.kind, team.is_active, team.created_at)


def test_the_memberships_are_those_the_orm_reads_typed_alike_teams_attached(manager):
    extra = Team.objects.create(name="Aaa première équipe", slug="aaa")
    Membership.objects.create(user=manager, team=extra, role=Role.CASE_WORKER)
    closed = Team.objects.create(name="Équipe dissoute", slug="dissoute", is_active=False)
    Membership.objects.create(user=manager, team=closed, role=Role.MANAGER)
    user = User.objects.get(pk=manager.pk)
    with CaptureQueriesContext(connection) as queries:
        found = memberships_of(user)
        described = [_described(m) for m in found]  # the teams are read with them: no query
    assert len(queries) == 1
    assert described == _as_orm(manager) and len(described) >= 2
    assert described[0][5] == "Aaa première équipe"  # by team name
    assert closed.pk not in team_ids(user)  # a closed team gives no right
    membership = found[0]
    assert membership.team.is_active is True and membership.created_at.tzinfo is not None
    assert not membership._state.adding and membership._state.db == "default"
    membership.role = Role.MANAGER
    membership.save()  # a row read this way is saved as one the ORM read
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER


def test_a_user_without_a_team_has_no_membership(db):
    resident = User.objects.get(email="marie.dupont@example.org")
    assert memberships_of(resident) == []
