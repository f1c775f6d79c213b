"""Versions of cached figures and fragments, shared by every process through the default
cache: what is kept under a version is forgotten when the version changes.

A change bumps the version at once (the rest of its own request reads fresh figures) and
again once its transaction is committed: a page rendered in between, from the data before
the commit, would otherwise keep the old figures under the new version.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction


def current(key: str) -> int:
    """The version now (1 before the first change)."""
    return cache.get_or_set(key, 1, timeout=None)


def bump(key: str) -> None:
    """A new version at once (an atomic increment where the cache has one)."""
    try:
        cache.incr(key)
    except ValueError:  # never read yet, or evicted
        cache.set(key, 2, timeout=None)


def changed(key: str, *, after=None) -> None:
    """Bump the version now and once the change being written is committed (at once outside
    a transaction); `after()` is called after each bump (a process forgetting what it kept)."""

    def bump_and_after():
        bump(key)
        if after is not None:
            after()

    bump_and_after()
    transaction.on_commit(bump_and_after, robust=True)
