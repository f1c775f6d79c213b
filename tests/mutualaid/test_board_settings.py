"""A team's board settings: publish then moderate, neighbourhoods."""

from django.urls import reverse

from relais.core.models import AuditEvent
from relais.mutualaid import selectors
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    Neighbourhood,
)


def test_moderators_switch_to_publish_then_moderate(moderator_client, moderator, team):
    url = reverse("mutualaid:settings")
    response = moderator_client.post(url, {"mode-publish_first_for_met": "on", "mode-submit": "1"})
    assert response.status_code == 302
    assert selectors.board_settings_for(team).publish_first_for_met
    assert AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED, actor=moderator).exists()


def test_moderators_add_a_neighbourhood(moderator_client, team):
    url = reverse("mutualaid:settings")
    response = moderator_client.post(
        url,
        {
            "quartier-name": "Les Aubépines",
            "quartier-position": "7",
            "quartier-is_active": "on",
            "quartier-submit": "1",
        },
    )
    assert response.status_code == 302
    assert Neighbourhood.objects.get(slug="les-aubepines").team == team
    response = moderator_client.post(
        url, {"quartier-name": "Les Tilleuls", "quartier-position": "1", "quartier-submit": "1"}
    )
    assert "Ce quartier existe déjà." in response.content.decode()
