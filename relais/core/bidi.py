"""Values that read left to right, whatever the page's direction.

On an Arabic page (dir="rtl") a value made of digit groups and spaces is laid out right to
left: "02 47 00 00 00" shows as "00 00 00 47 02", "14 h 30" as "h 30 14". Phone numbers,
references, dates and times, postcodes, codes, e-mail addresses, links and amounts are
therefore printed inside `<bdi dir="ltr">`, which isolates them from the text around and
lays them out left to right. On a French or English page the element changes nothing.

`isolate(value)` wraps one value; `isolate_within(text)` wraps each such value found in a
sentence (opening hours, "mardi 3 décembre, de 14 h à 17 h"). Both escape what they wrap,
so they are for HTML only: attributes, plain-text e-mails and SMS take the raw value.
"""

from __future__ import annotations

import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

ARROWS = {"next": ("→", "←"), "previous": ("←", "→"), "forward": ("›", "‹")}

_SPACE = r"[ \u00a0\u202f]"
# One alternation, longest first: a phone number before the postcode hidden in its digits.
_VALUE = re.compile(
    "|".join(
        [
            # French phone numbers as people write them: 02 47 00 00 00, +33 6 12 34 56 78.
            rf"(?<![\w+])(?:\+33{_SPACE}?(?:\(0\){_SPACE}?)?|0)[1-9](?:[\s\u00a0.\-]?\d{{2}}){{4}}(?!\d)",
            r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)»]",  # links
            r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
            # dates in digits, with a time maybe: 05/12/2026, 05/12/2026 14:30, 2026-12-05
            rf"(?<![\d/])\d{{1,2}}/\d{{1,2}}/\d{{2,4}}(?:{_SPACE}\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?(?![\d/])",
            r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)",
            r"(?<![\d-])\d{4}-\d{5}(?!\d)",  # case references: 2026-00123
            # times: 14:30, 14 h, 14 h 30, 14h30
            rf"(?<![\d:])\d{{1,2}}(?::\d{{2}}|{_SPACE}?h(?:{_SPACE}?\d{{2}})?(?![^\W\d_]))(?![\d:])",
            r"(?<![\d\-/:.,])\d{5}(?!\d)(?![\-/:.,]\d)",  # postcodes
        ]
    )
)


def isolate(value) -> SafeString:
    """`value`, escaped, laid out left to right and isolated from the text around it."""
    if value is None or value == "":
        return mark_safe("")
    return mark_safe(f'<bdi dir="ltr">{conditional_escape(value)}</bdi>')  # noqa: S308 - escaped


def isolate_auto(value) -> SafeString:
    """`value`, escaped and isolated, laid out in the direction of its own first letter (a date
    with a month name reads as Arabic in Arabic, as French in French)."""
    if value is None or value == "":
        return mark_safe("")
    return mark_safe(f"<bdi>{conditional_escape(value)}</bdi>")  # noqa: S308 - escaped


def isolate_plain(value) -> str:
    """`value` between LRI and PDI, the Unicode marks that isolate it left to right: for
    plain text that cannot hold an element (a <title>, an <option>)."""
    if value is None or value == "":
        return ""
    return f"\u2066{value}\u2069"


def isolate_within(text) -> SafeString:
    """`text`, escaped, with every phone number, link, e-mail address, date, time, reference
    and postcode in it isolated (see `isolate`)."""
    if text is None:
        return mark_safe("")
    escaped = str(conditional_escape(text))
    # Entities ("&#x27;") and the tags of a text already safe (a label with a link) hold
    # digits that are not values: they are kept out of the matches.
    parts = re.split(r"(&#?\w+;|<[^>]*>)", escaped)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part)
        else:
            out.append(_VALUE.sub(lambda m: f'<bdi dir="ltr">{m.group(0)}</bdi>', part))
    return mark_safe("".join(out))  # noqa: S308 - every piece was escaped above


def isolate_within_plain(text) -> str:
    """`text` with every value `isolate_within` would isolate between LRI and PDI instead,
    for plain text that cannot hold an element (a <title>)."""
    if text is None:
        return ""
    return _VALUE.sub(lambda m: f"\u2066{m.group(0)}\u2069", str(text))


def arrow(kind: str, *, rtl: bool) -> str:
    """The arrow pointing the way of reading: "next" (→ in French, ← in Arabic), "previous",
    "forward" (› as in a breadcrumb)."""
    ltr_glyph, rtl_glyph = ARROWS[kind]
    return rtl_glyph if rtl else ltr_glyph
