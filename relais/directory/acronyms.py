"""Acronyms spelled out on first use (RGAA 9.x / FALC): one scan, used by the resident
pages (rendering) and by the catalogue editor (warnings), so both always agree.

A procedure's texts are plain text typed by the town (one item per line for lists). The
first time an acronym of the town's list (`Acronym`) appears in them, in reading order,
it is rendered `<abbr title="caisse d'allocations familiales">CAF</abbr> (caisse
d'allocations familiales)`, unless the text already gives the full form right next to it
("caisse d'allocations familiales (CAF)", "CAF (caisse …)", "CAF, caisse …"): then only the
`<abbr>` is added. Later uses stay plain. The easy-to-read (FALC) version is read on its
own, so it spells out its own first uses, in words, as the FALC rules ask.

A plural written with a small "s" ("les CAFs") is a use of the acronym. An acronym already
inside brackets ("la caisse (CAF)", "(voir la CAF du Cher)") gets its full form between
commas inside the same brackets, "(CAF, caisse d'allocations familiales)", never brackets
within brackets.

The procedure's title (its h1) is read first (MAIN_FIELDS). On the page the title only
gets the `<abbr>` (a heading stays short) and does not count as spelled out: the first use
in the texts below it is spelled out in words, and the editor is warned there as usual. An
acronym of the title that the texts never use again is warned about on the title (nothing
on the page would give its words). A title that gives the full form beside the acronym
counts as the spelling out, and the texts then stay plain.

Text is escaped here, piece by piece: the output is safe HTML whatever the town typed. Text
already marked safe (another filter's markup) is scanned between its tags only, and never
inside a link or an existing `<abbr>`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

# Which fields of a procedure are read, in the order a resident reads them on the page
# (templates/directory/_procedure_body.html); the FALC version is read on its own.
MAIN_FIELDS = ("title", "summary", "audience", "cost", "delay", "documents", "how_to")
FALC_FIELDS = ("easy_read",)

# What may stand between an acronym and its full form for the full form to count as given
# "next to it": a bracket, a comma, a dash, a colon, and an article ("(la CAF)").
_GAP = r"[\s(\[,:–—-]{0,4}(?:(?:la|le|les|l'|du|de la|des|de l')\s*)?"
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|\S+\.(?:fr|com|org|gouv|net)\S*", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class Entry:
    abbreviation: str
    expansion: str


@dataclass
class Reading:
    """What a reader has already seen: the acronyms spelled out so far in one text flow."""

    entries: list[Entry]
    seen: set[str] = field(default_factory=set)
    _pattern: re.Pattern | None = None

    @property
    def pattern(self) -> re.Pattern | None:
        if self._pattern is None and self.entries:
            words = sorted((re.escape(e.abbreviation) for e in self.entries), key=len, reverse=True)
            # Whole words only, case as written: "CAF" but not "caf" nor "CAFE"; a plural
            # with a small "s" ("CAFs") is a use too.
            self._pattern = re.compile(r"(?<!\w)(" + "|".join(words) + r")s?(?!\w)")
        return self._pattern

    def expansion_of(self, abbreviation: str) -> str:
        return next(e.expansion for e in self.entries if e.abbreviation == abbreviation)


def _fold(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, one char per char (positions kept)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ch.isalpha() else ch
        out.append({"’": "'", "ʼ": "'", "\u00a0": " ", "\u202f": " "}.get(base, base).lower())
    return "".join(out)


def expanded_beside(text: str, start: int, end: int, expansion: str) -> bool:
    """True when the full form is written right before or right after text[start:end]."""
    folded, full = _fold(text), re.escape(_fold(expansion)).replace(r"\ ", r"\s+")
    before = re.search(full + r"\s*" + _GAP + r"$", folded[max(0, start - len(expansion) - 20) : start])
    after = re.match(r"\s*\)?" + _GAP + full, folded[end : end + len(expansion) + 20])
    return bool(before or after)


@dataclass(frozen=True)
class Use:
    abbreviation: str
    start: int
    end: int
    first: bool  # the first use in this reading
    expanded: bool  # the full form is already written beside it
    bracketed: bool = False  # written inside brackets: "(CAF)", "(voir la CAF du Cher)"
    closes: bool = True  # followed by punctuation or a closing bracket: no comma after the words


def uses(text: str, reading: Reading, *, heading: bool = False) -> list[Use]:
    """Every use of a listed acronym in `text` (plain text), marking first uses as seen. In
    a `heading` a first use without its full form is not marked: the next text spells it out."""
    pattern = reading.pattern
    if pattern is None or not text:
        return []
    skip = [m.span() for m in _URL.finditer(text)]
    found = []
    for m in pattern.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        abbr = m.group(1)
        first = abbr not in reading.seen
        expanded = first and expanded_beside(text, m.start(), m.end(), reading.expansion_of(abbr))
        if expanded or not heading:
            reading.seen.add(abbr)
        before, after = text[: m.start()], text[m.end() :].lstrip()
        bracketed = before.count("(") > before.count(")")
        closes = not after or after[0] in ",;:.!?)]"
        found.append(Use(abbr, m.start(), m.end(), first, expanded, bracketed, closes))
    return found


def _render_plain(text: str, reading: Reading, heading: bool = False) -> str:
    out, pos = [], 0
    for use in uses(text, reading, heading=heading):
        out.append(escape(text[pos : use.start]))
        written = text[use.start : use.end]  # "CAF" or "CAFs"
        if use.first:
            full = reading.expansion_of(use.abbreviation)
            out.append(f'<abbr title="{escape(full)}">{escape(written)}</abbr>')
            if use.expanded or heading:
                pass  # the words are beside it, or the texts below the heading give them
            elif use.bracketed:
                # "la caisse (CAF)": inside the same brackets, never brackets within brackets.
                out.append(f", {escape(full)}" + ("" if use.closes else ","))
            else:
                # Written out in words too: a title is not read by every screen reader nor
                # seen on a phone, and FALC asks for the words.
                out.append(f" ({escape(full)})")
        else:
            out.append(escape(written))
        pos = use.end
    out.append(escape(text[pos:]))
    return "".join(out)


def _render_safe(markup: str, reading: Reading, heading: bool = False) -> str:
    """Markup already escaped: only the text between tags, never inside <a> or <abbr>.

    Only for the output of Django's own filters and of Relais's template tags (well-formed
    tags, attributes quoted and escaped, no comment, script or CDATA): the split on "<…>" is
    not an HTML parser. Anything the town or a visitor typed comes here as plain text (not
    SafeData) and goes through _render_plain, escaped piece by piece."""
    out, inside = [], 0
    for part in _TAG.split(markup):
        if part.startswith("<") and part.endswith(">"):
            name = re.match(r"</?\s*(\w+)", part)
            if name and name.group(1).lower() in ("a", "abbr"):
                inside += -1 if part.startswith("</") else 1
            out.append(part)
        elif inside > 0 or not part:
            out.append(part)
        else:
            out.append(_render_plain(html.unescape(part), reading, heading))
    return "".join(out)


def spell_out(text, reading: Reading, *, heading: bool = False) -> str:
    """`text` as safe HTML with the reading's first uses of listed acronyms spelled out (in
    a `heading`, only marked: see the module's docstring)."""
    if text is None:
        return ""
    if isinstance(text, SafeData):
        return mark_safe(_render_safe(str(text), reading, heading))  # noqa: S308 - escaped piece by piece
    return mark_safe(_render_plain(str(text), reading, heading))  # noqa: S308 - escaped piece by piece


def _field_lines(value: str, name: str) -> list[str]:
    if name in ("documents", "how_to", "easy_read"):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]
    return [value or ""]


def missing_expansions(texts: dict[str, str], entries: list[Entry]) -> dict[str, list[Entry]]:
    """For each field of a procedure, the acronyms whose first use there lacks its full form
    (what the resident page adds by itself, and what an editor should write)."""
    warnings: dict[str, list[Entry]] = {}
    for fields in (MAIN_FIELDS, FALC_FIELDS):
        reading = Reading(entries)
        in_title: list[str] = []
        for name in fields:
            for line in _field_lines(texts.get(name, ""), name):
                for use in uses(line, reading, heading=name == "title"):
                    if name == "title":
                        if use.first and not use.expanded and use.abbreviation not in in_title:
                            in_title.append(use.abbreviation)  # spelled out by the texts below?
                    elif use.first and not use.expanded:
                        warnings.setdefault(name, []).append(_entry(entries, use.abbreviation))
        for abbreviation in in_title:
            if abbreviation not in reading.seen:  # never used again below the title
                warnings.setdefault("title", []).append(_entry(entries, abbreviation))
    return warnings


def _entry(entries: list[Entry], abbreviation: str) -> Entry:
    return next(e for e in entries if e.abbreviation == abbreviation)
