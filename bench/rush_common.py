"""What the two registration-rush benchmarks share (bench/rush.py through the public form,
bench/api_rush.py through the partner API): the workshop and the database check, the
/healthz probe, the runs on SQLite then PostgreSQL (a throw-away database), what each run
measures (latencies, the cores the client threads used, the server's CPU per registration,
the load average) and the table written to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.server import (
    DemoServer,
    LoadGenerator,
    load_average,
    manage,
    postgres_pid,
    process_cpu_seconds,
    production_env,
)

CREATE_WORKSHOP = """
import datetime
from django.utils import timezone
from relais.accounts.models import Team
from relais.directory.models import Place
from relais.mediation.models import Workshop, WorkshopSession
start = timezone.now() + datetime.timedelta(days=7)
w = Workshop.objects.create(team=Team.objects.get(slug="mediation"), slug="rush-{tag}", title="Rush {tag}",
    description="Atelier du banc d'essai.", theme="email", place=Place.objects.get(slug="mediatheque"),
    capacity={capacity}, registration_opens_at=timezone.now() - datetime.timedelta(minutes=1))
WorkshopSession.objects.create(workshop=w, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
print(w.slug)
"""
COUNT = """
from relais.mediation.models import Workshop
from relais.notifications.models import Message
w = Workshop.objects.get(slug="{slug}")
import json
print(json.dumps({{"confirmed": w.registrations.filter(status="confirmed").count(),
    "waitlisted": w.registrations.filter(status="waitlisted").count(), "counter": w.confirmed_count,
    "capacity": w.capacity,
    "messages": Message.objects.filter(related_type="mediation.registration",
        related_id__in=[str(pk) for pk in w.registrations.values_list("pk", flat=True)]).count()}}))
"""


def request(port: int, method: str, path: str, body: str = "", headers: dict | None = None, timeout: float = 600):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


class Probe(threading.Thread):
    """Requests /healthz every 100 ms during the rush."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.stop, self.latencies, self.failures = port, threading.Event(), [], 0

    def run(self):
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                status, _h, _b = request(self.port, "GET", "/healthz", timeout=60)
                self.failures += status != 200
            except OSError:
                self.failures += 1
            self.latencies.append(time.perf_counter() - started)
            self.stop.wait(0.1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else 0.0


def arguments(description: str, what: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--attempts", type=int, default=1000, help=f"{what} at once (default 1000)")
    parser.add_argument("--capacity", type=int, default=12, help="seats of the workshop (default 12)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers (default: deploy/gunicorn.conf.py's, from the environment)",
    )
    parser.add_argument("--postgres", action="store_true", help="also run on the local PostgreSQL server")
    parser.add_argument(
        "--postgres-url", default="", help="PostgreSQL server URL (default: DATABASE_URL, else the local server)"
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="run on one database only")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    return parser


def serving(args) -> tuple[dict[str, str], str]:
    """The environment read by gunicorn.conf.py, and its words for the report."""
    env = {}
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    workers = int(env.get("GUNICORN_WORKERS") or os.environ.get("GUNICORN_WORKERS") or 2)
    label = f"gunicorn {workers} workers (one request at a time each), health checks on their own address"
    return env, label + " (deploy/gunicorn.conf.py)"


def run_rush(
    env: dict,
    var: Path,
    *,
    attempts: int,
    capacity: int,
    prepare: Callable[[dict, str], object],
    make_client: Callable[[int, int, str, object, threading.Barrier], threading.Thread],
) -> dict:
    """One rush: a workshop, `attempts` client threads started and ready (`make_client`),
    then all released at once; returns what was measured."""  # fmt: skip
    conf = str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py")
    with DemoServer(var, env=env, workers=int(env.get("GUNICORN_WORKERS", 2)), gunicorn_args=("-c", conf)) as server:
        tag = uuid.uuid4().hex[:6]
        created = manage(env, "shell", "-c", CREATE_WORKSHOP.format(tag=tag, capacity=capacity))
        slug = created.stdout.strip().splitlines()[-1]
        extra = prepare(env, tag)
        barrier = threading.Barrier(attempts + 1)
        clients = [make_client(n, server.port, slug, extra, barrier) for n in range(attempts)]
        for client in clients:
            client.start()
        probe = Probe(server.health_port)
        load = load_average()
        ready_by = time.monotonic() + 600
        while barrier.n_waiting < attempts and time.monotonic() < ready_by:
            time.sleep(0.01)  # every page loaded first: its CPU is not the rush's
        # PostgreSQL's processes (its backends, writers and their exited children) take their
        # CPU from the same cores: measured too, where the server runs on this machine.
        url = env.get("DATABASE_URL", "")
        database = postgres_pid(url) if url.startswith(("postgres://", "postgresql://")) else None
        database_cpu = process_cpu_seconds(database) if database else 0.0
        server_cpu = process_cpu_seconds(server.process.pid)
        with LoadGenerator() as generator:
            barrier.wait()  # every client is ready: go
            probe.start()
            started = time.perf_counter()
            for client in clients:
                client.join()
            elapsed = time.perf_counter() - started
            probe.stop.set()
            probe.join()
        server_cpu = process_cpu_seconds(server.process.pid) - server_cpu
        database_cpu = process_cpu_seconds(database) - database_cpu if database else None
        counts = json.loads(manage(env, "shell", "-c", COUNT.format(slug=slug)).stdout.strip().splitlines()[-1])
    latencies = [c.latency for c in clients if c.latency]
    errors = [c.error for c in clients if c.error]
    return {
        "attempts": attempts,
        "confirmed": sum(c.outcome == "confirmed" for c in clients),
        "waitlisted": sum(c.outcome == "waitlisted" for c in clients),
        "errors": len(errors),
        "error_samples": errors[:3],
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p99": percentile(latencies, 99) * 1000,
        "elapsed": elapsed,
        "db": counts,
        "probe_max": max(probe.latencies, default=0) * 1000,
        "probe_failures": probe.failures,
        "client_cores": generator.cores,
        "server_cores": server_cpu / elapsed if elapsed else 0,
        "server_ms": server_cpu / attempts * 1000,
        "database_ms": database_cpu / attempts * 1000 if database_cpu is not None else None,
        "load": load,
    }


def on_each_database(args, prefix: str, run: Callable[[dict, Path], dict], **extra_env: str) -> list:
    """`run(env, var_dir)` on SQLite, then on a throw-away PostgreSQL database when asked."""
    serving_env, _label = serving(args)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "postgresql":
            var = Path(tmp) / "sqlite"
            var.mkdir()
            env = production_env(var, **serving_env, **extra_env)
            env.pop("DATABASE_URL", None)
            results.append(("SQLite", run(env, var)))
            print("SQLite", results[-1], flush=True)
        url = args.postgres_url or os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            url = "postgres://postgres@127.0.0.1:5432/postgres" if args.postgres or args.only == "postgresql" else ""
        if url and args.only != "sqlite":
            import psycopg

            parts = urlsplit(url)
            admin = urlunsplit(parts._replace(path="/postgres"))
            name = f"{prefix}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                var = Path(tmp) / "postgresql"
                var.mkdir()
                db = urlunsplit(parts._replace(path=f"/{name}"))
                env = production_env(var, DATABASE_URL=db, **serving_env, **extra_env)
                results.append(("PostgreSQL", run(env, var)))
                print("PostgreSQL", results[-1], flush=True)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


TABLE_HEAD = [
    "| database | attempts | confirmed | waitlisted | errors | p50 ms | p99 ms | total s | registrations/s "
    "| DB: confirmed / counter | messages | /healthz max ms (failures) | server CPU ms per registration "
    "| database CPU ms per registration | server cores | client cores | load average |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: "
    "| ---: |",
]


def table(results) -> list[str]:
    lines = list(TABLE_HEAD)
    for label, r in results:
        lines.append(
            f"| {label} | {r['attempts']} | {r['confirmed']} | {r['waitlisted']} | {r['errors']} | {r['p50']:.0f} "
            f"| {r['p99']:.0f} | {r['elapsed']:.1f} | {r['attempts'] / r['elapsed']:.0f} "
            f"| {r['db']['confirmed']} / {r['db']['counter']} | {r['db'].get('messages', '')} "
            f"| {r['probe_max']:.0f} ({r['probe_failures']}) | {r['server_ms']:.1f} "
            f"| {'—' if r.get('database_ms') is None else format(r['database_ms'], '.1f')} | {r['server_cores']:.2f} "
            f"| {r['client_cores']:.2f} | {r['load']} |"
        )
    if any(r["errors"] for _l, r in results):
        lines += ["", "Errors (first ones): " + "; ".join(e for _l, r in results for e in r["error_samples"])]
    return lines


def all_ok(results, args) -> bool:
    return all(
        r["confirmed"] == args.capacity
        and r["waitlisted"] == args.attempts - args.capacity
        and r["errors"] == 0
        and r["db"]["confirmed"] == r["db"]["counter"] == args.capacity
        for _l, r in results
    )
