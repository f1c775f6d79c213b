"""Registration rush through the partner API: N registrations at once on a 12-seat workshop.

    .venv/bin/python bench/api_rush.py [--attempts 1000] [--capacity 12] [--workers N] [--postgres]

Serves the demo with gunicorn (production settings, as bench/rush.py; both share
bench/rush_common.py), creates a workshop and a partner application (scope bookings:write), then one
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

import datetime
import json
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rush_common import all_ok, arguments, on_each_database, request, run_rush, serving, table  # noqa: E402
from bench.server import machine, manage, write_section  # noqa: E402

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
            status, _headers, body = request(self.port, "POST", "/api/v1/registrations", self.body, self.headers)
            self.latency = time.perf_counter() - started
            if status != 201:
                raise RuntimeError(f"POST {status}: {body[:200]}")
            self.outcome = json.loads(body)["status"]
        except Exception as error:  # noqa: BLE001 - reported as an error of this registration
            self.latency = self.latency or time.perf_counter() - started
            self.error = repr(error)


def main() -> None:
    parser = arguments(__doc__.splitlines()[0], "registrations sent")
    parser.add_argument(
        "--rate-limit", type=int, default=0,
        help="the application's requests per minute (default 0: not counted, as bench/rush.py lifts its "
        "per-address limit; 100000 counts every request in the shared cache)",
    )  # fmt: skip
    args = parser.parse_args()
    threading.stack_size(512 * 1024)  # a thousand partners, each a small thread

    def application(env, tag):
        created = manage(env, "shell", "-c", CREATE_APPLICATION.format(tag=tag, rate_limit=args.rate_limit))
        return created.stdout.strip().splitlines()[-1]

    def run(env, var):
        return run_rush(
            env, var, attempts=args.attempts, capacity=args.capacity, prepare=application, make_client=Partner
        )

    results = on_each_database(args, "relais_api_rush", run)
    _env, served = serving(args)
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; {served},",
        f"production settings. {args.attempts} registrations (one thread each, loopback, `http.client`) sent at once",
        f"by one partner application to `POST /api/v1/registrations` for a {args.capacity}-seat workshop: JSON body,",
        "application key, an `Idempotency-Key` each, a distinct resident each. Latency is the POST's, from the",
        "common start; /healthz is probed every 100 ms meanwhile. Server CPU, client cores and load average as in",
        '"Registration rush" above (same shared code, bench/rush_common.py).',
        f"The application's rate limit: {args.rate_limit or 'not counted'}"
        + (" requests per minute." if args.rate_limit else " (as bench/rush.py lifts its per-address limit)."),
        "Expected: exactly the capacity confirmed, everyone else waitlisted, no error; the database agrees.",
        "",
        *table(results),
    ]
    body = "\n".join(lines)
    if not args.no_write:
        write_section("API registration rush", body)
    print(body)
    sys.exit(0 if all_ok(results, args) else 1)


if __name__ == "__main__":
    main()
