"""Values that must read left to right on a right-to-left page, and a checker that finds
those left bare.

In an Arabic page, "02 47 00 00 00" shows as "00 00 00 47 02" and "14 h 30" as "h 30 14"
unless the value sits in an element that isolates it: a `<bdi>`, or an element with
`dir="ltr"` (or `dir="auto"`) between it and the page's root. Titles and options cannot hold
elements: there a value counts as isolated between the Unicode marks LRI/FSI and PDI.
Digits glued to a letter before them are part of a word or a token ("B0h_S6" in a secret
address), not a value.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from relais.notifications.letters import PHONE

VALUES = {
    "phone number": PHONE,
    "case reference": re.compile(r"(?<![\w-])\d{4}-\d{5}(?!\d)"),
    "time": re.compile(r"(?<![\w:])\d{1,2}(?::\d{2}|[\s\u00a0]?h(?:[\s\u00a0]?\d{2})?(?![^\W\d_]))(?![\d:])"),
    "date in digits": re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{2,4}(?![\d/])|(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"),
    "postcode": re.compile(r"(?<![\w\-/:.,])\d{5}(?!\d)(?![\-/:.,]\d)"),
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIPPED = {"script", "style", "template"}
OPENING_MARKS = "\u2066\u2068"  # LRI, FSI
CLOSING_MARK = "\u2069"  # PDI


def _isolates(tag: str, attrs: dict) -> bool:
    return tag == "bdi" or attrs.get("dir") in ("ltr", "auto")


def _marked(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] sits between an opening isolate mark and its PDI."""
    before, after = text[:start], text[end:]
    opened = max(before.rfind(mark) for mark in OPENING_MARKS)
    return opened >= 0 and CLOSING_MARK not in before[opened:] and CLOSING_MARK in after


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.bare: list[tuple[str, str, str]] = []  # (kind, value, the text around it)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append((tag, _isolates(tag, dict(attrs))))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if any(tag in SKIPPED for tag, _ in self.stack) or any(isolated for _, isolated in self.stack):
            return
        for kind, pattern in VALUES.items():
            for match in pattern.finditer(data):
                if _marked(data, match.start(), match.end()):
                    continue
                around = data[max(0, match.start() - 30) : match.end() + 30]
                self.bare.append((kind, match.group(0), " ".join(around.split())))


def bare_values(html: str) -> list[tuple[str, str, str]]:
    """Every phone number, reference, time, date in digits or postcode of `html` that no
    element (or pair of Unicode marks) isolates: (kind, value, the text around it)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.bare


def unisolated(html: str) -> str:
    """`html` without the `<bdi>` elements that isolate values (their text kept): for tests
    that look for a sentence as a person reads it ("de 14 h à 17 h")."""
    return re.sub(r"</?bdi\b[^>]*>", "", html)
