"""Sending SMS: one small interface, a console and a file backend for development and
tests, and an adapter for a real provider (Brevo's transactional SMS API).

Choose with SMS_BACKEND (a dotted path); an empty value means the town sends no SMS, and
residents who prefer SMS are written to or called instead.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
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
