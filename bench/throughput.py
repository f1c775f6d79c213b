"""Requests per second and p99 latency of key resident pages, against a bare Django view.

    make bench-throughput    (or: .venv/bin/python bench/throughput.py [--duration 10])

Serves the demo with gunicorn (2 workers, production settings, SQLite unless DATABASE_URL
is set) and loads each page with wrk (Debian package `wrk`) on loopback: 32 connections,
one wrk thread (the load generator shares the machine's cores with the server). Each
page is warmed up, then measured; the ratio compares it with a "hello" view served by
the same Django stack (same middleware). Target (DESIGN.md): ratio >= 50 %, p99 < 100 ms.
Results replace the "Throughput" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import DemoServer, machine, production_env, write_section  # noqa: E402

PAGES = [
    ("hello (baseline)", "/bench/hello"),
    ("home", "/"),
    ("search « carte grise »", "/recherche/?q=carte+grise"),
    ("procedure page", "/fiches/carte-identite/"),
    ("places", "/lieux/"),
    ("mutual-aid board", "/entraide/"),
    ("get digital help", "/aide-numerique/"),
]
# Anonymous visitors are served from the public-page cache; a session cookie (any
# logged-in resident or agent) bypasses it. Both are measured.
SESSION_COOKIE = "sessionid=bench-no-such-session"
CONNECTIONS = 32


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, duration: int, cookie: str = "", *, connections: int = CONNECTIONS) -> dict:
    headers = ["-H", "Accept-Encoding: gzip"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s|m)\b", out)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s|m)\b", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(*p50.groups()),
        "p99": _ms(*p99.groups()),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, errors.groups())) if errors else 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measure per page (default 10)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp), RELAIS_URLCONF="bench.urls")
        with DemoServer(Path(tmp), env=env, workers=2) as server:
            for cookie in ("", SESSION_COOKIE):
                for label, path in PAGES if not cookie else PAGES[1:]:
                    label = label if not cookie else f"{label}, no page cache (session cookie)"
                    run_wrk(server.url + path, 2, cookie)  # warm-up: caches, search index, connections
                    results.append((label, path, run_wrk(server.url + path, args.duration, cookie)))
                    print(label, results[-1][2], flush=True)
    baseline = results[0][2]["rps"]
    database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; gunicorn 2 sync workers, {database},",
        f"wrk 1 thread, {CONNECTIONS} connections, {args.duration} s per page after a 2 s warm-up, gzip accepted.",
        "Target: each page >= 50 % of the hello view's requests/s, p99 < 100 ms. Anonymous visitors get",
        "public pages from a 60 s page cache; with a session cookie (logged-in visitors) pages are rendered.",
        "",
        "| page | requests/s | ratio to hello | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, path, r in results:
        lines.append(
            f"| {label} `{path}` | {r['rps']:.0f} | {r['rps'] / baseline:.0%} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['errors']} |"
        )
    body = "\n".join(lines)
    write_section(f"Throughput ({database})", body)
    print(body)


if __name__ == "__main__":
    main()
