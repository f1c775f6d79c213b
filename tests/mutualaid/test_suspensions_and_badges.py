"""The staff person page of the board: a resident's history, suspension (which team decides,
when it ends) and the "met" badge, and the public pages that change at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relais.accounts.models import Membership, Role
from relais.core.models import AuditEvent
from relais.mutualaid import selectors
from relais.mutualaid.journal import Action
from relais.mutualaid.models import (
    Badge,
    BoardError,
    ModerationDecision,
)
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from tests.conftest import make_member, staff_client
from tests.mutualaid.conftest import make_resident, post_listing, publish


def test_suspending_a_resident_hides_their_listings_and_stops_them_writing(
    moderator_client, moderator, maries_listing, marie, paul
):
    url = reverse("mutualaid:staff_suspend", args=[marie.pk])
    response = moderator_client.post(url, {"reason": "", "ends_on": ""})
    assert response.status_code == 400 and "Expliquez la suspension" in response.content.decode()
    moderator_client.post(url, {"reason": "Plusieurs demandes d'argent.", "ends_on": ""})
    assert selectors.is_suspended(marie)
    assert maries_listing.title not in moderator_client.get(reverse("mutualaid:board")).content.decode()
    assert "Plusieurs demandes d'argent." in Message.objects.get(person=marie, template="mutualaid_suspended").body
    other = publish(post_listing(paul, maries_listing.neighbourhood, actor=paul.user, title="Offre de Paul"), moderator)
    with pytest.raises(BoardError):
        conversation_services.conversation_start(
            listing=other, responder=marie, body="Bonjour", actor=marie.user, safety_read=True
        )
    moderator_client.post(reverse("mutualaid:staff_unsuspend", args=[marie.pk]))
    assert not selectors.is_suspended(marie)
    actions = list(ModerationDecision.objects.filter(person=marie).values_list("action", flat=True))
    assert "suspend" in actions and "unsuspend" in actions


def test_a_suspension_can_end_on_a_date(moderator_client, marie):
    moderator_client.post(
        reverse("mutualaid:staff_suspend", args=[marie.pk]), {"reason": "Pause.", "ends_on": "2000-01-01"}
    )
    assert not selectors.is_suspended(marie)  # a past date is refused
    moderator_client.post(
        reverse("mutualaid:staff_suspend", args=[marie.pk]), {"reason": "Pause.", "ends_on": "2999-01-01"}
    )
    assert selectors.is_suspended(marie)


def test_only_staff_give_the_badge_and_it_shows_on_listings(moderator_client, client, maries_listing, marie):
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"})
    assert Badge.objects.filter(person=marie, revoked_at__isnull=True).count() == 1
    assert "A rencontré l'équipe de la mairie" in client.get(maries_listing.get_absolute_url()).content.decode()
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"})
    assert Badge.objects.filter(person=marie, revoked_at__isnull=True).count() == 1
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "0"})
    assert not Badge.objects.filter(person=marie, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action=Action.BADGE_GIVEN, person_id=marie.pk).exists()


def test_a_resident_cannot_give_herself_a_badge(marie_client, marie):
    assert marie_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"}).status_code == 404
    assert not Badge.objects.filter(person=marie).exists()


def test_the_history_of_a_resident_lists_listings_reports_and_decisions(
    moderator_client, moderator, marie, maries_listing, paul
):
    moderation_services.report_create(
        listing=maries_listing, reason="commercial", details="", reporter=paul, actor=paul.user
    )
    html = moderator_client.get(reverse("mutualaid:staff_person", args=[marie.pk])).content.decode()
    assert maries_listing.title in html and "Annonce commerciale" in html and "Annonce publiée" in html
    assert AuditEvent.objects.filter(action=Action.PERSON_HISTORY_VIEWED, person_id=marie.pk).exists()
    html = moderator_client.get(reverse("mutualaid:staff_person", args=[paul.pk])).content.decode()
    assert "Signalements qu'elle a faits" in html and maries_listing.title in html


@pytest.fixture
def two_team_moderator(moderator, bourg_team):
    """Nadia moderates Valbrenne's board and Le Bourg's."""
    Membership.objects.create(user=moderator, team=bourg_team, role=Role.MODERATOR)
    return moderator


def test_a_suspension_is_recorded_against_the_team_of_the_residents_listings(
    two_team_moderator, moderator_client, bourg, bourg_team, bourg_client, team, tilleuls, db
):
    lea = make_resident("Léa", "Bourg")
    listing = publish(post_listing(lea, bourg, actor=lea.user, title="Annonce du Bourg"), two_team_moderator)
    url = reverse("mutualaid:staff_person", args=[lea.pk])
    response = moderator_client.post(
        reverse("mutualaid:staff_suspend", args=[lea.pk]),
        {"reason": "Demandes d'argent répétées.", "ends_on": "", "team": bourg_team.pk},
    )
    assert response.status_code == 302
    assert ModerationDecision.objects.get(person=lea, action="suspend").team == bourg_team
    other = make_resident("Léon", "Bourg")
    publish(post_listing(other, bourg, actor=other.user), two_team_moderator)
    page = moderator_client.get(reverse("mutualaid:staff_person", args=[other.pk])).content.decode()
    assert f'<option value="{bourg_team.pk}" selected>' in page  # preselected: the team of his listings
    assert selectors.is_suspended(lea)
    # Board-wide: her listing leaves the board, and she cannot post in another team's neighbourhood.
    assert listing.title not in bourg_client.get(reverse("mutualaid:board")).content.decode()
    with pytest.raises(BoardError):
        post_listing(lea, tilleuls, actor=lea.user)
    # Le Bourg's moderators read the reason; Valbrenne's only see that she is suspended.
    assert "Demandes d&#x27;argent répétées." in bourg_client.get(url).content.decode()
    valbrenne_only = staff_client(make_member("moderation-2@valbrenne.fr", "entraide", Role.MODERATOR))
    page = valbrenne_only.get(url).content.decode()
    assert "Demandes d&#x27;argent" not in page and "par une autre équipe" in page
    assert "Lever la suspension" not in page
    response = valbrenne_only.post(reverse("mutualaid:staff_unsuspend", args=[lea.pk]))
    assert response.status_code == 302 and selectors.is_suspended(lea)
    bourg_client.post(reverse("mutualaid:staff_unsuspend", args=[lea.pk]))
    assert not selectors.is_suspended(lea)


def test_a_moderator_of_several_teams_says_which_one_decides_about_a_resident_without_listings(
    two_team_moderator, moderator_client, bourg_team, paul
):
    url = reverse("mutualaid:staff_suspend", args=[paul.pk])
    response = moderator_client.post(url, {"reason": "Propos blessants.", "ends_on": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez l&#x27;équipe au nom de laquelle vous agissez." in html and "Propos blessants." in html
    assert not selectors.is_suspended(paul)
    moderator_client.post(url, {"reason": "Propos blessants.", "ends_on": "", "team": bourg_team.pk})
    assert ModerationDecision.objects.get(person=paul, action="suspend").team == bourg_team
    response = moderator_client.post(reverse("mutualaid:staff_badge", args=[paul.pk]), {"give": "1"})
    assert response.status_code == 400 and not Badge.objects.filter(person=paul).exists()
    moderator_client.post(reverse("mutualaid:staff_badge", args=[paul.pk]), {"give": "1", "badge-team": bourg_team.pk})
    assert ModerationDecision.objects.get(person=paul, action="badge").team == bourg_team


def test_a_moderator_of_one_team_is_not_asked_which_team(moderator_client, team, paul):
    assert 'name="team"' not in moderator_client.get(reverse("mutualaid:staff_person", args=[paul.pk])).content.decode()
    moderator_client.post(reverse("mutualaid:staff_badge", args=[paul.pk]), {"give": "1"})
    assert ModerationDecision.objects.get(person=paul, action="badge").team == team


def test_lifting_a_suspension_puts_the_listings_back_on_the_cached_board_at_once(
    client, moderator_client, moderator, maries_listing, marie, team, django_capture_on_commit_callbacks
):
    moderation_services.person_suspend(person=marie, team=team, reason="Vérification.", actor=moderator)
    board = reverse("mutualaid:board")
    assert maries_listing.title not in client.get(board, {"q": "mercredi"}).content.decode()
    assert maries_listing.title not in client.get(board, {"q": "mercredi"}).content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are forgotten once the change is committed
        moderator_client.post(reverse("mutualaid:staff_unsuspend", args=[marie.pk]))
    assert maries_listing.title in client.get(board, {"q": "mercredi"}).content.decode()


def test_a_removed_badge_leaves_the_cached_listing_page_at_once(
    client, moderator_client, maries_listing, marie, django_capture_on_commit_callbacks
):
    moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "1"})
    url = maries_listing.get_absolute_url()
    assert "A rencontré l'équipe de la mairie" in client.get(url).content.decode()
    assert "A rencontré l'équipe de la mairie" in client.get(url).content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are forgotten once the change is committed
        moderator_client.post(reverse("mutualaid:staff_badge", args=[marie.pk]), {"give": "0"})
    assert "A rencontré l'équipe de la mairie" not in client.get(url).content.decode()


def test_the_person_page_reads_a_constant_number_of_queries_and_shows_the_badge(
    moderator_client, moderator, team, tilleuls
):
    def queries_for(count):
        person = make_resident("Rémi", f"Actif{count}")
        moderation_services.badge_give(person=person, team=team, actor=moderator)
        for n in range(count):
            post_listing(person, tilleuls, actor=person.user, title=f"Annonce {n}")
        url = reverse("mutualaid:staff_person", args=[person.pk])
        with CaptureQueriesContext(connection) as captured:
            html = moderator_client.get(url).content.decode()
        assert "Annonce 1" in html and "rencontré</span>" in html
        return len(captured)

    queries_for(2)  # the first page fills the shared cache (the footer's accessibility state)
    assert queries_for(2) == queries_for(10)
