"""Signed renewal links: one click from the reminder renews a listing, once per expiry date."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from relais.mutualaid import selectors
from relais.mutualaid.models import Listing
from relais.mutualaid.services._common import site_url

RENEW_SALT = "relais.mutualaid.renew"
RENEW_MAX_AGE = 60 * 24 * 3600  # a renewal link works for 60 days, and for one expiry date only


def renew_token(listing: Listing) -> str:
    """A signed link that renews the listing once: it names the expiry it was sent for, and
    stops working as soon as that expiry changes (renewed by this link or another way)."""
    return signing.dumps(
        {"listing": listing.pk, "expires": selectors.expiry_stamp(listing)}, salt=RENEW_SALT, compress=True
    )


@dataclass(frozen=True)
class RenewLink:
    listing: Listing
    expires: int | None  # the expiry the link was sent for


def renew_link(token: str) -> RenewLink | None:
    """The listing a renewal link is for, or None for a broken, too old or unknown link."""
    try:
        data = signing.loads(token, salt=RENEW_SALT, max_age=RENEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or "expires" not in data:
        return None  # a link of the first version, tied to no expiry: it could be used again and again
    listing = Listing.objects.select_related("posted_by", "neighbourhood").filter(pk=data.get("listing")).first()
    return RenewLink(listing=listing, expires=data["expires"]) if listing is not None else None


def renew_url(listing: Listing) -> str:
    return site_url("mutualaid:renew", renew_token(listing))
