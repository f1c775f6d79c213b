"""Text helpers: accent- and case-insensitive folding, phone digits, and the one rule for
spotting (and masking) phone numbers, e-mail and street addresses and a person's name in
free text."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
# Characters XML 1.0 allows; any other (C0 controls but tab and line breaks, lone
# surrogates, U+FFFE/U+FFFF) makes a whole XML document unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (a \\x0b from a Word paste makes a
    whole ODS file or XML document unreadable). The one rule for every XML Relais writes."""
    return _NOT_XML.sub("", text or "")


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: "Pièce d'Identité" -> "piece d identite"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("Œ", "oe").replace("Æ", "ae")
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def phone_digits(phone: str) -> str:
    """Digits of a French phone number in national form, however it is written:
    "+33 6 12…", "0033 6 12…", "+33 (0)6 12…" -> "0612…". Other numbers (and parts of
    numbers, as typed in a search) keep their digits."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0033") and len(digits) in (13, 14):
        digits = digits[2:]  # the international prefix dialled from France: "00"
    if digits.startswith("330") and len(digits) == 12:
        digits = digits[:2] + digits[3:]  # "+33 (0)6…": the trunk zero written in brackets
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


MIN_QUERY_CHARACTERS = 2


def is_meaningful_query(text: str) -> bool:
    """A search that can narrow a list of people: at least two letters or digits once folded
    ("." or "--" fold to nothing and would match everyone)."""
    return len(fold(text).replace(" ", "")) >= MIN_QUERY_CHARACTERS


# ---------------------------------------------------------------- personal data in free text

# E-mail addresses, "@" or spelled "(at)", "[at]", " arobase ".
# The local part may hold an apostrophe ("o'brien@…"): masked whole.
EMAIL = re.compile(r"[\w.+'’-]+\s*(@|\(at\)|\[at\]| arobase )\s*[\w-]+(\.[\w-]+)+", re.IGNORECASE)
# The same address spelled out to get past a filter: "marie point dupont at gmail point com",
# "marie [at] gmail [dot] com". Written words are common in French ("point"), so this form
# needs the at-sign word *and* a known ending after a dot word.
_AT = r"(?:\s*@\s*|\s*[\[(]\s*(?:at|@|arobase)\s*[\])]\s*|\s+(?:at|arobase)\s+)"
_DOT = r"(?:\.|\s*[\[(]\s*(?:dot|point)\s*[\])]\s*|\s+(?:dot|point)\s+)"
_DOMAIN_ENDINGS = r"com|fr|net|org|eu|info|be|ch|ca|de|io|me|biz|lu"
EMAIL_SPELLED = re.compile(rf"[\w.+'’-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}(?:{_DOMAIN_ENDINGS})\b", re.IGNORECASE)
# Phone numbers however they are spaced, dotted or dashed: French ones (06 12 34 56 78,
# 06.12.34.56.78, +33 6 12…, +33 (0)6 12 34 56 78, 0033 6…) and international ones
# (+44 20 7946 0958, 0049 30 1234567, +1 (555) 123-4567): a "+" or "00", a country code,
# then 6 to 12 more digits.
PHONE = re.compile(
    r"(?:\+|\b00)\s*33\s*(?:\(\s*0\s*\)\s*)?[1-9](?:[\s.\-/]*\d){8}"
    r"|\b0\s*[1-9](?:[\s.\-/]*\d){8}\b"
    r"|(?:\+|\b00)\s*[1-9]\d{0,2}(?:[\s.\-/]*\(?\s*\d\s*\)?){6,12}(?!\d)"
)
# Street addresses: "12 rue des Lilas", "4 bis, avenue …", "3 pl. du Marché", "bâtiment B",
# "appt 12". Matched on `fold_aligned()` text (lower case, no accents, punctuation as spaces).
_STREET_WORDS = (
    r"rue|avenue|av|bd|bld|blvd|boulevard|impasse|allee|place d\w*|chemin|route|square|quai|residence|lotissement"
    r"|hameau"
)
# Abbreviations that are street words only before a name ("12 r. Victor Hugo", "3 pl. du Marché",
# "7 imp. des Lilas", "2 ch. des Vignes", "14 all. des Roses"); the text is folded, so the dot is gone.
_STREET_ABBREVIATIONS = r"r|pl|imp|ch|all"
STREET = re.compile(
    rf"\b\d{{1,4}}\s*(?:bis|ter)?\s*,?\s*(?:(?:{_STREET_WORDS})\b|(?:{_STREET_ABBREVIATIONS})\s+[a-z])"
    r"|\b(?:batiment|appartement|appt)\s+(?:n\s*)?(?:\d+|[a-z])\b"
)
# The street's name after the street word: the rest of the word begun, then capitalised words
# and the small words between them ("des Lilas", "Jean-Jaurès", "de la Mairie").
_STREET_NAME = re.compile(
    r"[\w'’-]*(?:\s+(?:(?:de|du|des|la|le|les|l['’]|d['’]|saint|sainte|st|ste)\b\s*)*[A-ZÀ-ÖØ-Þ][\w'’-]*)*"
)
_WORD = re.compile(r"\w+")


def ascii_digits(text: str) -> str:
    """`text` with every decimal digit written in ASCII ("٠٦", "０６" -> "06"), one character
    for one, so that a match on it spans the same characters of the original."""
    return "".join(
        str(unicodedata.digit(c)) if c > "\x7f" and unicodedata.category(c) == "Nd" else c for c in text or ""
    )


def phone_numbers(text: str) -> list[tuple[int, int]]:
    """(start, end) of each phone number in `text`, in whatever digits it is written."""
    return [match.span() for match in PHONE.finditer(ascii_digits(text))]


def fold_aligned(text: str) -> str:
    """`fold()` keeping each character in its place (same length as `text`): lower case,
    accents stripped, anything but a-z and 0-9 a space, so that a match on the folded text
    spans the same characters of the original."""
    out = []
    for char in text or "":
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
        if len(base) == 1 and ("a" <= base <= "z" or "0" <= base <= "9"):
            out.append(base)
        else:
            out.append(" ")
    return "".join(out)


def street_addresses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each street address in `text`, with the street's name when written."""
    spans = []
    for match in STREET.finditer(fold_aligned(text)):
        end = match.end()
        if not match.group().startswith(("batiment", "appartement", "appt")):
            end += _STREET_NAME.match(text, end).end() - end
        spans.append((match.start(), end))
    return spans


PHONE_MASK = "[numéro masqué]"
EMAIL_MASK = "[adresse masquée]"
NAME_MASK = "[nom masqué]"
ADDRESS_MASK = "[adresse masquée]"


def mask_personal_data(text: str, *, names=()) -> str:
    """`text` with phone numbers, e-mail and street addresses and the words of `names` (a
    person's first and last names, as known) replaced by "[numéro masqué]", "[adresse
    masquée]" and "[nom masqué]". Names are matched word by word, whatever the case and accents ("Dupont",
    "DUPONT", "dupont"; "Hélène" and "Helene"), so a compound name ("Jean-Pierre") is
    masked part by part; a one- or two-letter particle of a longer name ("Le" Goff) is left.
    Masks are not translated: they are stored in the text."""
    text = EMAIL.sub(EMAIL_MASK, text or "")
    text = EMAIL_SPELLED.sub(EMAIL_MASK, text)
    for start, end in reversed(phone_numbers(text)):
        text = text[:start] + PHONE_MASK + text[end:]
    for start, end in reversed(street_addresses(text)):
        text = text[:start] + ADDRESS_MASK + text[end:]
    words = set()
    for name in names:
        parts = fold(name or "").split()
        # A particle of a longer name ("Le" Goff, "da" Silva) is a common word: kept.
        words.update(part for part in parts if len(part) >= (3 if len(parts) > 1 else 2))
    if words:
        text = _WORD.sub(lambda m: NAME_MASK if fold(m.group()) in words else m.group(), text)
    return text


def label_choices(rows, *fields: str) -> list:
    """`rows` as a list, each with `<field>_label` set for every choice field named: the
    labels translated once per list, where `get_<field>_display` builds its field's choices
    again for every row (a queue of 40 listings: 160 times). A value no choice names is
    shown as it is, as `get_<field>_display` does."""
    rows = list(rows)
    labels: dict[str, dict] = {}
    for row in rows:
        for name in fields:
            if name not in labels:
                labels[name] = {value: str(label) for value, label in row._meta.get_field(name).flatchoices}
            value = getattr(row, name)
            setattr(row, f"{name}_label", labels[name].get(value, value))
    return rows
