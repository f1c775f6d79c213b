"""Listings last 30 days: a reminder 7 days before, expiry, renewal in one click (page or link)."""

import datetime
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from relais.core.models import AuditEvent
from relais.mutualaid.journal import Action
from relais.mutualaid.models import LISTING_DAYS, Kind, Listing, ListingStatus
from relais.mutualaid.services import links as link_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from relais.notifications.models import Message
from tests.mutualaid.conftest import post_listing, publish


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def run(*args) -> str:
    out = StringIO()
    call_command("mutualaid_expire", *args, stdout=out)
    return out.getvalue()


def test_a_new_listing_expires_after_30_days(maries_listing):
    delta = maries_listing.expires_at - maries_listing.published_at
    assert delta == days(LISTING_DAYS) == days(30)


def test_the_author_is_reminded_7_days_before_expiry_once(maries_listing, marie):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() + days(6))
    run()
    run()  # idempotent: the second run sends nothing
    [reminder] = Message.objects.filter(
        person=marie, template="mutualaid_expiry_reminder", related_id=str(maries_listing.pk)
    )
    assert maries_listing.title in reminder.body and "/entraide/prolonger/" in reminder.body
    maries_listing.refresh_from_db()
    assert maries_listing.reminder_sent_at and maries_listing.is_live


def test_no_reminder_more_than_7_days_before(maries_listing, marie):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() + days(8))
    listing_services.listings_send_reminders()
    assert not Message.objects.filter(
        person=marie, template="mutualaid_expiry_reminder", related_id=str(maries_listing.pk)
    ).exists()


def test_dry_run_changes_nothing(maries_listing, marie):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() - days(1))
    output = run("--dry-run")
    assert "would be" in output
    maries_listing.refresh_from_db()
    assert maries_listing.status == ListingStatus.PUBLISHED
    assert not Message.objects.filter(person=marie, template="mutualaid_listing_expired").exists()


def test_a_listing_past_its_date_expires_and_its_author_is_told(maries_listing, marie):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() - days(1))
    run()
    run()
    maries_listing.refresh_from_db()
    assert maries_listing.status == ListingStatus.EXPIRED
    [notice] = Message.objects.filter(
        person=marie, template="mutualaid_listing_expired", related_id=str(maries_listing.pk)
    )
    assert "/entraide/prolonger/" in notice.body
    assert AuditEvent.objects.filter(action=Action.LISTING_EXPIRED, object_id=str(maries_listing.pk)).exists()


def test_an_ongoing_offer_never_expires(marie, tilleuls, moderator):
    listing = publish(post_listing(marie, tilleuls, actor=marie.user, kind=Kind.OFFER, ongoing=True), moderator)
    listing_services.listings_expire(now=timezone.now() + days(400))
    listing.refresh_from_db()
    assert listing.is_live


def test_renewing_from_the_listing_page_adds_30_days_from_today(marie_client, maries_listing):
    Listing.objects.filter(pk=maries_listing.pk).update(
        expires_at=timezone.now() + days(3), reminder_sent_at=timezone.now()
    )
    response = marie_client.post(reverse("mutualaid:listing_renew", args=[maries_listing.pk]))
    assert response.status_code == 302
    maries_listing.refresh_from_db()
    assert maries_listing.expires_at > timezone.now() + days(29) and maries_listing.reminder_sent_at is None
    assert AuditEvent.objects.filter(action=Action.LISTING_RENEWED).exists()


def test_renewing_in_one_click_from_the_reminder_link_without_logging_in(client, maries_listing):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() - days(1))
    listing_services.listings_expire()
    maries_listing.refresh_from_db()
    url = link_services.renew_url(maries_listing).replace("http://127.0.0.1:8000", "")
    page = client.get(url).content.decode()
    assert "Prolonger de 30 jours" in page and maries_listing.title in page
    response = client.post(url)
    assert response.status_code == 200 and "est prolongée" in response.content.decode()
    maries_listing.refresh_from_db()
    assert maries_listing.is_live and maries_listing.expires_at > timezone.now() + days(29)
    # The new expiry gets its own reminder.
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() + days(2))
    assert listing_services.listings_send_reminders() >= 1


def test_a_tampered_renewal_link_does_nothing(client, maries_listing):
    token = link_services.renew_token(maries_listing)
    response = client.post(reverse("mutualaid:renew", args=[token[:-2] + "xx"]))
    assert response.status_code == 404 and "Ce lien ne fonctionne plus" in response.content.decode()


def test_a_closed_or_hidden_listing_cannot_be_renewed(client, maries_listing, moderator):
    moderation_services.listing_moderate(listing=maries_listing, action="hide", reason="Hors sujet.", actor=moderator)
    url = reverse("mutualaid:renew", args=[link_services.renew_token(maries_listing)])
    response = client.post(url)
    assert "ne peut pas être prolongée" in response.content.decode()
    maries_listing.refresh_from_db()
    assert maries_listing.status == ListingStatus.HIDDEN


def test_a_moderator_renews_for_a_resident_who_phoned(moderator_client, jeannes_listing):
    Listing.objects.filter(pk=jeannes_listing.pk).update(expires_at=timezone.now() + days(2))
    moderator_client.post(reverse("mutualaid:staff_listing_renew", args=[jeannes_listing.pk]))
    jeannes_listing.refresh_from_db()
    assert jeannes_listing.expires_at > timezone.now() + days(29)


def test_a_resident_without_internet_gets_the_reminder_by_letter(jeannes_listing, resident_by_letter):
    Listing.objects.filter(pk=jeannes_listing.pk).update(expires_at=timezone.now() + days(5))
    listing_services.listings_send_reminders()
    reminder = Message.objects.get(
        person=resident_by_letter, template="mutualaid_expiry_reminder", related_id=str(jeannes_listing.pk)
    )
    assert reminder.channel == "letter" and "02 47 00 00 00" in reminder.body


def test_the_expiry_is_shown_and_soon_expired_listings_flagged(marie_client, maries_listing):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() + days(3))
    html = marie_client.get(reverse("mutualaid:my_board")).content.decode()
    assert "bientôt expirée" in html


def _link(listing) -> str:
    return reverse("mutualaid:renew", args=[link_services.renew_token(listing)])


def test_a_renewal_link_renews_once(client, maries_listing):
    Listing.objects.filter(pk=maries_listing.pk).update(expires_at=timezone.now() + days(3))
    maries_listing.refresh_from_db()
    url = _link(maries_listing)
    assert "est prolongée" in client.post(url).content.decode()
    maries_listing.refresh_from_db()
    renewed_until = maries_listing.expires_at
    response = client.post(url)  # the same link again (a second click, or someone who found the e-mail)
    assert "Ce lien a déjà servi" in response.content.decode()
    assert "Prolonger de 30 jours" not in client.get(url).content.decode()
    maries_listing.refresh_from_db()
    assert maries_listing.expires_at == renewed_until
    assert AuditEvent.objects.filter(action=Action.LISTING_RENEWED, object_id=str(maries_listing.pk)).count() == 1


def test_a_renewal_link_stops_working_once_the_listing_was_renewed_another_way(client, marie_client, maries_listing):
    url = _link(maries_listing)
    assert "Prolonger de 30 jours" in client.get(url).content.decode()
    marie_client.post(reverse("mutualaid:listing_renew", args=[maries_listing.pk]))
    html = client.get(url).content.decode()
    assert "Ce lien a déjà servi" in html and "Prolonger de 30 jours" not in html


def test_a_renewal_link_of_the_first_kind_tied_to_no_expiry_does_nothing(client, maries_listing):
    from django.core import signing

    token = signing.dumps({"listing": maries_listing.pk}, salt=link_services.RENEW_SALT, compress=True)
    response = client.post(reverse("mutualaid:renew", args=[token]))
    assert response.status_code == 404 and "Ce lien ne fonctionne plus" in response.content.decode()


def test_a_suspended_author_is_told_why_her_listing_is_not_renewed(
    client, marie_client, maries_listing, marie, moderator, team
):
    moderation_services.person_suspend(person=marie, team=team, reason="Vérification.", actor=moderator)
    url = _link(maries_listing)
    response = client.post(url)
    html = response.content.decode()
    assert "Votre participation au tableau d&#x27;entraide est suspendue" in html
    assert "Prolonger de 30 jours" not in html
    page = marie_client.post(reverse("mutualaid:listing_renew", args=[maries_listing.pk]), follow=True)
    assert "Votre participation au tableau d&#x27;entraide est suspendue" in page.content.decode()
