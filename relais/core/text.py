"""Text helpers shared by searches: accent- and case-insensitive folding, phone digits."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


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
