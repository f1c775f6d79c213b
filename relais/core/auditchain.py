"""Tamper evidence for the audit journal: a chain of keyed MACs over its entries.

Entries are written as before (`audit.audit_log`, inside the business transaction).
Sealing then gives each unsealed entry, in id order, the next chain position and

    MAC = HMAC-SHA256(key, previous MAC + canonical serialisation of the entry)

and moves the chain head (one row: last position, its MAC, a MAC over both), all in one
short transaction. Someone who can write to the database but has not the key cannot
change, remove or add an entry, nor move the head back, without `verify_chain` noticing.

When sealing runs:

- PostgreSQL: after the commit of any transaction that wrote entries (`on_commit`), in a
  transaction of its own that takes the head row with SKIP LOCKED. A business transaction
  never waits for the chain, and never holds its lock (no deadlock against a workshop
  row, no queue behind a registration rush). A sealer that finds the head taken returns
  at once: the one holding it loops until no unsealed entry is left, so it seals the
  others' entries too. Entries can commit out of id order: whatever is visible and
  unsealed is sealed next, so the chain order is the order of sealing.
- SQLite: inside the writing transaction itself. SQLite has one writer at a time and
  Relais takes the write lock at BEGIN (IMMEDIATE), so sealing there adds no lock and
  no second write transaction per request; a rolled-back entry takes its seal with it.
  Within `sealed_together()` (every `create_once`: a registration journals the new
  resident and the registration) the entries are sealed once, on leaving it, still
  inside the transaction: one seal instead of one per entry, under the writers' lock.
- `relais audit_seal` (cron), `relais audit_verify` and `relais audit_purge` seal
  whatever is left (entries of a process that died between commit and seal, a backlog).

Seals live in two columns of the entry (`chain_position`, `chain_mac`) rather than in a
table of their own: the unsealed entries are found through a partial index holding only
them, whatever the commit order (a seal table would need an anti-join against the whole
journal to find them), verification reads one table in position order, and a purge
deletes from one table. The database triggers let these two columns be set once, from
empty, and never again. The price: each entry is updated once, which on PostgreSQL
leaves one dead row version per entry for autovacuum.
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from relais.core.commit import on_commit_once
from relais.core.models import AuditChainHead, AuditEvent
from relais.core.plainsql import column_converters

logger = logging.getLogger(__name__)

PURGE_ACTION = "core.journal.purged"  # journal.Action.JOURNAL_PURGED
OLD_PURGE_ACTION = "audit.purged"  # the name of markers written before the vocabulary (journal.RENAMED)
GENESIS_MAC = ""  # the "previous MAC" of position 1
SEAL_BATCH = 1000  # entries sealed per transaction
INLINE_LIMIT = 500  # SQLite: most entries sealed inside one writing transaction
AFTER_COMMIT_LIMIT = 5000  # PostgreSQL: most entries one request seals after its commit
VERIFY_CHUNK = 5000
# Right after a commit, sealers look only at ids above the highest sealed one minus this:
# an index range of the few unsealed entries, not one that also walks every entry sealed
# since PostgreSQL last vacuumed the table (a sealed row leaves a dead index entry behind).
# An entry committed later than 5 000 newer ones (a transaction left open for minutes in
# heavy traffic) is sealed by the next full pass: `relais audit_seal`, verify or purge.
RECENT_WINDOW = 5000

# The fields a MAC covers, in this order; every field of AuditEvent but the seal itself
# (a test keeps this list and the model in step).
SEALED_FIELDS = (
    "id", "at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "person_id", "reason", "ip", "details",
)  # fmt: skip

# What verify_chain reports when the chain breaks.
ENTRY_CHANGED = "entry changed"
ENTRY_MISSING = "entry missing"
ENTRY_OUTSIDE = "entry inserted outside the chain"
SEAL_MISSING = "seal missing"
HEAD_ROLLED_BACK = "head rolled back"
KEY_CHANGED = "key changed"


class ChainRefused(Exception):
    """The chain head cannot be trusted (key changed, head altered): nothing is sealed."""


# --- The key and the MACs ----------------------------------------------------------------


def chain_key() -> bytes:
    """RELAIS_AUDIT_KEY, else a key derived from SECRET_KEY (read now, never cached)."""
    configured = getattr(settings, "RELAIS_AUDIT_KEY", "")
    if configured:
        return configured.encode()
    return salted_hmac(
        "relais.core.auditchain", "audit journal chain key", secret=settings.SECRET_KEY, algorithm="sha256"
    ).digest()


def key_id(key: bytes) -> str:
    """A short fingerprint of the key, kept in the head to tell "key changed" apart."""
    return hmac.digest(key, b"relais audit key id", "sha256").hex()[:16]


def _canonical(position: int, fields: tuple) -> bytes:
    """The entry as the MAC sees it: its values, not how a database happens to print them,
    so that a journal copied to another database (dumpdata, loaddata) still verifies."""
    entry_id, at, actor_id, actor_label, action, object_type, object_id, person_id, reason, ip, details = fields
    if at is not None and timezone.is_aware(at):
        at = at.astimezone(datetime.UTC)
    values = [
        position, entry_id, at.isoformat(timespec="microseconds") if at else None, actor_id, actor_label, action,
        object_type, object_id, person_id, reason, _ip(ip), details,
    ]  # fmt: skip
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8", "surrogatepass"
    )


@lru_cache(maxsize=4096)  # the same few addresses (counters, offices) come back all the time
def _ip(value) -> str | None:
    """SQLite keeps the address as written, PostgreSQL in its own form: compare addresses."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        return str(value)  # not an address: never let a row written by hand stop sealing


def entry_mac(key: bytes, previous_mac: str, position: int, fields: tuple) -> str:
    return hmac.digest(key, previous_mac.encode() + b"\n" + _canonical(position, fields), "sha256").hex()


def _head_mac(key: bytes, position: int, mac: str, kid: str) -> str:
    return hmac.digest(key, f"head\n{position}\n{mac}\n{kid}".encode(), "sha256").hex()


def _marker_signature(key: bytes, details: dict) -> str:
    body = {name: value for name, value in details.items() if name != "signature"}
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return hmac.digest(key, b"purge marker\n" + payload, "sha256").hex()


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)


def _head_problem(head: _Head | None, key: bytes, kid: str) -> tuple[str, str]:
    """(problem, detail) if the head cannot be trusted, else ("", "")."""
    if head is None:
        return HEAD_ROLLED_BACK, "the chain head row is missing"
    if head.position == 0 and not head.mac and not head.head_mac:
        return "", ""  # nothing sealed yet
    if head.key_id != kid:
        return KEY_CHANGED, (
            "the chain was sealed with another key: RELAIS_AUDIT_KEY (or SECRET_KEY, when it is not set) changed"
        )
    if not _same(head.head_mac, _head_mac(key, head.position, head.mac, kid)):
        return HEAD_ROLLED_BACK, f"the chain head (position {head.position}) does not match its own MAC"
    return "", ""


# --- Sealing -------------------------------------------------------------------------------


@dataclass
class _Head:
    position: int
    mac: str
    key_id: str
    head_mac: str
    last_id: int


# The hot path (every audited transaction) reads and writes in plain SQL: the ORM's own
# work there cost ten times the statements themselves.
HEAD_TABLE = AuditChainHead._meta.db_table
ENTRY_TABLE = AuditEvent._meta.db_table


def _read_head(*, lock: bool = False, wait: bool = True, flush: bool = True, using: str) -> _Head | None:
    """The head; with `flush` false (PostgreSQL), the transaction's commit will not wait
    for the disk, set by the same statement (one round trip less)."""
    connection = connections[using]
    columns = "position, mac, key_id, head_mac, last_id"
    if not flush and connection.vendor == "postgresql":
        columns += ", set_config('synchronous_commit', 'off', true)"
    sql = f"SELECT {columns} FROM {HEAD_TABLE} WHERE id = 1"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE" if wait else " FOR UPDATE SKIP LOCKED"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return _Head(*row[:5]) if row else None


def _lock_head(*, wait: bool, using: str, flush: bool = True) -> _Head | None:
    """The head, locked until the end of the transaction; None if another sealer holds it
    and `wait` is false. On SQLite the transaction already holds the database's lock."""
    head = _read_head(lock=True, wait=wait, flush=flush, using=using)
    if head is None and not AuditChainHead.objects.using(using).filter(pk=1).exists():
        # A fresh database whose head row was flushed (tests); never once entries are sealed.
        if AuditEvent.objects.using(using).filter(chain_position__isnull=False).exists():
            raise ChainRefused("the chain head row is missing")
        AuditChainHead.objects.using(using).bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        head = _read_head(lock=True, wait=wait, flush=flush, using=using)
    return head


def _select(using: str, names: tuple[str, ...], where: str, params=(), *, order: str, limit=None, chunked=False):
    """Rows of the journal, converted as the ORM converts them (dates, JSON), streamed."""
    connection = connections[using]
    converters = column_converters(connection, AuditEvent, names)
    columns = (connection.ops.quote_name(AuditEvent._meta.get_field(name).column) for name in names)
    sql = f"SELECT {', '.join(columns)} FROM {ENTRY_TABLE} WHERE {where} ORDER BY {order}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cursor = connection.chunked_cursor() if chunked else connection.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(VERIFY_CHUNK):
            for row in rows:
                if converters:
                    row = list(row)
                    for index, functions, column in converters:
                        value = row[index]
                        for function in functions:
                            value = function(value, column, connection)
                        row[index] = value
                yield tuple(row)
    finally:
        cursor.close()


def _seal_batch(
    *, key: bytes, kid: str, wait: bool, limit: int, after_id: int | None, own_transaction: bool, using: str
) -> list[int] | None:
    """Seal up to `limit` unsealed entries with an id above `after_id` (None: the recent
    window, see RECENT_WINDOW); returns their ids, or None if the head was taken."""
    connection = connections[using]
    # Seals can be made again from the entries: a crash that loses the last ones (never
    # half of one: the head moves in the same transaction) only leaves entries to seal
    # again, identically. So the request that seals does not wait for a disk flush
    # (PostgreSQL). Never inside someone else's transaction, whose commit must stay durable.
    head = _lock_head(wait=wait, flush=not own_transaction, using=using)
    if head is None:
        return None
    problem, detail = _head_problem(head, key, kid)
    if problem:
        raise ChainRefused(f"{problem}: {detail}")
    if after_id is None:
        where, params = "chain_position IS NULL AND id > %s", [head.last_id - RECENT_WINDOW]
    else:
        # A long run (a backlog): the next unsealed id, then a bounded id range from it, so
        # that each batch reads about `limit` rows whatever plan the database picks.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(id) FROM {ENTRY_TABLE} WHERE chain_position IS NULL AND id > %s", [after_id])
            start = cursor.fetchone()[0]
        if start is None:
            return []
        where, params = "chain_position IS NULL AND id >= %s AND id < %s", [start, start + 4 * limit]
    rows = list(_select(using, SEALED_FIELDS, where, params, order="id", limit=limit))
    if not rows:
        return []
    position, mac = head.position, head.mac
    seals = []
    for fields in rows:
        position += 1
        mac = entry_mac(key, mac, position, fields)
        seals.append((position, mac, fields[0]))
    move_head = (
        f"UPDATE {HEAD_TABLE} SET position = %s, mac = %s, key_id = %s, head_mac = %s, last_id = %s,"
        " sealed_at = %s WHERE id = 1"
    )
    head_params = [
        position, mac, kid, _head_mac(key, position, mac, kid), max(head.last_id, rows[-1][0]),
        connection.ops.adapt_datetimefield_value(timezone.now()),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the batch and the head: twice as fast as one per entry there.
            values = ", ".join(["(%s::bigint, %s, %s::bigint)"] * len(seals))
            # Joined by id only: a condition on chain_position would let the planner read
            # the whole unsealed index, dead entries included, instead of `limit` rows.
            cursor.execute(
                f"WITH sealed AS (UPDATE {ENTRY_TABLE} AS entry"
                " SET chain_position = seal.position, chain_mac = seal.mac"
                f" FROM (VALUES {values}) AS seal (position, mac, id) WHERE entry.id = seal.id) {move_head}",
                [value for row in seals for value in row] + head_params,
            )
        else:
            cursor.executemany(f"UPDATE {ENTRY_TABLE} SET chain_position = %s, chain_mac = %s WHERE id = %s", seals)
            cursor.execute(move_head, head_params)
    return [fields[0] for fields in rows]


def seal(*, wait: bool = True, limit: int | None = None, everything: bool = True, using: str = "default") -> int:
    """Seal the visible unsealed entries, oldest id first; returns how many were sealed.

    With `everything` false, looks only at the recent window (after a commit). With
    `wait` false, returns at once when another sealer holds the head (it will seal these
    entries too). Raises ChainRefused when the head cannot be trusted."""
    key = chain_key()
    kid = key_id(key)
    sealed = 0
    after_id = 0 if everything else None
    own_transaction = not connections[using].in_atomic_block
    while limit is None or sealed < limit:
        batch = SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - sealed)
        with transaction.atomic(using=using):
            ids = _seal_batch(
                key=key,
                kid=kid,
                wait=wait,
                limit=batch,
                after_id=after_id,
                own_transaction=own_transaction,
                using=using,
            )
        if ids is None:
            break  # another sealer holds the head: it looks again once it lets go (below)
        sealed += len(ids)
        if after_id is not None and ids:
            after_id = ids[-1]  # go on from there
            continue
        if len(ids) == batch:
            continue
        # Entries committed while this sealer held the head were left to it by their own
        # sealer, which found the head taken: look once more, now that it is released.
        if not own_transaction or not _recent_pending(using):
            break
        after_id = None
    return sealed


def _recent_pending(using: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {ENTRY_TABLE} WHERE chain_position IS NULL"
            f" AND id > (SELECT last_id FROM {HEAD_TABLE} WHERE id = 1) - %s LIMIT 1",
            [RECENT_WINDOW],
        )
        return cursor.fetchone() is not None


def _seal_after_commit(using: str) -> None:
    try:
        seal(wait=False, limit=AFTER_COMMIT_LIMIT, everything=False, using=using)
    except ChainRefused as refusal:
        logger.error("Audit journal not sealed: %s. Run `relais audit_verify`.", refusal)


@contextmanager
def sealed_together(using: str = "default") -> Iterator[None]:
    """On SQLite, the entries written within are sealed once, on leaving (when nothing went
    wrong: otherwise the caller's transaction rolls them back or the next seal takes them),
    rather than each one as it is written. Nests: the outermost one seals. Use it inside a
    transaction, around a change that journals several entries. Elsewhere, nothing changes."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    outermost = not getattr(connection, "relais_sealing_deferred", False)
    connection.relais_sealing_deferred = True
    try:
        yield
    except BaseException:
        if outermost:
            connection.relais_seal_pending = False
        raise
    finally:
        if outermost:
            connection.relais_sealing_deferred = False
    if outermost and getattr(connection, "relais_seal_pending", False):
        connection.relais_seal_pending = False
        _seal_inline(using)


def _seal_inline(using: str) -> None:
    # Sealing never stops an entry from being written: on failure its savepoint is rolled
    # back and the entry stays, unsealed; `audit_verify` says why.
    try:
        seal(limit=INLINE_LIMIT, everything=False, using=using)
    except ChainRefused as refusal:
        logger.error("Audit journal not sealed: %s. Run `relais audit_verify`.", refusal)
    except Exception:  # noqa: BLE001
        logger.exception("Audit journal not sealed")


def entries_written(*, using: str) -> None:
    """Called by AuditEvent after every insert (one entry or a bulk): seal them soon."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        if getattr(connection, "relais_sealing_deferred", False):
            connection.relais_seal_pending = True  # sealed on leaving `sealed_together`
            return
        _seal_inline(using)
        return
    on_commit_once(_seal_after_commit, using, robust=True)  # once per transaction


# --- Verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: the chain intact up to its end, or its first break."""

    intact: bool
    entries: int = 0
    first_position: int | None = None
    last_position: int = 0
    last_mac: str = ""
    problem: str = ""
    position: int | None = None
    entry_id: int | None = None
    detail: str = ""

    def __str__(self) -> str:
        if self.intact:
            return (
                f"journal intact: {self.entries} entries, last position {self.last_position}, "
                f"last MAC {self.last_mac or '-'}"
            )
        where = f"position {self.position}" if self.position is not None else "the chain head"
        if self.entry_id is not None:
            where += f" (entry id {self.entry_id})"
        return f"journal broken at {where}: {self.problem}: {self.detail}"


def _broken(problem: str, detail: str, *, position=None, entry_id=None) -> ChainReport:
    return ChainReport(intact=False, problem=problem, detail=detail, position=position, entry_id=entry_id)


def _sealed(using: str):
    return AuditEvent.objects.using(using).filter(chain_position__isnull=False)


def _first_position(using: str) -> int | None:
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT MIN(chain_position) FROM {ENTRY_TABLE} WHERE chain_position IS NOT NULL")
        return cursor.fetchone()[0]


def _chain_start(*, key: bytes, first: int, using: str) -> str | ChainReport:
    """The MAC before the oldest entry left: the genesis, or the one its purge marker kept."""
    if first == 1:
        return GENESIS_MAC
    covered = [0]
    for details in _sealed(using).filter(action__in=(PURGE_ACTION, OLD_PURGE_ACTION)).values_list("details", flat=True):
        if not isinstance(details, dict) or not _same(details.get("signature"), _marker_signature(key, details)):
            continue
        last = details.get("last_position")
        if last == first - 1 and isinstance(details.get("last_mac"), str):
            return details["last_mac"]
        if isinstance(last, int) and last < first - 1:
            covered.append(last)
    missing = max(covered) + 1
    return _broken(
        ENTRY_MISSING,
        f"positions {missing} to {first - 1} were removed without a purge marker (the chain starts at {first})",
        position=missing,
    )


class _Walk:
    """Checks entries one by one in position order, from a known start."""

    def __init__(self, *, key: bytes, first: int, previous_mac: str, head_position: int | None):
        self.key, self.expected, self.mac = key, first, previous_mac
        self.head_position = head_position  # None when the head cannot be trusted
        self.last_id = None

    def check(self, position: int, mac: str | None, fields: tuple) -> ChainReport | None:
        entry_id = fields[0]
        if position != self.expected:
            after = f" (after entry id {self.last_id})" if self.last_id is not None else ""
            return _broken(
                ENTRY_MISSING,
                f"positions {self.expected} to {position - 1} are gone{after}: entries deleted, or their seal removed",
                position=self.expected,
            )
        if not mac:
            return _broken(
                SEAL_MISSING, "the entry has a chain position but no MAC", position=position, entry_id=entry_id
            )
        if not _same(mac, entry_mac(self.key, self.mac, position, fields)):
            if self.head_position is not None and position > self.head_position:
                detail = f"its MAC was not made with the journal's key, after the head (position {self.head_position})"
                return _broken(ENTRY_OUTSIDE, detail, position=position, entry_id=entry_id)
            return _broken(
                ENTRY_CHANGED,
                "its fields no longer match its MAC (changed, replaced, or inserted with a made-up MAC)",
                position=position,
                entry_id=entry_id,
            )
        self.mac, self.last_id, self.expected = mac, entry_id, self.expected + 1
        return None


def _rows(using: str, *, up_to: int | None = None) -> Iterator[tuple]:
    """(position, MAC, sealed fields…) of the sealed entries in chain order, streamed."""
    where, params = "chain_position IS NOT NULL", []
    if up_to is not None:
        where, params = f"{where} AND chain_position <= %s", [up_to]
    names = ("chain_position", "chain_mac", *SEALED_FIELDS)
    return _select(using, names, where, params, order="chain_position", chunked=True)


@contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """Read the head and the chain as of one instant, while sealers and purges go on."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # A deferred read transaction: a snapshot, without the write lock that
        # transaction.atomic() would take (IMMEDIATE) and hold for the whole walk.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        yield


def verify_chain(*, using: str = "default") -> ChainReport:
    """Walk the whole chain (streamed, in position order) and report its first break."""
    key = chain_key()
    with _snapshot(using):
        return _verify(key=key, kid=key_id(key), using=using)


def _verify(*, key: bytes, kid: str, using: str) -> ChainReport:
    head = _read_head(using=using)
    problem, detail = _head_problem(head, key, kid)
    first = _first_position(using)
    if problem == KEY_CHANGED:
        return _broken(KEY_CHANGED, detail, position=first)
    if first is None:
        if problem or head.position:
            return _broken(
                ENTRY_MISSING, f"no sealed entry is left, the head says {head.position if head else '?'}", position=1
            )
        return ChainReport(intact=True)
    start = _chain_start(key=key, first=first, using=using)
    if isinstance(start, ChainReport):
        return start
    walk = _Walk(key=key, first=first, previous_mac=start, head_position=None if problem else head.position)
    for position, mac, *fields in _rows(using):
        broken = walk.check(position, mac, tuple(fields))
        if broken:
            return broken
    last = walk.expected - 1
    if problem:
        return _broken(problem, detail, position=head.position if head else None)
    if last < head.position:
        return _broken(
            ENTRY_MISSING,
            f"the newest entries are gone: the chain ends at position {last}, its head at {head.position}",
            position=last + 1,
        )
    if last > head.position:
        return _broken(
            HEAD_ROLLED_BACK,
            f"positions {head.position + 1} to {last} are sealed beyond the head: it was moved back",
            position=head.position,
        )
    if not _same(head.mac, walk.mac):
        return _broken(HEAD_ROLLED_BACK, "the head does not hold the last entry's MAC", position=last)
    return ChainReport(
        intact=True, entries=last - first + 1, first_position=first, last_position=last, last_mac=walk.mac
    )


# --- Purge ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgePlan:
    """The oldest part of the chain a purge may remove: positions first to last."""

    count: int = 0
    first_position: int | None = None
    last_position: int | None = None
    last_mac: str = ""
    problem: ChainReport | None = None


def purge_plan(*, cutoff: datetime.datetime, lock: bool, using: str = "default") -> PurgePlan:
    """The longest run of sealed entries, from the start of the chain, all older than
    `cutoff`, checked on the way. With `lock` (a real purge, which has sealed first),
    holds the head until the end of the caller's transaction, so that two purges never
    remove the same entries; without (a dry run), counts the unsealed entries that
    sealing would add to the run too."""
    key = chain_key()
    kid = key_id(key)
    head = _lock_head(wait=True, using=using) if lock else _read_head(using=using)
    problem, detail = _head_problem(head, key, kid)
    if problem:
        return PurgePlan(problem=_broken(problem, detail, position=head.position if head else None))
    first = _first_position(using)
    if first is None:
        return PurgePlan(count=0 if lock else _unsealed_ahead(cutoff=cutoff, using=using))
    start = _chain_start(key=key, first=first, using=using)
    if isinstance(start, ChainReport):
        return PurgePlan(problem=start)
    walk = _Walk(key=key, first=first, previous_mac=start, head_position=head.position)
    for position, mac, *fields in _rows(using, up_to=head.position):
        if fields[1] >= cutoff:
            break
        broken = walk.check(position, mac, tuple(fields))
        if broken:
            return PurgePlan(problem=broken)
    count = walk.expected - first
    if not lock and walk.expected > head.position:
        count += _unsealed_ahead(cutoff=cutoff, using=using)
    if not count:
        return PurgePlan()
    return PurgePlan(count=count, first_position=first, last_position=walk.expected - 1, last_mac=walk.mac)


def _unsealed_ahead(*, cutoff: datetime.datetime, using: str) -> int:
    """How many unsealed entries a purge would seal and then remove (all older than the
    cutoff, in id order, until a younger one): what a dry run adds to its count, as it
    seals nothing."""
    count = 0
    for at in (
        AuditEvent.objects.using(using)
        .filter(chain_position__isnull=True)
        .order_by("id")
        .values_list("at", flat=True)
        .iterator(chunk_size=VERIFY_CHUNK)
    ):
        if at >= cutoff:
            break
        count += 1
    return count


def purge_marker(*, plan: PurgePlan, cutoff: datetime.datetime, retention_days: int) -> dict:
    """Details of the `core.journal.purged` entry: what was removed, signed, and where the chain
    now starts (the last removed position and its MAC, which `verify_chain` starts from)."""
    details = {"kind": "audit", "count": plan.count, "cutoff": cutoff.isoformat(), "retention_days": retention_days}
    if plan.count:
        details.update(first_position=plan.first_position, last_position=plan.last_position, last_mac=plan.last_mac)
    details["signature"] = _marker_signature(chain_key(), details)
    return details
