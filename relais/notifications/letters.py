"""Letters on paper: one envelope per resident per batch, and print that never breaks a
phone number or a link across two lines.

A resident reached by post gets every letter of a print batch in one envelope: one address
block, then the messages one after another, each with its heading and reference. The
batch's PDF, its page counts and the counter's list of recipients all read the envelopes
from here, so they always agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from relais.core.text import fold

# A French phone number as people write it: 02 47 00 00 00, 02.47.00.00.00, +33 6 12 34 56 78.
PHONE = re.compile(r"(?<![\w+])(?:\+33[\s\u00a0.]?(?:\(0\)[\s\u00a0]?)?|0)[1-9](?:[\s\u00a0.\-]?\d{2}){4}(?!\d)")
# Links and e-mail addresses (matched on the escaped text: "&" is already "&amp;").
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)»]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Beyond this many characters a link does not fit one line of a letter at the usual size.
LONG_LINK = 60
NBSP = "\u00a0"


def phone_unbreakable(text: str) -> str:
    """`text` with the spaces inside phone numbers made non-breaking ("02 47 00 00 00" never
    ends a line in the middle). The one formatting of phone numbers for print."""
    return PHONE.sub(lambda match: re.sub(r"\s", NBSP, match.group(0)), text or "")


def print_text(text: str) -> SafeString:
    """Plain text for a printed page, escaped: phone numbers non-breaking, each one and each
    link (or e-mail address) in a span the letter's CSS keeps on one line."""

    def link(value: str) -> str:
        kind = "link long" if len(value) > LONG_LINK else "link"
        return f'<span class="{kind}">{value}</span>'

    def phone(match: re.Match) -> str:
        return f'<span class="phone">{match.group(0)}</span>'

    escaped = escape(phone_unbreakable(text))
    links = LINK.findall(escaped)
    out = []
    for index, part in enumerate(LINK.split(escaped)):
        out.append(PHONE.sub(phone, part))
        if index < len(links):
            out.append(link(links[index]))
    return mark_safe("".join(out))  # noqa: S308 - every piece was escaped above


@dataclass
class Envelope:
    """The letters of one resident, at one postal address, in one batch."""

    number: int
    person: object
    to_address: str
    letters: list = field(default_factory=list)
    pages: int | None = None  # known once the batch's PDF is made
    first_page: int | None = None  # its first page in the batch's PDF (from 1)

    @property
    def first_letter(self):
        return self.letters[0]

    @property
    def name(self) -> str:
        return self.person.display_name if self.person is not None else self.to_address.split("\n", 1)[0]

    @property
    def large_print(self) -> bool:
        return bool(self.person is not None and self.person.large_print)

    @property
    def anchor(self) -> str:
        return f"enveloppe-{self.number}"

    def matches(self, query: str) -> bool:
        """Whether `query` (folded) is in the resident's name or the envelope's first line."""
        words = fold(query).split()
        haystack = fold(f"{self.name} {self.to_address.split(chr(10), 1)[0]}")
        return all(word in haystack for word in words)


def envelope_key(message) -> tuple:
    """Letters to the same resident at the same address share an envelope."""
    return (message.person_id, " ".join(message.to_address.split()).casefold())


def envelopes_of(messages) -> list[Envelope]:
    """`messages` (letters) grouped into envelopes, in the order of their first letter (date,
    then number); the letters of an envelope in the same order."""
    ordered = sorted(messages, key=lambda m: (m.created_at, m.pk))
    envelopes: dict[tuple, Envelope] = {}
    for message in ordered:
        key = envelope_key(message)
        if key not in envelopes:
            envelopes[key] = Envelope(
                number=len(envelopes) + 1, person=message.person, to_address=message.to_address.strip()
            )
        envelopes[key].letters.append(message)
    return list(envelopes.values())


def count_envelopes(messages) -> int:
    return len({envelope_key(m) for m in messages})
