"""Registration rush through the partner API: N registrations at once on a 12-seat workshop.

    .venv/bin/python bench/api_rush.py [--attempts 1000] [--capacity 12] [--workers 4] [--postgres]

Serves the demo with gunicorn (production settings, as bench/rush.py, whose helpers it
reuses), creates a workshop and a partner application (scope bookings:write), then one
Python thread per registration waits at a common barrier and POSTs
`/api/v1/registrations` (JSON, `Authorization: Bearer …`, its own `Idempotency-Key`, a
distinct resident). The POST is timed (p50, p99); its JSON says confirmed or waitlisted.
/healthz is probed every 100 ms meanwhile. The database is then checked directly.

Runs on SQLite, then on PostgreSQL with --postgres (a throw-away database
`relais_api_rush_…` is created and dropped). Expected: exactly `capacity` confirmed,
everyone else waitlisted, no error. Results go to the "API registration rush" section of
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rush import COUNT, CREATE_WORKSHOP, Probe, _request, percentile  # noqa: E402
from bench.server import DemoServer, machine, manage, production_env, write_section  # noqa: E402

CREATE_APPLICATION = """
from relais.api.models import Scope
from relais.api.services import application_create
app, raw = application_create(name="Banc d'essai {tag}", scopes=[Scope.BOOKINGS_WRITE], actor=None,
    rate_limit={rate_limit})
print(raw)
"""


class Partner(threading.Thread):
    """One registration sent by the partner application."""

    def __init__(self, number: int, port: int, slug: str, raw: str, barrier: threading.Barrier):
        super().__init__(daemon=True)
        self.number, self.port, self.barrier = number, port, barrier
        self.body = json.dumps(
            {
                "workshop": slug,
                "resident": {
                    "first_name": "Ruée",
                    "last_name": f"Habitant{number}",
                    "preferred_channel": "email",
                    "email": f"ruee{number}@example.org",
                },
            }
        )
        self.headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {raw}",
            "Idempotency-Key": f"ruee-{number}-{uuid.uuid4().hex[:8]}",
        }
        self.outcome, self.latency, self.error = "", 0.0, ""

    def run(self):
        self.barrier.wait()
        started = time.perf_counter()
        try:
            status, _headers, body = _request(self.port, "POST", "/api/v1/registrations", self.body, self.headers)
            self.latency = time.perf_counter() - started
            if status != 201:
                raise RuntimeError(f"POST {status}: {body[:200]}")
            self.outcome = json.loads(body)["status"]
        except Exception as error:  # noqa: BLE001 - reported as an error of this registration
            self.latency = self.latency or time.perf_counter() - started
            self.error = repr(error)


def rush(env: dict, var: Path, *, attempts: int, capacity: int, workers: int, rate_limit: int) -> dict:
    with DemoServer(var, env=env, workers=workers) as server:
        tag = uuid.uuid4().hex[:6]
        created = manage(env, "shell", "-c", CREATE_WORKSHOP.format(tag=tag, capacity=capacity))
        slug = created.stdout.strip().splitlines()[-1]
        raw = (
            manage(env, "shell", "-c", CREATE_APPLICATION.format(tag=tag, rate_limit=rate_limit))
            .stdout.strip()
            .splitlines()[-1]
        )
        barrier = threading.Barrier(attempts + 1)
        partners = [Partner(n, server.port, slug, raw, barrier) for n in range(attempts)]
        for partner in partners:
            partner.start()
        probe = Probe(server.port)
        probe.start()
        barrier.wait()  # go
        started = time.perf_counter()
        for partner in partners:
            partner.join()
        elapsed = time.perf_counter() - started
        probe.stop.set()
        probe.join()
        counts = json.loads(manage(env, "shell", "-c", COUNT.format(slug=slug)).stdout.strip().splitlines()[-1])
    latencies = [p.latency for p in partners if p.latency]
    errors = [p.error for p in partners if p.error]
    return {
        "attempts": attempts,
        "confirmed": sum(p.outcome == "confirmed" for p in partners),
        "waitlisted": sum(p.outcome == "waitlisted" for p in partners),
        "errors": len(errors),
        "error_samples": errors[:3],
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p99": percentile(latencies, 99) * 1000,
        "elapsed": elapsed,
        "db": counts,
        "probe_max": max(probe.latencies, default=0) * 1000,
        "probe_failures": probe.failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000, help="registrations sent at once (default 1000)")
    parser.add_argument("--capacity", type=int, default=12, help="seats of the workshop (default 12)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--postgres", action="store_true", help="also run on the local PostgreSQL server")
    parser.add_argument(
        "--postgres-url", default="", help="PostgreSQL server URL (default: DATABASE_URL, else the local server)"
    )
    parser.add_argument(
        "--rate-limit", type=int, default=0,
        help="the application's requests per minute (default 0: not counted, as bench/rush.py lifts its "
        "per-address limit; 100000 counts every request in the shared cache)",
    )  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    threading.stack_size(512 * 1024)  # a thousand partners, each a small thread
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "sqlite"
        var.mkdir()
        env = production_env(var)
        env.pop("DATABASE_URL", None)
        results.append(
            (
                "SQLite",
                rush(
                    env,
                    var,
                    attempts=args.attempts,
                    capacity=args.capacity,
                    workers=args.workers,
                    rate_limit=args.rate_limit,
                ),
            )
        )
        print("SQLite", results[-1], flush=True)
        url = args.postgres_url or os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            url = "postgres://postgres@127.0.0.1:5432/postgres" if args.postgres else ""
        if url:
            import psycopg

            parts = urlsplit(url)
            admin = urlunsplit(parts._replace(path="/postgres"))
            name = f"relais_api_rush_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                var = Path(tmp) / "postgresql"
                var.mkdir()
                env = production_env(var, DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")))
                results.append(
                    (
                        "PostgreSQL",
                        rush(
                            env,
                            var,
                            attempts=args.attempts,
                            capacity=args.capacity,
                            workers=args.workers,
                            rate_limit=args.rate_limit,
                        ),
                    )
                )
                print("PostgreSQL", results[-1], flush=True)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; gunicorn {args.workers} sync workers,",
        f"production settings. {args.attempts} registrations (one thread each, loopback, `http.client`) sent at once",
        f"by one partner application to `POST /api/v1/registrations` for a {args.capacity}-seat workshop: JSON body,",
        "application key, an `Idempotency-Key` each, a distinct resident each. Latency is the POST's, from the",
        "common start (mostly the wait in line on a few sync workers); /healthz is probed every 100 ms meanwhile.",
        f"The application's rate limit: {args.rate_limit or 'not counted'}"
        + (" requests per minute." if args.rate_limit else " (as bench/rush.py lifts its per-address limit)."),
        "Expected: exactly the capacity confirmed, everyone else waitlisted, no error; the database agrees.",
        "",
        "| database | attempts | confirmed | waitlisted | errors | p50 ms | p99 ms | total s | registrations/s "
        "| DB: confirmed / counter | /healthz max ms (failures) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for label, r in results:
        lines.append(
            f"| {label} | {r['attempts']} | {r['confirmed']} | {r['waitlisted']} | {r['errors']} | {r['p50']:.0f} "
            f"| {r['p99']:.0f} | {r['elapsed']:.1f} | {r['attempts'] / r['elapsed']:.0f} "
            f"| {r['db']['confirmed']} / {r['db']['counter']} | {r['probe_max']:.0f} ({r['probe_failures']}) |"
        )
    if any(r["errors"] for _l, r in results):
        lines += ["", "Errors (first ones): " + "; ".join(e for _l, r in results for e in r["error_samples"])]
    body = "\n".join(lines)
    if not args.no_write:
        write_section("API registration rush", body)
    print(body)
    ok = all(
        r["confirmed"] == args.capacity
        and r["waitlisted"] == args.attempts - args.capacity
        and r["errors"] == 0
        and r["db"]["confirmed"] == r["db"]["counter"] == args.capacity
        for _l, r in results
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
