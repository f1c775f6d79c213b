"""The one limiter every open door uses (core.ratelimit)."""

import pytest
from django.test import RequestFactory

from relais.core import ratelimit

# Counters live in the shared cache, a database table.
pytestmark = pytest.mark.django_db


def test_limit_counts_per_scope_and_visitor():
    assert all(ratelimit.hit("test:a", "1.2.3.4", limit=3, window=60) for _ in range(3))
    assert not ratelimit.hit("test:a", "1.2.3.4", limit=3, window=60)
    assert ratelimit.hit("test:a", "5.6.7.8", limit=3, window=60)
    assert ratelimit.hit("test:b", "1.2.3.4", limit=3, window=60)


def test_ipv6_visitors_of_one_subscriber_count_together():
    factory = RequestFactory()
    addresses = [f"2001:db8:1:2::{n:x}" for n in range(1, 21)]
    allowed = [
        ratelimit.hit("test:v6", ratelimit.visitor(factory.get("/", REMOTE_ADDR=a)), limit=5, window=60)
        for a in addresses
    ]
    assert allowed.count(True) == 5
    other_network = factory.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert ratelimit.hit("test:v6", ratelimit.visitor(other_network), limit=5, window=60)


def test_zero_means_no_limit_and_reset_forgets():
    assert all(ratelimit.hit("test:none", "x", limit=0, window=60) for _ in range(50))
    for _ in range(4):
        ratelimit.hit("test:reset", "x", limit=3, window=60)
    assert ratelimit.count("test:reset", "x") == 4
    ratelimit.reset("test:reset", "x")
    assert ratelimit.hit("test:reset", "x", limit=3, window=60)


def test_mutual_aid_reports_from_one_ipv6_network_are_limited(client, db):
    import uuid

    from relais.mutualaid.models import Listing

    listing = Listing.objects.filter(status="published").first()
    url = f"/entraide/annonces/{listing.pk}/signaler/"
    statuses = []
    for n in range(1, 9):
        response = client.post(
            url, {"reason": "other", "details": "Test.", "token": uuid.uuid4()}, REMOTE_ADDR=f"2001:db8::{n}"
        )
        statuses.append("Trop de signalements" in response.content.decode())
    assert statuses.count(False) == 5 and statuses[5:] == [True, True, True]


def test_the_first_hit_counts_one_and_a_window_that_ended_starts_again_at_one():
    from django.core.cache import cache

    assert ratelimit.hit("test:window", "x", limit=2, window=60)
    assert ratelimit.count("test:window", "x") == 1
    assert ratelimit.hit("test:window", "x", limit=2, window=60)
    assert not ratelimit.hit("test:window", "x", limit=2, window=60)
    cache.delete(ratelimit._key("test:window", "x"))  # the window ended
    assert ratelimit.hit("test:window", "x", limit=2, window=60)
    assert ratelimit.count("test:window", "x") == 1
