"""Sending SMS: one small interface, a console and a file backend for development and
tests, and an adapter for a real provider (Brevo's transactional SMS API).

Choose with SMS_BACKEND (a dotted path); an empty value means the town sends no SMS, and
residents who prefer SMS are written to or called instead.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SMSError(Exception):
    """A send that may work if tried again later (network, provider outage)."""


class SMSPermanentError(SMSError):
    """A send that will never work as it is (bad number, refused content, bad credentials)."""


class BaseBackend:
    def send(self, *, to: str, text: str) -> str:
        """Send `text` to the international number `to` (+33…); return the provider's id."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, *, to: str, text: str) -> str:
        logger.warning("SMS to %s: %s", to, text)
        return f"console-{uuid.uuid4()}"


class FileBackend(BaseBackend):
    """Appends each SMS as a JSON line to SMS_FILE_PATH (development and tests)."""

    def send(self, *, to: str, text: str) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid.uuid4()}"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"id": provider_id, "to": to, "text": text}, ensure_ascii=False) + "\n")
        return provider_id


class BrevoBackend(BaseBackend):
    """Brevo (ex-Sendinblue) transactional SMS: POST /v3/transactionalSMS/sms."""

    def send(self, *, to: str, text: str) -> str:
        payload = {
            "sender": settings.SMS_SENDER,
            "recipient": to.lstrip("+"),
            "content": text,
            "type": "transactional",
        }
        url = settings.SMS_API_URL.rstrip("/") + "/v3/transactionalSMS/sms"
        if not url.startswith(("https://", "http://")):
            raise SMSPermanentError(f"SMS_API_URL must be an http(s) address, got {settings.SMS_API_URL!r}")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=json.dumps(payload).encode(),
            headers={"api-key": settings.SMS_API_KEY, "content-type": "application/json", "accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            if 400 <= error.code < 500 and error.code not in (408, 429):
                raise SMSPermanentError(f"HTTP {error.code}: {detail}") from error
            raise SMSError(f"HTTP {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SMSError(str(error)) from error
        return str(body.get("messageId", ""))


def get_backend() -> BaseBackend | None:
    path = settings.SMS_BACKEND
    return import_string(path)() if path else None


def sms_enabled() -> bool:
    return bool(settings.SMS_BACKEND)


# ---------------------------------------------------------------- GSM 03.38: one segment when it can

# The GSM 03.38 basic alphabet (one septet each) and its extension table (an escape and a
# septet: two). A text made only of these goes as GSM-7: 160 characters in one SMS, 153 per
# part beyond; one other character and the whole SMS goes as UCS-2: 70, then 67 per part.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# What a character absent from GSM becomes: its plain equivalent (French first). The accents
# GSM kept (é è ù à ì ò É Ç Ä Ö Ñ Ü ä ö ñ ü) stay as they are.
GSM_REPLACEMENTS = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\t", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    "…": "...",
    "°": "o",
    "•": "-",
    "·": ".",
    "ç": "c",
    "œ": "oe",
    "Œ": "OE",
    "ÿ": "y",
    "Ÿ": "Y",
    "ê": "e",
    "ë": "e",
    "â": "a",
    "á": "a",
    "ã": "a",
    "î": "i",
    "ï": "i",
    "í": "i",
    "ô": "o",
    "ó": "o",
    "õ": "o",
    "û": "u",
    "ú": "u",
    "À": "A",
    "Â": "A",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "Î": "I",
    "Ï": "I",
    "Ô": "O",
    "Ù": "U",
    "Û": "U",
}
# French quotes hold a space inside: « oui » becomes "oui", not " oui ".
_FRENCH_QUOTES = re.compile(r"«[\s\u00a0\u202f]*|[\s\u00a0\u202f]*»")


def _plain(char: str) -> str:
    """`char` in GSM: itself, its listed replacement, or its letter without the accent; else
    itself (the SMS then goes as UCS-2: Arabic, emoji…)."""
    if char in GSM_BASIC or char in GSM_EXTENSION:
        return char
    if char in GSM_REPLACEMENTS:
        return GSM_REPLACEMENTS[char]
    stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if stripped and all(c in GSM_BASIC or c in GSM_EXTENSION for c in stripped):
        return stripped
    return char


def to_gsm(text: str) -> str:
    """`text` rewritten in the GSM 03.38 alphabet wherever it can be: typographic quotes and
    dashes, ç, °, …, non-breaking spaces become their plain equivalents. Every SMS goes out
    through it (`services._send_sms`)."""
    text = _FRENCH_QUOTES.sub('"', unicodedata.normalize("NFC", text or ""))
    return "".join(_plain(char) for char in text)


def is_gsm(text: str) -> bool:
    """Whether `text` can go as GSM-7 (every character in the basic or extension table)."""
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def _units(text: str) -> tuple[list[int], int, int]:
    """The size of each character in the encoding `text` goes in, and the limits of one SMS
    and of each part of a longer one."""
    if is_gsm(text):
        return [2 if c in GSM_EXTENSION else 1 for c in text], 160, 153
    return [2 if ord(c) > 0xFFFF else 1 for c in text], 70, 67  # UTF-16: a surrogate pair is 2


def encoding(text: str) -> str:
    """ "GSM-7" or "UCS-2": how `text` goes (as given: call `to_gsm` first)."""
    return "GSM-7" if is_gsm(text) else "UCS-2"


def segments(text: str) -> int:
    """How many SMS `text` costs, as given (call `to_gsm` first): GSM-7 160, or 153 per part,
    an extension character counting two; UCS-2 70, or 67 per part. A character is never cut
    between two parts (an escape and its septet, a surrogate pair). 0 for an empty text."""
    sizes, single, part = _units(text)
    if sum(sizes) <= single:
        return 1 if sizes else 0
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


# An SMS text in more parts than this deserves a second look (a warning, never a refusal).
SEGMENTS_WARNING = 2


@dataclass(frozen=True)
class Size:
    """What an SMS text costs once written in GSM (`to_gsm`): for the template editor."""

    text: str  # as it will be sent
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    not_gsm: tuple[str, ...]  # the characters that make it go as UCS-2

    @property
    def too_long(self) -> bool:
        return self.segments > SEGMENTS_WARNING


def measure(text: str) -> Size:
    sent = to_gsm(text)
    odd = tuple(dict.fromkeys(c for c in sent if c not in GSM_BASIC and c not in GSM_EXTENSION))
    return Size(text=sent, encoding=encoding(sent), segments=segments(sent), not_gsm=odd)
