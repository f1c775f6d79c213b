"""Registration rush: N residents register for a 12-seat workshop in the same instant.

    .venv/bin/python bench/rush.py [--attempts 1000] [--capacity 12] [--workers N] [--postgres]

Serves the demo with gunicorn (production settings, deploy/gunicorn.conf.py) and, from a load generator on
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

import datetime
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rush_common import all_ok, arguments, on_each_database, request, run_rush, serving, table  # noqa: E402
from bench.server import machine, write_section  # noqa: E402

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')
STATUS = re.compile(r'data-registration-status="(\w+)"')


def _cookie(headers) -> str:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0]
    return ""


class Resident(threading.Thread):
    def __init__(self, number: int, port: int, slug: str, _extra, barrier: threading.Barrier):
        super().__init__(daemon=True)
        self.number, self.port, self.path, self.barrier = number, port, f"/ateliers/{slug}/", barrier
        self.outcome, self.latency, self.error = "", 0.0, ""

    def run(self):
        try:
            status, headers, html = request(self.port, "GET", self.path)
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
            status, response_headers, _body = request(self.port, "POST", self.path, form, headers)
            self.latency = time.perf_counter() - started
            if status != 302:
                raise RuntimeError(f"POST {status}")
            location = {k.lower(): v for k, v in response_headers}["location"]
            _status, _h, page = request(self.port, "GET", urlsplit(location).path)
            self.outcome = STATUS.search(page).group(1)
        except Exception as error:  # noqa: BLE001
            self.latency = self.latency or time.perf_counter() - started
            self.error = f"post: {error!r}"


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "residents registering")
    args = parser.parse_args()
    threading.stack_size(512 * 1024)  # a thousand residents, each a small thread

    def run(env, var):
        return run_rush(
            env, var, attempts=args.attempts, capacity=args.capacity, prepare=lambda env, tag: None,
            make_client=Resident,
        )  # fmt: skip

    # Every simulated resident comes from 127.0.0.1: lift the per-address limit, which
    # would otherwise (rightly) stop the 31st registration from one address.
    results = on_each_database(args, "relais_rush", run, RELAIS_MEDIATION_BOOKINGS_PER_IP_HOUR="0")
    _env, served = serving(args)
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; {served},",
        f"production settings. {args.attempts} residents (one thread each, loopback, `http.client`) load the page of a",
        f"{args.capacity}-seat workshop, then all POST the real registration form at once (CSRF token, distinct",
        "name and e-mail). Latency is the POST's, from the common start; each resident then follows the redirect",
        "to the page of their registration (counted in the total). /healthz is probed every 100 ms meanwhile.",
        "Expected: exactly the capacity confirmed, everyone else waitlisted, no error; the database agrees, and",
        "every registration has its message in the outbox (written by the worker after the commit: no worker runs",
        "here, so they wait there, unwritten). Server CPU: the gunicorn processes' CPU time during the rush, per",
        "registration (POST and the page after it); database CPU: the same for PostgreSQL's processes (its",
        "backends and its writers, on the same 2 cores; SQLite runs inside the server's processes); client cores:",
        "CPU of the 1,000 client threads (`LoadGenerator`)",
        "per second of the rush, on the same 2 cores; load average: 1 minute, when the rush began.",
        "All come from one address, so the per-address limit is lifted (`RELAIS_MEDIATION_BOOKINGS_PER_IP_HOUR=0`).",
        "One registration, inside a caller's transaction (a test): 19 statements on SQLite, 15 without savepoints,",
        "BEGIN and COMMIT (70 and 39 before the outbox's messages were written after the commit, 45 and 22 before",
        "the person's CHECK constraints were decided in Python, 39 and 19 before the registration and each journal",
        "entry stopped opening savepoints of their own and its two journal entries were sealed together, 25 before",
        "the person's creation stopped opening one, 23 before neither the resident's creation nor the seat opened",
        "one inside the registration's transaction; asserted by tests/mediation/test_registrations.py). On",
        "PostgreSQL, as served: 15 statements for the POST (the workshop and its sessions, 9 in the",
        "registration's transaction, 4 for the journal's seal after it) and 3 for the page after it (21 and 3",
        "before those savepoints went and the seal lost two statements).",
        "",
        *table(results),
    ]
    body = "\n".join(lines)
    if not args.no_write:
        write_section("Registration rush", body)
    print(body)
    sys.exit(0 if all_ok(results, args) else 1)


if __name__ == "__main__":
    main()
