"""The demo board, and the counts given to the council (outcomes, never people or scores)."""

from django.core.management import call_command

from relais.core.models import Channel
from relais.mutualaid import selectors
from relais.mutualaid.models import Conversation, ConversationMessage, Listing, Neighbourhood, Report, ThankYou
from relais.mutualaid.privacy import contact_details_in
from relais.mutualaid.services import listings as listing_services


def test_the_demo_has_about_thirty_realistic_listings_in_every_neighbourhood(db):
    listings = Listing.objects.all()
    assert 28 <= listings.count() <= 40
    assert Neighbourhood.objects.count() == 6
    assert set(listings.values_list("neighbourhood__name", flat=True)) == set(
        Neighbourhood.objects.values_list("name", flat=True)
    )
    by_staff = listings.exclude(posted_via=Channel.ONLINE)
    assert by_staff.count() >= 8 and all(listing.recorded_by_id for listing in by_staff)
    assert all(listing.posted_by.user_id is None for listing in by_staff)
    for listing in listings:
        assert contact_details_in(f"{listing.title} {listing.text} {listing.availability}") == [], listing.title
    assert ConversationMessage.objects.filter(needs_relay=True, relayed_at__isnull=True).exists()
    assert Report.objects.filter(status="open").exists() and ThankYou.objects.filter(shown=True).exists()


def test_loading_the_demo_twice_duplicates_nothing(db):
    counts = [Listing.objects.count(), Conversation.objects.count(), ConversationMessage.objects.count()]
    call_command("demo_load", allow_without_debug=True, stdout=open("/dev/null", "w"))
    assert [Listing.objects.count(), Conversation.objects.count(), ConversationMessage.objects.count()] == counts


def test_outcomes_are_counted_for_statistics(maries_listing, moderator, marie):
    before = selectors.outcome_counts()
    listing_services.listing_close(listing=maries_listing, outcome="did_not_work", actor=marie.user)
    after = selectors.outcome_counts()
    assert after["did_not_work"] == before["did_not_work"] + 1 and after["worked"] == before["worked"]


def test_the_moderation_screen_shows_counts_without_any_score(moderator_client):
    html = moderator_client.get("/gestion/entraide/").content.decode()
    assert "Ça a marché" in html and "annonces en ligne" in html


def _figures(html: str) -> dict[str, str]:
    """The moderation screen's statistics, as a person reads them: {row label: figure}."""
    import re
    from html import unescape

    figures = {unescape(k): v for k, v in re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', html)}
    figures["en ligne"] = re.search(r'<span class="stat">(\d+)</span> annonces en ligne', html).group(1)
    return figures


def test_the_moderation_statistics_follow_a_change_at_once(moderator_client, maries_listing, marie):
    """The statistics are kept a few minutes (selectors.STATISTICS_TIMEOUT), but a change
    made through Relais shows on the next page."""
    before = _figures(moderator_client.get("/gestion/entraide/").content.decode())
    listing_services.listing_close(listing=maries_listing, outcome="did_not_work", actor=marie.user)
    after = _figures(moderator_client.get("/gestion/entraide/").content.decode())
    assert int(after["en ligne"]) == int(before["en ligne"]) - 1
    assert int(after["Ça n'a pas marché"]) == int(before["Ça n'a pas marché"]) + 1
    assert int(after["Terminée"]) == int(before["Terminée"]) + 1
    assert after["Ça a marché"] == before["Ça a marché"]
