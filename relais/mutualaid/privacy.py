"""Keeping contact details out of what residents show each other.

Listings and messages are read by people the author has never met. A phone number, an
e-mail address or a street address typed into them would bypass the one rule of the
board (contact details are exchanged only when both sides agree), so forms refuse them
with a plain explanation rather than silently masking them.
"""

from __future__ import annotations

from django.utils.translation import gettext

from relais.core.text import EMAIL, EMAIL_SPELLED, PHONE, phone_numbers, street_addresses

# The one rule for phone numbers, e-mail and street addresses (relais.core.text), spelled-out ones too.
_EMAIL, _EMAIL_SPELLED, _PHONE = EMAIL, EMAIL_SPELLED, PHONE


def contact_details_in(text: str) -> list[str]:
    """Which kinds of contact detail `text` holds: "phone", "email", "address"."""
    found = []
    if phone_numbers(text or ""):
        found.append("phone")
    if _EMAIL.search(text or "") or _EMAIL_SPELLED.search(text or ""):
        found.append("email")
    if street_addresses(text or ""):
        found.append("address")
    return found


def public_name(person) -> str:
    """How other residents see a person: first name and the initial of the last name.

    "Marie D.", never the full name, e-mail or phone; "Un habitant" without a first name.
    """
    first = (person.first_name or "").strip()
    initial = (person.last_name or "").strip()[:1].upper()
    if first:
        return f"{first} {initial}." if initial else first
    return gettext("Un habitant")
