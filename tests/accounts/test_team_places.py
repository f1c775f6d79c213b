"""The places of a team: directory declares the relation (Place.teams), the team's page edits it."""

import re

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from relais.accounts import mail
from relais.accounts.models import Team
from relais.directory.models import Place


def test_team_form_shows_and_saves_the_teams_places(admin_client):
    team = Team.objects.get(slug="mediation")
    kept, added = team.places.order_by("nom").first(), Place.objects.exclude(teams=team).order_by("nom").first()

    page = admin_client.get(reverse("accounts:team_edit", args=[team.slug])).content.decode()
    assert re.search(rf'<input type="checkbox" name="places" value="{kept.pk}"[^>]* checked>', page)
    assert re.search(rf'<input type="checkbox" name="places" value="{added.pk}"[^>]*"\s*>', page)

    data = {"name": team.name, "slug": team.slug, "kind": team.kind, "is_active": "on", "places": [kept.pk, added.pk]}
    response = admin_client.post(reverse("accounts:team_edit", args=[team.slug]), data)

    assert response.status_code == 302
    assert set(team.places.all()) == {kept, added}
    assert team in added.teams.all()


def test_account_emails_fail_loudly_when_no_sender_is_connected(monkeypatch):
    monkeypatch.setattr(mail, "_sender", None)

    with pytest.raises(ImproperlyConfigured):
        mail.send_account_email(
            to="a@example.org", subject="Code", body="1", html_body="", template="t", sensitive=True
        )
    assert "relais.E005" in [message.id for message in run_checks()]


def test_notifications_connects_the_outbox_for_account_emails():
    from relais.notifications.services import send_email

    assert mail._sender is send_email
