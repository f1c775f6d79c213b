import html

import pytest
from django.core import mail
from django.urls import reverse

from relais.accounts.models import Membership, Role, Team, User
from relais.accounts.permissions import scope_to_teams, team_ids
from relais.core.models import AuditEvent
from relais.notifications.services import process_due
from tests.conftest import staff_client


def test_scope_to_teams_keeps_only_the_users_teams(case_worker, other_case_worker):
    teams = Team.objects.all()
    assert list(scope_to_teams(teams, case_worker, field="pk")) == [Team.objects.get(slug="etat-civil")]
    assert list(scope_to_teams(teams, other_case_worker, field="pk")) == [Team.objects.get(slug="urbanisme")]
    assert team_ids(case_worker, Role.MODERATOR) == []


def test_a_role_in_an_inactive_team_gives_nothing(case_worker):
    Team.objects.filter(slug="etat-civil").update(is_active=False)
    assert team_ids(case_worker) == []


def test_administrator_creates_a_staff_account_who_receives_a_link(
    admin_client, administrator, django_capture_on_commit_callbacks
):
    team = Team.objects.get(slug="scolaire")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("accounts:user_create"),
            {
                "full_name": "Inès Scolaire",
                "email": "Ines.Scolaire@valbrenne.fr",
                "team": team.pk,
                "role": Role.CASE_WORKER,
            },
        )
    assert response.status_code == 200  # the page that shows the invitation code, once
    assert "Code d'invitation" in html.unescape(response.content.decode())
    user = User.objects.get(email="ines.scolaire@valbrenne.fr")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).team == team
    assert mail.outbox == []  # the invitation waits in the outbox for the background worker
    assert process_due() == {"sent": 1}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ines.scolaire@valbrenne.fr"]
    assert AuditEvent.objects.filter(
        action="accounts.user.created", object_id=str(user.pk), actor=administrator
    ).exists()


def test_duplicate_staff_email_is_refused_beside_the_field(admin_client):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "full_name": "Doublon",
            "email": "accueil@valbrenne.fr",
            "team": Team.objects.first().pk,
            "role": Role.RECEPTION,
        },
    )
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse" in response.content.decode()
    assert 'value="Doublon"' in response.content.decode()


def test_administrator_changes_a_role_and_removes_a_member(admin_client, case_worker):
    team = Team.objects.get(slug="etat-civil")
    admin_client.post(team.get_absolute_url(), {"user": case_worker.pk, "role": Role.MANAGER})
    membership = Membership.objects.get(user=case_worker, team=team)
    assert membership.role == Role.MANAGER
    admin_client.post(reverse("accounts:membership_remove", args=[membership.pk]))
    assert not Membership.objects.filter(user=case_worker, team=team).exists()
    assert AuditEvent.objects.filter(action="accounts.membership.removed", object_id=str(case_worker.pk)).exists()


def test_deactivating_an_agent_ends_their_sessions(admin_client, reception_agent):
    agent = staff_client(reception_agent)
    assert agent.get(reverse("people:staff_home")).status_code == 200
    admin_client.post(reverse("accounts:user_toggle_active", args=[reception_agent.pk]))
    reception_agent.refresh_from_db()
    assert not reception_agent.is_active
    assert agent.get(reverse("people:staff_home")).status_code == 302


@pytest.mark.parametrize("actor", ["reception_agent", "case_worker", "advisor", "manager"])
def test_only_administrators_manage_teams_users_catalogue_and_journal(request, actor):
    client = staff_client(request.getfixturevalue(actor))
    for url in [
        reverse("accounts:team_list"),
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("people:audit_journal"),
        reverse("directory:catalogue_list", args=["fiches"]),
    ]:
        assert client.get(url).status_code == 404, url


def test_journal_filters_by_person_and_logs_its_own_reading(
    admin_client, administrator, reception_client, resident_by_letter
):
    reception_client.get(resident_by_letter.get_absolute_url())
    response = admin_client.get(reverse("people:audit_journal"), {"person": resident_by_letter.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "core.person.viewed" in html and "accueil@valbrenne.fr" in html
    assert AuditEvent.objects.filter(action="core.journal.viewed", actor=administrator).exists()
