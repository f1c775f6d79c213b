"""Queueing the writers of a hot path on SQLite.

SQLite lets one writer at a time; the others wait in SQLite's busy handler, which polls
with growing sleeps (up to 100 ms). Under a registration rush with several gunicorn
workers, most of the time is then spent sleeping. Taking an OS file lock *before* the
transaction begins makes the writers of that path wait in the kernel and wake as soon
as the previous one is done. PostgreSQL needs nothing of the kind (row locks queue).

Correctness never depends on this: the row lock, the conditional UPDATE and the CHECK
constraint guard the seats whatever the database. So when the lock file cannot be opened
or locked (a read-only or network file system, no locks left), the writer carries on
without it, as on PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # not on POSIX: SQLite's busy handler alone
    fcntl = None


@contextmanager
def sqlite_write_queue(name: str) -> Iterator[None]:
    # Inside a transaction the SQLite lock may already be held: waiting here could deadlock.
    if connection.vendor != "sqlite" or fcntl is None or connection.in_atomic_block:
        yield
        return
    path = Path(settings.VAR_DIR) / f"{name}.lock"
    try:
        handle = open(path, "a")  # noqa: SIM115 - closed below, whatever happens
    except OSError:
        logger.warning("Cannot open %s: writers wait in SQLite's busy handler instead.", path)
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            logger.warning("Cannot lock %s: writers wait in SQLite's busy handler instead.", path)
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
