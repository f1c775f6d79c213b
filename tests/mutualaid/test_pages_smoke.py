"""Every page of the board answers, for the people who may see it."""

from django.urls import reverse

from relais.mutualaid import selectors
from relais.mutualaid.models import Listing, ListingStatus, Report


def test_resident_pages_answer(client, marie_client, maries_listing):
    for name, args in [("board", []), ("guide", []), ("listing_detail", [maries_listing.pk])]:
        assert client.get(reverse(f"mutualaid:{name}", args=args)).status_code == 200, name
    for name, args in [
        ("listing_create", []),
        ("my_board", []),
        ("listing_detail", [maries_listing.pk]),
        ("listing_edit", [maries_listing.pk]),
        ("listing_close", [maries_listing.pk]),
    ]:
        assert marie_client.get(reverse(f"mutualaid:{name}", args=args)).status_code == 200, name


def test_staff_pages_answer(moderator_client, moderator, db):
    listing = Listing.objects.filter(status=ListingStatus.PUBLISHED).first()
    conversation = selectors.staff_conversations(moderator).first()  # one the moderators relay
    report = Report.objects.first()
    for name, args in [
        ("moderation", []),
        ("staff_listings", []),
        ("staff_listing", [listing.pk]),
        ("staff_listing_edit", [listing.pk]),
        ("staff_conversation", [conversation.pk]),
        ("relay_list", []),
        ("relay_sheet", [listing.posted_by_id]),
        ("staff_report", [report.pk]),
        ("staff_person", [listing.posted_by_id]),
        ("staff_listing_create", []),
        ("settings", []),
    ]:
        assert moderator_client.get(reverse(f"mutualaid:{name}", args=args)).status_code == 200, name
    url = reverse("mutualaid:staff_listings") + f"?pour={listing.posted_by_id}"
    assert moderator_client.get(url).status_code == 200
    url = reverse("mutualaid:staff_listing_create") + f"?personne={listing.posted_by_id}"
    assert moderator_client.get(url).status_code == 200


def test_an_id_that_is_not_one_is_a_missing_page(moderator_client, db):
    """ "²" is a digit to Python and 20 digits overflow a database integer: both are 404s."""
    for odd in ("abc", "²", "9" * 20):
        url = reverse("mutualaid:staff_listing_create") + f"?personne={odd}"
        assert moderator_client.get(url).status_code == 404, odd
