"""Application keys: their format, their check, and each application's rate limit.

A key reads `rls_<prefix>_<secret>`: the prefix (kept in clear) finds the row, the whole
key's SHA-256 digest is compared in constant time. `authenticate()` is the only door: the
REST API and Open311 both call it.

The demo town's key (relais/demo/demo.py) is published: its prefix opens nothing unless
`settings.DEBUG` or `settings.RELAIS_DEMO` is on (a demonstration instance), and a deploy
check (relais.api.checks) says so when such a key exists.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from relais.core import ratelimit

KEY_START = "rls_"
RATE_WINDOW = 60  # seconds: an application's `rate_limit` is per minute
DEMO_PREFIX = "demo00000000"  # the published demo key's (relais.demo.demo.DEMO_KEY)
LAST_USED_EVERY = datetime.timedelta(minutes=5)  # how often `last_used_at` is written


class RateLimited(Exception):
    """The application used its requests for this minute; `retry_after` in seconds."""

    def __init__(self, retry_after: int = RATE_WINDOW):
        super().__init__(retry_after)
        self.retry_after = retry_after


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate() -> tuple[str, str, str]:
    """(raw key shown once, prefix, digest)."""
    prefix = secrets.token_hex(6)
    raw = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    return raw, prefix, digest(raw)


def _prefix_of(raw: str) -> str | None:
    if not raw.startswith(KEY_START):
        return None
    prefix, sep, secret = raw[len(KEY_START) :].partition("_")
    return prefix if sep and secret and len(prefix) <= 16 else None


def demo_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "RELAIS_DEMO", False))


def authenticate(raw: str | None, *, count: bool = True):
    """The active Application this key opens, else None (unknown, revoked, expired key, or
    revoked application). Counts the request against the application's rate limit and
    raises RateLimited over it."""
    from relais.api.models import ApplicationKey

    prefix = _prefix_of((raw or "").strip())
    if prefix is None or (prefix == DEMO_PREFIX and not demo_allowed()):
        return None
    key = ApplicationKey.objects.select_related("application", "application__user").filter(prefix=prefix).first()
    now = timezone.now()
    if key is None or not hmac.compare_digest(key.digest, digest(raw.strip())):
        return None
    application = key.application
    if not key.is_valid(now) or not application.is_active:
        return None
    if count and not ratelimit.hit("api:application", str(application.pk), limit=application.rate_limit,
                                   window=RATE_WINDOW):  # fmt: skip
        raise RateLimited()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        type(key).objects.filter(pk=key.pk).update(last_used_at=now)
    return application
