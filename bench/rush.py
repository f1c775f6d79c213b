"""Registration rush: N residents register for a 12-seat workshop in the same instant.

    .venv/bin/python bench/rush.py [--attempts 1000] [--capacity 12] [--workers 4] [--postgres]

Serves the demo with gunicorn (production settings) and, from a load generator on
loopback (one Python thread per resident, `http.client`), makes every resident do what a
browser does: GET the workshop page (CSRF cookie and token, a submission key), wait at a
common barrier, then POST the real registration form with a distinct name and e-mail. The
POST is timed (p50, p99); its redirect is then followed to read the outcome. Meanwhile a
probe requests /healthz every 100 ms to show the server keeps answering. The database
is then checked directly: confirmed rows and the seat counter must equal the capacity.

Runs on SQLite, then on PostgreSQL when --postgres is given or DATABASE_URL points at a
PostgreSQL server (a throw-away database is created there and dropped afterwards).
Expected (DESIGN.md): exactly `capacity` confirmed, everyone else waitlisted, no error.
Results replace the "Registration rush" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import DemoServer, machine, manage, production_env, write_section  # noqa: E402

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
w = Workshop.objects.get(slug="{slug}")
import json
print(json.dumps({{"confirmed": w.registrations.filter(status="confirmed").count(),
    "waitlisted": w.registrations.filter(status="waitlisted").count(), "counter": w.confirmed_count,
    "capacity": w.capacity}}))
"""
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')
STATUS = re.compile(r'data-registration-status="(\w+)"')


def _request(port: int, method: str, path: str, body: str = "", headers: dict | None = None, timeout: float = 600):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookie(headers) -> str:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0]
    return ""


class Resident(threading.Thread):
    def __init__(self, number: int, port: int, path: str, barrier: threading.Barrier):
        super().__init__(daemon=True)
        self.number, self.port, self.path, self.barrier = number, port, path, barrier
        self.outcome, self.latency, self.error = "", 0.0, ""

    def run(self):
        try:
            status, headers, html = _request(self.port, "GET", self.path)
            if status != 200:
                raise RuntimeError(f"GET {status}")
            cookie, token, key = _cookie(headers), TOKEN.search(html).group(1), KEY.search(html).group(1)
            form = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "submission_key": key,
                    "last_name": f"Habitant{self.number}",
                    "first_name": "Rush",
                    "preferred_channel": "email",
                    "email": f"rush{self.number}@example.org",
                }
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        except Exception as error:  # noqa: BLE001 - reported as an error of this resident
            self.error = f"page: {error!r}"
            self.barrier.wait()  # the others must not wait for this one
            return
        self.barrier.wait()
        started = time.perf_counter()
        try:
            status, response_headers, _body = _request(self.port, "POST", self.path, form, headers)
            self.latency = time.perf_counter() - started
            if status != 302:
                raise RuntimeError(f"POST {status}")
            location = {k.lower(): v for k, v in response_headers}["location"]
            _status, _h, page = _request(self.port, "GET", urlsplit(location).path)
            self.outcome = STATUS.search(page).group(1)
        except Exception as error:  # noqa: BLE001
            self.latency = self.latency or time.perf_counter() - started
            self.error = f"post: {error!r}"


class Probe(threading.Thread):
    """Requests /healthz every 100 ms during the rush."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.stop, self.latencies, self.failures = port, threading.Event(), [], 0

    def run(self):
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                status, _h, _b = _request(self.port, "GET", "/healthz", timeout=60)
                self.failures += status != 200
            except OSError:
                self.failures += 1
            self.latencies.append(time.perf_counter() - started)
            self.stop.wait(0.1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else 0.0


def rush(env: dict, var: Path, *, attempts: int, capacity: int, workers: int) -> dict:
    with DemoServer(var, env=env, workers=workers) as server:
        tag = uuid.uuid4().hex[:6]
        created = manage(env, "shell", "-c", CREATE_WORKSHOP.format(tag=tag, capacity=capacity))
        slug = created.stdout.strip().splitlines()[-1]
        path = f"/ateliers/{slug}/"
        barrier = threading.Barrier(attempts + 1)
        residents = [Resident(n, server.port, path, barrier) for n in range(attempts)]
        for resident in residents:
            resident.start()
        barrier.wait()  # every page is loaded: go
        probe = Probe(server.port)
        probe.start()
        started = time.perf_counter()
        for resident in residents:
            resident.join()
        elapsed = time.perf_counter() - started
        probe.stop.set()
        probe.join()
        counts = json.loads(manage(env, "shell", "-c", COUNT.format(slug=slug)).stdout.strip().splitlines()[-1])
    latencies = [r.latency for r in residents if r.latency]
    errors = [r.error for r in residents if r.error]
    return {
        "attempts": attempts,
        "confirmed": sum(r.outcome == "confirmed" for r in residents),
        "waitlisted": sum(r.outcome == "waitlisted" for r in residents),
        "errors": len(errors),
        "error_samples": errors[:3],
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p99": percentile(latencies, 99) * 1000,
        "elapsed": elapsed,
        "db": counts,
        "probe_max": max(probe.latencies, default=0) * 1000,
        "probe_failures": probe.failures,
        "probes": len(probe.latencies),
    }


def _postgres_url(args) -> str:
    url = args.postgres_url or os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return "postgres://postgres@127.0.0.1:5432/postgres" if args.postgres else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000, help="residents registering at once (default 1000)")
    parser.add_argument("--capacity", type=int, default=12, help="seats of the workshop (default 12)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--postgres", action="store_true", help="also run on the local PostgreSQL server")
    parser.add_argument("--postgres-url", default="", help="a PostgreSQL server URL (a database is created there)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    threading.stack_size(512 * 1024)  # a thousand residents, each a small thread
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "sqlite"
        var.mkdir()
        # Every simulated resident comes from 127.0.0.1: lift the per-address limit, which
        # would otherwise (rightly) stop the 31st registration from one address.
        env = production_env(var, RELAIS_MEDIATION_BOOKINGS_PER_IP_HOUR="0")
        env.pop("DATABASE_URL", None)
        results.append(("SQLite", rush(env, var, attempts=args.attempts, capacity=args.capacity, workers=args.workers)))
        print("SQLite", results[-1], flush=True)
        pg_url = _postgres_url(args)
        if pg_url:
            import psycopg

            parts = urlsplit(pg_url)
            admin = urlunsplit(parts._replace(path="/postgres"))
            name = f"relais_rush_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                var = Path(tmp) / "postgresql"
                var.mkdir()
                env = production_env(
                    var,
                    DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")),
                    RELAIS_MEDIATION_BOOKINGS_PER_IP_HOUR="0",
                )
                results.append(
                    ("PostgreSQL", rush(env, var, attempts=args.attempts, capacity=args.capacity, workers=args.workers))
                )
                print("PostgreSQL", results[-1], flush=True)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; gunicorn {args.workers} sync workers,",
        f"production settings. {args.attempts} residents (one thread each, loopback, `http.client`) load the page of a",
        f"{args.capacity}-seat workshop, then all POST the real registration form at once (CSRF token, distinct",
        "name and e-mail). Latency is the POST's, from the common start. /healthz is probed every 100 ms meanwhile.",
        "Expected: exactly the capacity confirmed, everyone else waitlisted, no error; the database agrees.",
        "All requests arrive in the same instant on a few sync workers: the latencies are mostly the wait in",
        "line (the /healthz probe waits in the same line); registrations/s is what the server sustained.",
        "All come from one address, so the per-address limit is lifted (`RELAIS_MEDIATION_BOOKINGS_PER_IP_HOUR=0`).",
        "",
        "| database | attempts | confirmed | waitlisted | errors | p50 ms | p99 ms | total s | registrations/s "
        "| DB: confirmed / counter | /healthz max ms (failures) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for label, r in results:
        lines.append(
            f"| {label} | {r['attempts']} | {r['confirmed']} | {r['waitlisted']} | {r['errors']} | {r['p50']:.0f} "
            f"| {r['p99']:.0f} | {r['elapsed']:.1f} | {r['attempts'] / r['elapsed']:.0f} "
            f"| {r['db']['confirmed']} / {r['db']['counter']} "
            f"| {r['probe_max']:.0f} ({r['probe_failures']}) |"
        )
    if any(r["errors"] for _l, r in results):
        lines += ["", "Errors (first ones): " + "; ".join(e for _l, r in results for e in r["error_samples"])]
    body = "\n".join(lines)
    if not args.no_write:
        write_section("Registration rush", body)
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
