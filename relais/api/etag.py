"""Public reads of the API: a rate limit per visitor, `ETag` / `If-None-Match`, short caching.

    @public_read(PlacePage, max_age=60)
    def places(request, …):
        return {"items": […], "next": …}          # plain data, checked against PlacePage

Every public read:

- counts the visitor's address (relais.core.ratelimit, RELAIS_API_PUBLIC_PER_MINUTE a
  minute, 0 = no limit) and answers 429 with `Retry-After` beyond;
- is checked against its response schema and written as JSON once, then its strong `ETag` is
  the SHA-256 of those bytes: any change of what is shown (an edited procedure, a seat taken,
  a place that just opened) changes it, and a client sending it back in `If-None-Match`
  gets a bodiless 304;
- says `Cache-Control: public, max-age=…` (60 s for the catalogue, the places, the board and
  the statistics; 30 s for what changes with each booking: slots and seats);
- `shared=True`: the written answer is kept in the "pages" cache under the version of public
  content (relais.core.pagecache.version(), bumped by every change of the catalogue, the
  places, the schedules and the board, once committed), for at most `max_age` seconds: a
  repeated read costs no query and no serialisation. Answers that move with each booking
  (free slots, seats left) are computed on every request (`shared=False`): registrations do
  not bump the version, so that a rush of them does not empty the page cache. Unless
  `vary(request)` gives, cheaply, what else such an answer depends on (the workshops' seats
  taken and registration states, read with one small query): the answer is then kept under
  that too, and a seat taken is a new key at once.

Answers are in French whatever the visitor's Accept-Language (content translations are a
matter for the web pages).
"""

from __future__ import annotations

import gzip
import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import re_accepts_gzip
from django.utils import translation
from django.utils.cache import patch_vary_headers
from pydantic import TypeAdapter

from relais.api.keys import RateLimited
from relais.core import pagecache, ratelimit

RATE_SCOPE = "api:public"
RATE_WINDOW = 60  # seconds: RELAIS_API_PUBLIC_PER_MINUTE


# Each process counts its visitors' reads itself and adds them to the shared counter (the
# default cache: a database row without Redis) by batches of a twentieth of the limit, so
# that a read from the page cache writes nothing most of the time. The limit is then exact
# to a batch per process (30 reads with the default 600); a visitor over it is refused by
# this process without asking again until the window ends.
_local: dict[str, int] = {}
_refused: dict[str, float] = {}
_window = {"index": -1}


def forget_counts() -> None:
    """Forget this process's counts and refusals (tests)."""
    _local.clear()
    _refused.clear()


def _check_rate(request) -> None:
    limit = settings.RELAIS.get("API_PUBLIC_PER_MINUTE", 600)
    if not limit:
        return
    who = ratelimit.visitor(request)
    now = time.time()
    until = _refused.get(who)
    if until is not None:
        if now < until:
            raise RateLimited(min(RATE_WINDOW, int(until - now) + 1))
        del _refused[who]
    index = int(now // RATE_WINDOW)
    if index != _window["index"] or len(_local) > 10_000:
        _local.clear()  # a new window (or too many visitors at once): count again
        _window["index"] = index
    batch = max(1, limit // 20)
    count = _local[who] = _local.get(who, 0) + 1
    if count % batch == 0 and not ratelimit.hit(RATE_SCOPE, who, limit=limit, window=RATE_WINDOW, cost=batch):
        _refused[who] = (index + 1) * RATE_WINDOW
        raise RateLimited(min(RATE_WINDOW, int(_refused[who] - now) + 1))


def _matches(request, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    if not sent:
        return False
    if sent.strip() == "*":
        return True
    # A proxy may have weakened it (W/"…"); the comparison is weak, as RFC 9110 asks for GET.
    return any(tag.strip().removeprefix("W/") == etag for tag in sent.split(","))


def _answer(request, body: bytes, compressed: bytes | None, etag: str, max_age: int) -> HttpResponse:
    if _matches(request, etag):
        response = HttpResponseNotModified()
    elif compressed is not None and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    # Open data: a town's website or a department's map may read it from the browser.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Link"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def public_read(schema, *, max_age: int = 60, shared: bool = True, vary=None):
    """Decorator of a public operation returning plain data of type `schema` (see above)."""
    adapter = TypeAdapter(schema)
    shared = shared or vary is not None

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _check_rate(request)
            with translation.override("fr"):
                pages = caches["pages"]
                key = None
                if shared:
                    address = request.build_absolute_uri() + (repr(vary(request)) if vary is not None else "")
                    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
                    key = f"relais:api:public:{pagecache.version()}:{digest}"
                    kept = pages.get(key)
                    if kept is not None:
                        return _answer(request, *kept, max_age)
                data = view(request, *args, **kwargs)
                body = adapter.dump_json(adapter.validate_python(data, from_attributes=True))
                etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
                compressed = None
                if shared:
                    compressed = gzip.compress(body, compresslevel=6, mtime=0)
                    pages.set(key, (body, compressed, etag), max_age)
                return _answer(request, body, compressed, etag, max_age)

        return wrapped

    return decorator
