"""Which channel reaches a resident: their choice when it is usable, otherwise the next
one that is. A resident with nothing usable is called, or seen at the next visit."""

from __future__ import annotations

import re

from relais.core.models import ContactChannel
from relais.core.text import phone_digits
from relais.notifications.sms import sms_enabled

FALLBACK_ORDER = [ContactChannel.LETTER, ContactChannel.EMAIL, ContactChannel.SMS, ContactChannel.PHONE]


def international(phone: str) -> str:
    """ "06 12 34 56 78" -> "+33612345678" (numbers already international are kept)."""
    raw = (phone or "").strip()
    digits = phone_digits(raw)  # "+33 (0)6…", "0033 6…" are French numbers too
    if len(digits) == 10 and digits.startswith("0"):
        return "+33" + digits[1:]
    if raw.startswith("+"):
        return "+" + re.sub(r"\D", "", raw)
    return digits


POSTAL_CIVILITY = {"mme": "Madame", "m": "Monsieur"}


def postal_address(person) -> str:
    """The address block of a letter, or "" when it is incomplete."""
    if not person.can_receive(ContactChannel.LETTER):
        return ""
    name = " ".join(p for p in [person.first_name, person.last_name.upper()] if p) or person.display_name
    # The civility the person gave, as La Poste writes it on the envelope (always in French).
    # La Poste reads lines of at most 38 characters: the civility gives way to a long name.
    civility = POSTAL_CIVILITY.get(person.civility, "")
    if civility and (person.first_name or person.last_name) and len(civility) + 1 + len(name) <= 38:
        name = f"{civility} {name}"
    return "\n".join([name, person.address.strip(), f"{person.postal_code.strip()} {person.commune.strip().upper()}"])


def destination(person, channel: str) -> str:
    """Where a message on `channel` would go, or "" when the channel cannot reach them
    (the person's record lacks what it needs: `Person.missing_for`, or no SMS provider)."""
    if not person.can_receive(channel):
        return ""
    if channel == ContactChannel.EMAIL:
        return person.email
    if channel == ContactChannel.SMS:
        return international(person.phone) if sms_enabled() else ""
    if channel == ContactChannel.LETTER:
        return postal_address(person)
    if channel == ContactChannel.PHONE:
        return person.phone
    return ""


def choose(person, preferred: str | None = None, exclude: tuple[str, ...] = ()) -> tuple[str, str]:
    """(channel, destination) for a message to `person`.

    The channel asked for (or the person's preference) when usable, else the first usable
    one of letter, e-mail, SMS, phone. With none, "phone" with no number: staff see the
    message in their "to call" list and give it at the next visit or call.
    """
    order = [preferred or person.preferred_channel, *FALLBACK_ORDER]
    for channel in order:
        if channel in exclude:
            continue
        where = destination(person, channel)
        if where:
            return channel, where
    return ContactChannel.PHONE, ""
