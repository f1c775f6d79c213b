"""How many bookings and registrations one address may send without an account.

A counter per visitor address and per hour, in the shared cache (Redis in production, so
every app server counts together): `cache.add` creates it atomically if missing, then
`cache.incr` counts atomically. Staff at the counter are never limited.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from relais.core.audit import client_ip

WINDOW_SECONDS = 3600


def per_hour() -> int:
    """Attempts allowed per address and hour (0: no limit, e.g. for the rush benchmark)."""
    return int(settings.RELAIS.get("MEDIATION_BOOKINGS_PER_IP_HOUR", 30))


def _address_block(ip: str | None) -> str:
    """The address counted: an IPv4 address, or the /64 network of an IPv6 one (a single
    subscriber holds a whole /64 and could change address at every attempt)."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def allow(request: HttpRequest, kind: str) -> bool:
    """Count one attempt of `kind` ("booking", "registration") from the visitor's address;
    False once over the limit of the hour."""
    limit = per_hour()
    if not limit:
        return True
    key = f"mediation-rate:{kind}:{_address_block(client_ip(request))}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls: this attempt opens the next one
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count <= limit
