"""Requests per second and p99 latency of key resident pages, against a bare Django view.

    make bench-throughput    (or: .venv/bin/python bench/throughput.py [--duration 10])

Serves the demo with gunicorn (2 workers, production settings, SQLite unless DATABASE_URL
is set) and loads each page with wrk (Debian package `wrk`) on loopback: 32 connections,
one wrk thread (the load generator shares the machine's cores with the server: the cores
it used are reported beside each figure, bench.server.LoadGenerator). Each page is warmed
up, then measured; the ratio compares it with a "hello" view served by the same Django
stack (same middleware), measured in the same run. Pages are measured twice: for an
anonymous visitor (served from the public-page cache; target (DESIGN.md) ratio >= 50 %,
p99 < 100 ms) and for a logged-in resident (a real session of the demo's Marie Dupont,
made inside Django, its cookie sent by wrk: rendered for her, no page cache; target
(issue 18) ratio >= 15 %, p99 < 150 ms). Results replace the "Throughput" section of
BENCHMARKS.md; `--pages-only` measures just that, without the funnel below.

The funnel of online requests (cases.funnel) is measured side by side in the same run: a
second gunicorn on the same database with RELAIS_FUNNEL=0 serves the same pages of a draft
(a form's question page, the "check your answers" page), each request of a draft never
shown that page before (wrk cycles through fresh drafts, each left as the answer that leads
to the page leaves it: the step is counted by that POST, in the transaction saving the
answer, so the page itself writes nothing), then of one draft shown again. The cost of one
recording (the conditional UPDATE and the FunnelDay upsert, paid by the answer's POST) is
timed in process too. Results replace the section "Funnel
recording"; `--funnel-only` measures just that.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import (  # noqa: E402
    DemoServer,
    LoadGenerator,
    in_django,
    machine,
    production_env,
    write_section,
)

PAGES = [
    ("hello (baseline)", "/bench/hello"),
    ("home", "/"),
    ("search « carte grise »", "/recherche/?q=carte+grise"),
    ("procedure page", "/fiches/carte-identite/"),
    ("places", "/lieux/"),
    ("mutual-aid board", "/entraide/"),
    ("get digital help", "/aide-numerique/"),
]
# The public API (no key), beside the same baseline: reads served from its short cache
# (catalogue, places, board), and workshops, whose seats left change with each
# registration: kept under the seats taken and registration states, read each time. Its per-visitor rate limit counts every request, as in production,
# with a limit set out of reach (wrk is one visitor).
API_PAGES = [
    ("API places `/api/v1/places`", "/api/v1/places"),
    ("API procedures `/api/v1/procedures`", "/api/v1/procedures"),
    ("API one procedure", "/api/v1/procedures/carte-identite"),
    ("API mutual-aid board", "/api/v1/listings"),
    ("API workshops (seats left: kept under the seats taken and registration states)", "/api/v1/workshops"),
]
API_RATE_LIMIT = "1000000000"
# Anonymous visitors are served from the public-page cache; a logged-in resident (a session
# cookie) gets pages rendered for her. Both are measured.
RESIDENT_EMAIL = "marie.dupont@example.org"
CONNECTIONS = 32


def resident_session() -> str:
    """A session of the demo resident with an account, as her login makes it; returns its
    key (run inside Django)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.base import SessionBase

    user = get_user_model().objects.get(email=RESIDENT_EMAIL)
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def logged_in_cookie(env: dict, url: str) -> str:
    """The cookies of a fresh resident session (and its CSRF cookie), checked: the home page
    greets her."""
    import gzip
    import urllib.request

    key = _in_django(env, "print(t.resident_session())").split()[-1]
    cookie = f"sessionid={key}"
    request = urllib.request.Request(url + "/", headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        # Her browser keeps the CSRF cookie the first page set (for the logout form), as wrk
        # must: without it every page would make a new one.
        csrf = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [] if c.startswith("csrftoken=")]
    if "Se déconnecter".encode() not in body:
        raise RuntimeError("the resident's session is not logged in")
    return "; ".join([cookie, *csrf])


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, duration: int, cookie: str = "", *, connections: int = CONNECTIONS, script: str = "") -> dict:
    headers = ["-H", "Accept-Encoding: gzip"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    scripted = ["-s", script] if script else []
    with LoadGenerator() as load:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", *headers, *scripted,
             url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # fmt: skip
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
        "wrk_cores": load.cores,
    }


# ---------------------------------------------------------------- the funnel, on and off

FUNNEL_FORM = "rendez-vous-ccas"  # one question per page, no account needed
# Drafts made per page and server: more than wrk sends in one measure, so that every
# request of the "first view" runs meets a draft that has not counted that page yet.
FUNNEL_DRAFTS = 4000
LUA_CYCLE = """paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i - 1) %% #paths + 1])
end
"""


def make_drafts(count: int, page: str, *, counted: bool = True) -> list[str]:
    """`count` drafts of FUNNEL_FORM, started a minute ago and counted up to `page`
    ("question": question 2; "check") as the answer POST leading there counts it, with the
    answers and contact a resident would have given; returns the page's path of each (run
    inside Django)."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from relais.cases import funnel
    from relais.cases.models import Draft, Form

    form = Form.objects.get(slug=FUNNEL_FORM)
    steps = funnel.steps_of(form)
    fields = list(form.fields.all())
    before = steps.index(funnel.QUESTION_PREFIX + fields[1].key) if page == "question" else steps.index(funnel.CHECK)
    before -= 0 if counted else 1  # not counted: the recording below has the page to count
    step = steps[before]
    started = timezone.now() - datetime.timedelta(minutes=1)
    data = {
        "answers": {"motif": "Logement", "precisions": "Bench", "moments": ["Le matin"]},
        "contact": {"first_name": "Banc", "last_name": "Essai", "preferred_channel": "email", "email": "b@example.org"},
    }
    drafts = Draft.objects.bulk_create(
        [Draft(form=form, data=data, funnel_at=started, funnel_step=step) for _ in range(count)], batch_size=500
    )
    if page == "question":
        return [reverse("cases:question", args=[form.slug, d.key, 2]) for d in drafts]
    return [reverse("cases:check", args=[form.slug, d.key]) for d in drafts]


def recording_cost(count: int = 2000) -> dict:
    """Milliseconds of one recording in process: a step newly reached (conditional UPDATE +
    one upsert, in a transaction) and a step shown again (no write)."""
    from django.db import connection

    from relais.cases import funnel
    from relais.cases.models import Draft, Form

    form = Form.objects.get(slug=FUNNEL_FORM)
    fields = list(form.fields.all())
    step = funnel.QUESTION_PREFIX + fields[1].key
    make_drafts(count, "question", counted=False)
    first = funnel.QUESTION_PREFIX + fields[0].key
    drafts = list(Draft.objects.filter(form=form, funnel_step=first, case__isnull=True)[:count])
    timings = {"first": [], "again": []}
    for draft in drafts:
        for kind in ("first", "again"):
            began = time.perf_counter()
            funnel.step_shown(draft, step, form=form, fields=fields)
            timings[kind].append((time.perf_counter() - began) * 1000)
    connection.close()

    def summary(values):
        values = sorted(values)
        return {"median": statistics.median(values), "p99": values[int(len(values) * 0.99) - 1]}

    return {kind: summary(values) for kind, values in timings.items()}


def _in_django(env: dict, code: str) -> str:
    """Run `code` (with this module imported as `t`) in a process set up like the server."""
    return in_django(env, "import bench.throughput as t; " + code)


def measure_funnel(tmp: Path, env: dict, server_on, duration: int, rounds: int) -> tuple[list, dict]:
    """The two pages with RELAIS_FUNNEL on (`server_on`) and off (a second server, same
    database), side by side: fresh drafts, then one draft shown again; `rounds` rounds,
    on and off alternating which goes first (the machine may be busy with other work),
    each figure the median of its rounds."""
    runs: dict[tuple[str, str], list[dict]] = {}
    env_off = {**env, "RELAIS_FUNNEL": "0"}
    with DemoServer(tmp, env=env_off, workers=2, prepare=False) as server_off:
        servers = [("on", server_on), ("off", server_off)]
        for round_ in range(rounds):
            for page in ("question", "check"):
                name = "question 2" if page == "question" else "check your answers"
                for label, server in servers if round_ % 2 == 0 else servers[::-1]:
                    paths = tmp / f"paths-{page}-{label}-{round_}.txt"
                    out = _in_django(env, f"print('\\n'.join(t.make_drafts({FUNNEL_DRAFTS}, {page!r})))")
                    paths.write_text(out)
                    script = tmp / f"cycle-{page}-{label}-{round_}.lua"
                    script.write_text(LUA_CYCLE % paths)
                    first, again = out.split()[0], out.split()[-1]
                    run_wrk(server.url + again, 2)  # warm-up (this draft then serves "shown again")
                    fresh = run_wrk(server.url + first, duration, script=str(script))
                    runs.setdefault((f"{name}, each request a draft's first view", label), []).append(fresh)
                    shown = run_wrk(server.url + again, duration)
                    runs.setdefault((f"{name}, the same draft shown again", label), []).append(shown)
                    print(round_, name, label, fresh, shown, flush=True)
    results = [
        (label, state, {k: statistics.median(r[k] for r in values) for k in ("rps", "p50", "p99")}, values)
        for (label, state), values in runs.items()
    ]
    results.sort(key=lambda r: (r[0], r[1] == "off"))
    cost = json_loads(_in_django(env, "import json; print(json.dumps(t.recording_cost()))"))
    return results, cost


def json_loads(text: str) -> dict:
    import json

    return json.loads(text.strip().splitlines()[-1])


def funnel_section(
    results: list, cost: dict, baseline: dict, duration: int, rounds: int, database: str, load: float
) -> str:
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; gunicorn 2 sync workers, {database},",
        f"wrk 1 thread, {CONNECTIONS} connections, {duration} s per page after a 2 s warm-up, gzip accepted.",
        f"Two servers on the same database, RELAIS_FUNNEL=1 and RELAIS_FUNNEL=0, measured one after the other in {rounds}",
        "rounds (alternating which goes first); each figure is the median of its rounds, errors their sum.",
        f'"First view": wrk cycles through {FUNNEL_DRAFTS} new drafts of « {FUNNEL_FORM} » a round, each never shown the',
        "page, counted by the answer POST that led there (the recording's write is in that POST's transaction,",
        'timed below); "shown again": one draft. Target (issue 16): the funnel never slows a form page.',
        f"Load average when the measure began: {load:.1f} (other work on the machine widens the spread).",
        "",
        "| page | funnel | requests/s | ratio to off | ratio to hello | p50 ms | p99 ms | errors | requests/s by round |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| hello (baseline) `/bench/hello` | — | {baseline['rps']:.0f} | — | 100% | {baseline['p50']:.1f} "
        f"| {baseline['p99']:.1f} | {baseline['errors']} | |",
    ]
    off = {label: r for label, state, r, _runs in results if state == "off"}
    for label, state, r, runs in results:
        errors = sum(run["errors"] for run in runs)
        by_round = " / ".join(f"{run['rps']:.0f}" for run in runs)
        lines.append(
            f"| {label} | {state} | {r['rps']:.0f} | {r['rps'] / off[label]['rps']:.0%} | {r['rps'] / baseline['rps']:.0%} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} | {errors} | {by_round} |"
        )
    lines += [
        "",
        f"One recording in process (2000 drafts, `funnel.step_shown`, {database} as served):",
        f"a step newly reached (UPDATE + upsert, one transaction) median **{cost['first']['median']:.2f} ms**, "
        f"p99 {cost['first']['p99']:.2f} ms; a step shown again (no query) median {cost['again']['median']:.3f} ms, "
        f"p99 {cost['again']['p99']:.3f} ms.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measure per page (default 10)")
    parser.add_argument("--funnel-only", action="store_true", help="measure only the funnel on and off")
    parser.add_argument("--pages-only", action="store_true", help="measure only the pages (no funnel)")
    parser.add_argument("--funnel-rounds", type=int, default=3, help="rounds of the funnel on/off measure (default 3)")
    parser.add_argument("--api-only", action="store_true", help="measure only the public API against hello")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if args.api_only:
        measure_api(args.duration)
        return
    results = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp), RELAIS_URLCONF="bench.urls")
        with DemoServer(Path(tmp), env=env, workers=2) as server:
            cookies = [""] if args.funnel_only else ["", logged_in_cookie(env, server.url)]
            for cookie in cookies:
                for label, path in PAGES[: 1 if args.funnel_only else None] if not cookie else PAGES[1:]:
                    label = label if not cookie else f"{label}, logged-in resident (rendered)"
                    run_wrk(server.url + path, 2, cookie)  # warm-up: caches, search index, connections
                    before = server_cpu(server)
                    measured = run_wrk(server.url + path, args.duration, cookie)
                    requests = measured["rps"] * args.duration
                    measured["server_ms"] = (server_cpu(server) - before) * 1000 / requests if requests else 0.0
                    results.append((label, path, measured))
                    print(label, results[-1][2], flush=True)
            load_end = os.getloadavg()[0]
            if not args.pages_only:
                funnel_results, cost = measure_funnel(Path(tmp), env, server, args.duration, args.funnel_rounds)
    database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"
    if not args.pages_only:
        body = funnel_section(funnel_results, cost, results[0][2], args.duration, args.funnel_rounds, database, load)
        write_section(f"Funnel recording ({database})", body)
        print(body)
    if args.funnel_only:
        return
    write_pages_section(results, args.duration, database, load, load_end)


def server_cpu(server) -> float:
    """CPU seconds used so far by the server's gunicorn processes (master and workers, from
    /proc): divided by the requests served, the server's own cost of a request, which other
    work on the machine hardly changes (unlike requests/s)."""
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = [master, *map(int, children.read_text().split())] if children.exists() else [master]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def write_pages_section(results: list, duration: int, database: str, load: float, load_end: float) -> None:
    baseline = results[0][2]["rps"]
    rendered = [r for label, _path, r in results if "logged-in" in label]
    worst_ratio = min(r["rps"] for r in rendered) / baseline if rendered else 0
    worst_p99 = max(r["p99"] for r in rendered) if rendered else 0
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; gunicorn 2 sync workers, {database},",
        f"wrk 1 thread, {CONNECTIONS} connections, {duration} s per page after a 2 s warm-up, gzip accepted; hello",
        "measured in the same run. *wrk cores*: CPU the load generator itself used (of the machine's 2), so a ratio",
        "is read knowing what the client took from the server. *Server CPU ms/request*: CPU the gunicorn processes",
        "used per request served (from /proc), which other work on the machine changes far less than requests/s;",
        "its ratio to hello's is what the requests/s ratio would be with the server alone on the machine.",
        f"Load average (1 min) when the measure began: {load:.1f}, when it ended: {load_end:.1f} (other work on the",
        "machine widens the spread).",
        "",
        "Targets: anonymous visitors (served from the 60 s public-page cache) >= 50 % of hello, p99 < 100 ms;",
        "**a logged-in resident** (a real session of the demo's resident with an account; pages rendered for her,",
        'no page cache; the parts the same for everyone are kept rendered, see README, "Performance")',
        f"**>= 15 % of hello, p99 < 150 ms** — here: worst page {worst_ratio:.1%} of hello, worst p99 {worst_p99:.0f} ms.",
        "",
        "| page | requests/s | ratio to hello | p50 ms | p99 ms | errors | wrk cores | server CPU ms/request "
        "| CPU ratio (hello's ms / page's) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    hello_ms = results[0][2].get("server_ms") or 0.0
    for label, path, r in results:
        ms = r.get("server_ms") or 0.0
        lines.append(
            f"| {label} `{path}` | {r['rps']:.0f} | {r['rps'] / baseline:.0%} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['errors']} | {r['wrk_cores']:.2f} | {ms:.2f} | {hello_ms / ms if ms else 0:.0%} |"
        )
    body = "\n".join(lines)
    write_section(f"Throughput ({database})", body)
    print(body)


def measure_api(duration: int) -> None:
    """hello, then the public API's reads, on one server; appends its own section."""
    load = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp), RELAIS_URLCONF="bench.urls", RELAIS_API_PUBLIC_PER_MINUTE=API_RATE_LIMIT)
        with DemoServer(Path(tmp), env=env, workers=2) as server:
            for label, path in [PAGES[0], *API_PAGES]:
                run_wrk(server.url + path, 2)  # warm-up
                results.append((label, path, run_wrk(server.url + path, duration)))
                print(label, results[-1][2], flush=True)
    database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"
    baseline = results[0][2]["rps"]
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; gunicorn 2 sync workers, {database},",
        f"wrk 1 thread, {CONNECTIONS} connections, {duration} s per address after a 2 s warm-up, gzip accepted.",
        "Target (issue 17): public reads >= 50 % of the hello view's requests/s. The per-visitor rate limit",
        "counts every request (limit set out of reach); answers of the catalogue, places and board are kept",
        "60 s under the public-content version; workshops 30 s under it and under the seats taken and",
        "registration states (one small query per request: a seat taken is a new answer at once).",
        f"Load average when the measure began: {load:.1f} (other work on the machine widens the spread).",
        "",
        "| address | requests/s | ratio to hello | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, path, r in results:
        name = label if "`" in label else f"{label} `{path}`"
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['rps'] / baseline:.0%} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |"
        )
    body = "\n".join(lines)
    write_section(f"Public API throughput ({database})", body)
    print(body)


if __name__ == "__main__":
    main()
