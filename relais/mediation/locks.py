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
from typing import TypeVar

from django.conf import settings
from django.db import connection, connections, models

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)

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


def locked_row(model: type[M], pk) -> M:
    """The row `pk` of `model`, read again and locked for the rest of the transaction: what
    `model.objects.select_for_update().get(pk=pk)` gives, in plain SQL. Seats are taken
    right after, with every other registration waiting for this lock, and the ORM took
    longer to build this query than the database to answer it (~0.3 ms against ~0.15).
    SQLite has no FOR UPDATE: its one writer holds the database from BEGIN IMMEDIATE."""
    manager = model._default_manager
    conn = connections[manager.db]
    quote = conn.ops.quote_name
    sql = f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    if conn.features.has_select_for_update:
        sql += " FOR UPDATE"
    row = next(iter(manager.raw(sql, [pk])), None)
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} no longer exists")
    return row
