"""Audit journal chain: sealing and verification times on a large journal.

    .venv/bin/python bench/audit_chain.py [--entries 100000] [--postgres]

On a throw-away database (a SQLite file; with --postgres or a PostgreSQL DATABASE_URL, a
throw-away PostgreSQL database too), writes N journal entries straight into the table
(unsealed, as after an upgrade), then times `relais audit_seal` on that backlog and
`relais audit_verify` over the whole chain. Then times 2 000 transactions that each write
one entry through `audit_log`, sealed as in production, against 2 000 with sealing
switched off, one after the other. Results replace the "Audit journal chain"
section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import machine, production_env, write_section  # noqa: E402

TRANSACTIONS = 2000
INSERT = (
    "INSERT INTO core_auditevent (at, actor_label, action, object_type, object_id, person_id, reason, ip, details)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _fill(n: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    rng = random.Random(7)
    start = timezone.now() - datetime.timedelta(days=300)
    actions = [
        "core.person.viewed",
        "cases.case.viewed",
        "cases.case.status_changed",
        "registration.created",
        "mandates.mandate.used",
    ]
    batch = []
    for i in range(n):
        batch.append(
            (
                start + datetime.timedelta(seconds=i * 250),
                f"agent{rng.randrange(40)}@valbrenne.fr",
                rng.choice(actions),
                "cases.case",
                str(rng.randrange(100_000)),
                rng.randrange(20_000),
                "",
                f"192.0.2.{rng.randrange(1, 255)}",
                '{"team": "etat-civil", "channel": "counter"}',
            )
        )
        if len(batch) == 10_000 or i == n - 1:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(INSERT, batch)
            batch = []


def _timed(function) -> tuple[float, object]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def run(database_url: str, entries: int) -> dict:
    env = production_env(Path(tempfile.mkdtemp(prefix="relais-audit-bench-")), DATABASE_URL=database_url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from relais.core import auditchain
    from relais.core.audit import audit_log, audit_seal
    from relais.core.auditchain import verify_chain

    call_command("migrate", verbosity=0)
    _fill(entries)
    seal_seconds, sealed = _timed(audit_seal)
    verify_seconds, report = _timed(verify_chain)
    assert report.intact and report.entries == entries, str(report)

    def with_chain():
        for n in range(TRANSACTIONS):
            with transaction.atomic():
                audit_log(actor=None, action="core.person.viewed", details={"n": n})
        audit_seal()  # PostgreSQL: whatever an after-commit sealer skipped

    def without_chain():
        written, auditchain.entries_written = auditchain.entries_written, lambda using: None
        try:
            for n in range(TRANSACTIONS):
                with transaction.atomic():
                    audit_log(actor=None, action="core.person.viewed", details={"n": n})
        finally:
            auditchain.entries_written = written

    chained_seconds, _ = _timed(with_chain)
    plain_seconds, _ = _timed(without_chain)
    audit_seal()
    assert verify_chain().intact
    return {
        "vendor": connection.vendor,
        "entries": entries,
        "sealed": sealed,
        "seal_s": seal_seconds,
        "verify_s": verify_seconds,
        "chained_ms": chained_seconds * 1000 / TRANSACTIONS,
        "plain_ms": plain_seconds * 1000 / TRANSACTIONS,
    }


def _postgres_database(base_url: str) -> tuple[str, callable]:
    import psycopg

    parts = urlsplit(base_url)
    name = f"relais_audit_bench_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one database per process: Django is set up once per process
        import json

        print(json.dumps(run(args.child, args.entries)))
        return
    import json
    import subprocess

    urls = [(f"sqlite:///{tempfile.mkdtemp(prefix='relais-audit-bench-')}/audit.sqlite3", None)]
    base = os.environ.get("DATABASE_URL", "")
    if args.postgres or base.startswith(("postgres://", "postgresql://")):
        urls.append(_postgres_database(base or "postgres://postgres@127.0.0.1:5432/postgres"))
    rows = []
    for url, drop in urls:
        try:
            completed = subprocess.run(
                [sys.executable, __file__, "--entries", str(args.entries), "--child", url],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            rows.append(json.loads(completed.stdout.strip().splitlines()[-1]))
        finally:
            if drop:
                drop()

    def n(value: float) -> str:
        return f"{value:,.0f}".replace(",", " ")

    lines = [
        f"{machine()}, {datetime.date.today():%Y-%m-%d}. `make bench-audit` ({n(args.entries)} entries).",
        "",
        "| database | seal a backlog of N entries | verify N entries | one audited transaction | same, not sealed |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['vendor']} | {r['seal_s']:.1f} s ({n(r['entries'] / r['seal_s'])}/s) "
            f"| {r['verify_s']:.1f} s ({n(r['entries'] / r['verify_s'])}/s) "
            f"| {r['chained_ms']:.2f} ms | {r['plain_ms']:.2f} ms |"
        )
    lines += [
        "",
        "Sealing a backlog happens once, after the upgrade that adds the chain (`relais audit_seal`); "
        "afterwards each transaction seals its own entries (SQLite: inside it; PostgreSQL: just after "
        "its commit). Verification streams the chain in position order; it grows linearly with the journal.",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("Audit journal chain", body)


if __name__ == "__main__":
    main()
