"""Helpers more than one of the board's service modules needs (private to the package)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from relais.accounts.permissions import has_role
from relais.mutualaid import selectors
from relais.mutualaid.models import LISTING_DAYS, Listing, ListingStatus, ModerationDecision, Report


def site_url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def date_label(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y") if value else ""


def by_staff(actor) -> bool:
    return actor is not None and actor.is_authenticated and has_role(actor)


def decide(*, listing=None, person, action, reason="", actor, report=None, team=None) -> ModerationDecision:
    return ModerationDecision.objects.create(
        team=team or listing.team,
        person=person,
        action=action,
        reason=reason,
        listing=listing,
        report=report,
        decided_by=actor,
    )


def listing_context(listing: Listing, **extra) -> dict:
    author = listing.posted_by
    return {
        "listing_title": listing.title,
        "listing_url": site_url("mutualaid:listing_detail", listing.pk) if selectors.is_online(author) else "",
        **extra,
    }


EDITABLE_FIELDS = ["kind", "category", "neighbourhood", "title", "text", "availability", "ongoing"]


def apply_edit(listing: Listing, data: dict) -> list[str]:
    changed = [name for name in EDITABLE_FIELDS if name in data and getattr(listing, name) != data[name]]
    for name in changed:
        setattr(listing, name, data[name])
    return changed


def dates_after_edit(listing: Listing, now) -> list[str]:
    """Keep expiry consistent when an edit turns a listing ongoing, or back to dated."""
    if listing.ongoing and listing.expires_at is not None:
        listing.expires_at = None
        return ["expires_at"]
    if not listing.ongoing and listing.expires_at is None and listing.status == ListingStatus.PUBLISHED:
        listing.expires_at = now + datetime.timedelta(days=LISTING_DAYS)
        return ["expires_at"]
    return []


def follow_neighbourhood(listing: Listing) -> bool:
    """Give the listing the team of its (new) neighbourhood; its reports go with it, so that
    only the team now in charge reads them. Returns whether the team changed."""
    team_id = listing.neighbourhood.team_id
    if listing.team_id == team_id:
        return False
    listing.team_id = team_id
    Report.objects.filter(listing=listing).update(team_id=team_id)
    return True
