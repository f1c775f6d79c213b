"""A short-lived cache of public pages for visitors without a session.

Catalogue pages (home, search, procedures, places) are the same for every anonymous
visitor in a given language, and most visitors are anonymous. Their rendered bytes are
kept for `timeout` seconds (60 by default, so "open now" shows up within a minute) in the
"pages" cache: Redis when there is one, else each process's memory. A change made through
Relais also bumps a version kept in the shared default cache (Redis or the database), which
invalidates the pages of this process at once and those of every other process and server
within a second.

The gzip form is kept too and served as is to browsers that accept it, rather than
compressed again on every hit (GZipMiddleware leaves an encoded response alone). Its
random padding against BREACH is not needed here: a cached page holds no secret.

Pages are cached only when the visitor sends no session and no flash-message cookie,
the answer is a plain 200 that sets no cookie, and the page holds no CSRF token (a
cached token would be someone else's): forms on these pages are GET forms.

Visitors with a session (residents with an account, agents) get pages rendered for them,
but the parts of those pages that are the same for everyone are kept too, under the same
version: rendered fragments (`{% public_cache %}`, relais/core/templatetags/public_cache.py)
in the "pages" cache, and computed data (`remember`: drop-in sessions of the coming weeks,
workshops, themes) in each process's memory. Each is kept at most its own timeout (60 s by
default: what depends on the time, such as "open now", is at most a minute old), and
forgotten at once when the version changes. What is personal (the name in the header, the
CSRF token, flash messages, what a resident blocked) is never inside them.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils import translation
from django.utils.cache import patch_vary_headers

from relais.core import cacheversions

VERSION_KEY = "relais:pages:version"
# Each process reads the shared version at most once a second: a page served from the
# cache then costs no query (without Redis the version is a database row, and SQLite opens
# a connection per request), and a change made on another server shows within a second.
VERSION_TTL = 1.0
_seen = {"version": None, "at": 0.0}


def _version() -> int:
    now = time.monotonic()
    if _seen["version"] is None or now - _seen["at"] >= VERSION_TTL:
        _seen["version"] = cacheversions.current(VERSION_KEY)
        _seen["at"] = now
    return _seen["version"]


def version() -> int:
    """The current version of public content: it changes whenever a change made through
    Relais forgets the cached pages (other caches of public content key on it too)."""
    return _version()


def forget_version() -> None:
    """Read the shared version again on the next page (this process changed it), and forget
    what this process remembered under the old one."""
    _seen["version"] = None
    _remembered.clear()


# ---------------------------------------------------------------- parts of pages

FRAGMENT_TIMEOUT = 60  # seconds: the staleness of what depends on the time ("open now")
_REMEMBERED_MAX = 1024  # every memo of the process (search results, filter panels, catalogue)
_remembered: dict[tuple, tuple[float, object]] = {}


def _digest(parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def fragment_key(name: str, *parts) -> str:
    """The cache key of a part of a page the same for every visitor: public-content version,
    language, a name, and what it varies with (`parts`, by their repr)."""
    return f"relais:frag:{_version()}:{translation.get_language()}:{name}:{_digest(parts)}"


PUBLIC_CONTENT = object()  # `remember`'s default version: the public-content version


def remember(name: str, compute, *parts, timeout: float = FRAGMENT_TIMEOUT, until=None, version=PUBLIC_CONTENT):
    """`compute()`, kept in this process's memory under `version`, the language, `name` and
    `parts`, for at most `timeout` seconds. Every in-process memo of Relais goes through here
    (one bound on the memory they take).

    `version` is what makes the value out of date when it changes: by default the public-content
    version (any change of the catalogue, the places, the workshops…); another one (the search
    index's generation), or a constant when `parts` already hold all the value depends on.
    `until(value)` may give the moment (time.time()) past which the value is no longer right
    (a workshop whose registrations open at 8:30): it is computed again then. The value is
    shared by every request of the process: callers must not change it (copy first)."""
    key = (_version() if version is PUBLIC_CONTENT else version, translation.get_language(), name, *parts)
    now = time.time()
    kept = _remembered.get(key)
    if kept is not None and now < kept[0]:
        return kept[1]
    value = compute()
    expires = now + timeout
    if until is not None:
        expires = min(expires, until(value) or expires)
    if len(_remembered) >= _REMEMBERED_MAX:
        # The oldest quarter goes (a burst of different searches does not empty the rest).
        for old in list(_remembered)[: _REMEMBERED_MAX // 4]:
            _remembered.pop(old, None)
    _remembered[key] = (expires, value)
    return value


def invalidate_public_pages() -> None:
    """Forget every cached public page now; changes call `public_pages_changed` instead."""
    cacheversions.bump(VERSION_KEY)
    forget_version()


def public_pages_changed() -> None:
    """Forget every cached public page once the change being written is committed (at once
    outside a transaction). Forgetting them before the commit is not enough: a visitor whose
    page is rendered in between, from the old data, would put it back for the full timeout."""
    transaction.on_commit(invalidate_public_pages, robust=True)


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def public_page(view=None, *, timeout: int = 60):
    """View decorator: serve anonymous visitors from the cache (see module docstring)."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if not _cacheable_request(request):
                return view_func(request, *args, **kwargs)
            digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = f"relais:page2:{_version()}:{translation.get_language()}:{digest}"
            pages = caches["pages"]
            hit = pages.get(key)
            if hit is not None:
                content, content_type, compressed = hit
                if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
                    response = HttpResponse(compressed, content_type=content_type)
                    response["Content-Encoding"] = "gzip"
                else:
                    response = HttpResponse(content, content_type=content_type)
                patch_vary_headers(response, ["Accept-Encoding"])
            else:
                response = view_func(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                if (
                    response.status_code == 200
                    and not response.cookies
                    and not getattr(response, "streaming", False)
                    # get_token() was called: the page holds a CSRF token.
                    and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                ):
                    content = response.content
                    compressed = gzip.compress(content, compresslevel=6, mtime=0)
                    pages.set(key, (content, response["Content-Type"], compressed), timeout)
            patch_vary_headers(response, ["Cookie"])
            return response

        return wrapped

    return decorator(view) if view is not None else decorator
