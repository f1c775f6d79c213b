"""One limiter for every open door: counters in the shared cache, per key and window.

A counter lives in the default cache (Redis in production, the database cache otherwise,
so every app server counts together): `cache.incr` counts, and only when the counter is
missing (the first attempt of a window) does `cache.add` start it atomically. Callers
name what they count (`scope`) and who (`who`): a visitor's address (IPv6 grouped by /64,
since one subscriber holds a whole /64), a destination phone or e-mail, an account, a code.

    if not ratelimit.hit("cases:online", ratelimit.visitor(request), limit=5, window=3600):
        ...  # refuse, with a message beside the form
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress

from django.core.cache import cache
from django.http import HttpRequest

from relais.core.audit import client_ip


def address_block(ip: str | None, *, ipv6_prefix: int = 64) -> str:
    """The address counted: an IPv4 address, or the /64 network of an IPv6 one (or a wider
    network, /48 say, where one site's whole allocation should count as one visitor)."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{ipv6_prefix}", strict=False))
    return str(address)


def visitor(request: HttpRequest | None, *, ipv6_prefix: int = 64) -> str:
    """Who a request comes from, for counting: its address block."""
    return address_block(client_ip(request), ipv6_prefix=ipv6_prefix)


def _key(scope: str, who: str) -> str:
    # Hashed: keys stay short and hold no personal data (a phone number, an e-mail).
    digest = hashlib.sha256(f"{scope}\0{who}".encode()).hexdigest()[:32]
    return f"relais:rate:{scope}:{digest}"


def hit(scope: str, who: str, *, limit: int, window: int, cost: int = 1) -> bool:
    """Count one attempt of `who` in `scope` (or `cost` attempts at once); False once over
    `limit` in `window` seconds.

    A limit of 0 means no limit (nothing is counted).
    """
    if not limit:
        return True
    key = _key(scope, who)
    try:
        count = cache.incr(key, cost)  # the usual case, one statement: the window is open
    except ValueError:  # no counter: this attempt opens the window
        if cache.add(key, cost, timeout=window):
            count = cost
        else:  # another request opened it meanwhile: count in it
            try:
                count = cache.incr(key, cost)
            except ValueError:  # …and it already ended: open the next one
                cache.set(key, cost, timeout=window)
                count = cost
    return count <= limit


def count(scope: str, who: str) -> int:
    """Attempts counted so far in the current window (0 when none)."""
    return int(cache.get(_key(scope, who)) or 0)


def give_back(scope: str, who: str) -> None:
    """Uncount one attempt already counted by `hit` (it succeeded, and only failures count)."""
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing to give back
        cache.decr(_key(scope, who))


def reset(scope: str, who: str) -> None:
    """Forget the attempts of `who` (after a success that should clear earlier failures)."""
    cache.delete(_key(scope, who))
