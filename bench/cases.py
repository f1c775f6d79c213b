"""Back-office queue with 100 000 cases (and 1 000 000 on PostgreSQL), and request submission.

    make bench-cases                      SQLite, 100 000 cases
    .venv/bin/python bench/cases.py --postgres            PostgreSQL (127.0.0.1:5432), 100 000 cases
    .venv/bin/python bench/cases.py --postgres --million  PostgreSQL, 1 000 000 cases

1. Loads the demo, then adds N requests to État civil, spread over two years, all statuses
   and channels, with 20 000 distinct residents (SQLite: bulk inserts; PostgreSQL: one
   INSERT … SELECT over generate_series, then VACUUM ANALYZE as autovacuum would).
2. For every page of the back-office (each tab, searches, filters, a deep page, the case
   page): its SQL queries and its median time in process (one request at a time), then
   under load: gunicorn (the README's deployment recipe, deploy/gunicorn.conf.py), wrk with
   8 connections (a team of agents clicking without pause), the "hello" view measured in
   the same run as the baseline, the cores wrk used and the load average.
3. Measures submissions: 16 concurrent agents recording requests through the real staff
   form (CSRF token, one POST per request, a fresh submission key each), for 20 s.
Results replace the "Requests back-office (…)" section of BENCHMARKS.md (`--no-write`: printed only).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import (  # noqa: E402
    DemoServer,
    LoadGenerator,
    load_average,
    machine,
    manage,
    production_env,
    staff_client,
    staff_cookie,
    write_section,
)
from bench.throughput import run_wrk  # noqa: E402

WORKER = "etat-civil@valbrenne.fr"
AGENT = "accueil@valbrenne.fr"
AGENTS = 8  # simultaneous case workers on the queue pages
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "backoffice_bench"


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
    import django

    django.setup()


def fill(n: int) -> None:
    """Add `n` cases to État civil with bulk inserts (no per-case services: this is volume)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        fill_postgresql(n)
        return
    from django.utils import timezone

    from relais.cases.models import Case, Form, ReferenceCounter, Status
    from relais.core.models import Channel

    rng = random.Random(42)
    forms = list(Form.objects.filter(team__slug="etat-civil"))
    people = _people()
    statuses = [s for s, _ in Status.choices]
    channels = [c for c, _ in Channel.choices]
    now = timezone.now()
    year = timezone.localtime(now).year
    start = ReferenceCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0
    batch = []
    for i in range(n):
        person = people[rng.randrange(len(people))]
        submitted = now - datetime.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        reference = f"{year}-{start + i + 1:06d}"
        batch.append(
            Case(
                reference=reference,
                form=forms[i % len(forms)],
                team_id=forms[0].team_id,
                person=person,
                answers=[{"key": "x", "label": "Question", "kind": "text", "value": "réponse", "display": "réponse"}],
                channel=rng.choice(channels),
                status=rng.choice(statuses),
                submitted_at=submitted,
                due_date=(submitted + datetime.timedelta(days=15)).date(),
                search_text=_search_text(reference, person),
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last": start + n})


def _search_text(reference: str, person) -> str:
    from relais.core.text import fold

    return fold(f"{reference} {person.first_name} {person.last_name}")


def fill_postgresql(n: int) -> None:
    """The same cases as `fill`, generated inside PostgreSQL by one INSERT … SELECT over
    generate_series (1 000 000 cases in well under a minute): statuses, channels, forms,
    residents and dates spread by arithmetic on the row number rather than drawn at random."""
    from django.db import connection
    from django.utils import timezone

    from relais.cases.models import Case, Form, ReferenceCounter, Status
    from relais.core.models import Channel

    forms = list(Form.objects.filter(team__slug="etat-civil").values_list("pk", flat=True))
    team_id = Form.objects.get(pk=forms[0]).team_id
    people = _people()
    now = timezone.now()
    year = timezone.localtime(now).year
    start = ReferenceCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0
    statuses = [s for s, _ in Status.choices]
    channels = [c for c, _ in Channel.choices]
    # Every NOT NULL column without a value here must be named: fail loudly if one is added.
    given = {"reference", "form_id", "team_id", "person_id", "answers", "channel", "status", "submitted_at"}
    given |= {"updated_at", "due_date", "search_text", "token", "location_text", "sender_digest"}
    required = {f.column for f in Case._meta.concrete_fields if not f.null and not f.primary_key}
    assert required <= given, required - given
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_people (n int PRIMARY KEY, id bigint, names text)")
        cursor.executemany(
            "INSERT INTO bench_people VALUES (%s, %s, %s)",
            [(k, p.pk, f"{p.first_name} {p.last_name}") for k, p in enumerate(people)],
        )
        cursor.execute(
            """
            INSERT INTO cases_case (reference, form_id, team_id, person_id, answers, channel, status,
                submitted_at, updated_at, due_date, search_text, token, location_text, sender_digest)
            SELECT ref, forms[1 + i %% cardinality(forms)], %(team)s, p.id,
                '[{"key": "x", "label": "Question", "kind": "text", "value": "réponse", "display": "réponse"}]',
                channels[1 + (i * 7 + i / 13) %% cardinality(channels)],
                statuses[1 + (i * 5 + i / 11) %% cardinality(statuses)],
                at, at, (at + interval '15 days')::date,
                lower(ref || ' ' || translate(p.names, 'éÉ', 'ee')), 'bench-' || i, '', ''
            FROM (
                SELECT i, %(year)s || '-' || lpad((%(start)s + i)::text, greatest(6, length((%(start)s + i)::text)), '0') AS ref,
                    %(now)s - ((i * 104729) %% (2 * 365 * 24 * 60)) * interval '1 minute' AS at,
                    (i * 7919) %% %(people)s AS k,
                    %(forms)s::bigint[] AS forms, %(channels)s::text[] AS channels,
                    %(statuses)s::text[] AS statuses
                FROM generate_series(1::bigint, %(n)s) AS i
            ) AS g JOIN bench_people p ON p.n = g.k
            """,
            {
                "team": team_id,
                "year": str(year),
                "start": start,
                "now": now,
                "people": len(people),
                "forms": forms,
                "channels": channels,
                "statuses": statuses,
                "n": n,
            },
        )
        cursor.execute("DROP TABLE bench_people")
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last": start + n})
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("CHECKPOINT")  # the fill's dirty pages written now, not during the measures


def _people() -> list:
    from relais.core.models import Person
    from relais.core.text import fold

    return Person.objects.bulk_create(
        [
            Person(
                first_name=f"Prénom{i}",
                last_name=f"Nom{i}",
                phone=f"06{i:08d}",
                preferred_channel="sms",
                search_text=fold(f"Prénom{i} Nom{i} 06{i:08d}"),
            )
            for i in range(20_000)
        ],
        batch_size=2000,
    )


def queries_per_page(urls: list[str]) -> tuple[dict[str, int], dict[str, float]]:
    """SQL queries of each page, and its median time in process (one request at a time,
    no HTTP server: the time a case worker waits on an idle server)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(WORKER)
    counts, medians = {}, {}
    for url in urls:
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(queries)
        times = []
        for _ in range(15):
            began = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        medians[url] = statistics.median(times)
    return counts, medians


def submissions(base: str, cookie: str, person_pk: int, seconds: int, agents: int) -> dict:
    """Concurrent agents recording requests through the staff form."""
    parts = urlsplit(base)
    path = f"/gestion/personnes/{person_pk}/demande/rendez-vous-ccas/?canal=phone"
    latencies, errors, lock = [], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def agent():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        html = response.read().decode()
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        jar = cookie + (f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else "")
        while time.monotonic() < stop:
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "submission_key": str(uuid.uuid4()),
                    "motif": "Logement",
                    "moments": "Le matin",
                }
            )
            began = time.perf_counter()
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Cookie": jar, "Content-Type": "application/x-www-form-urlencoded", "Referer": base + path},
            )
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            with lock:
                if response.status == 302:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=agent) for _ in range(agents)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "per_second": len(latencies) / seconds,
        "done": len(latencies),
        "errors": errors[0],
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0,
    }


def pages_to_measure() -> dict[str, str]:
    """Every view of the queue a case worker clicks, and a case page."""
    from relais.cases.models import Case

    case = Case.objects.filter(team__slug="etat-civil").order_by("-submitted_at", "-pk").first()
    return {
        "tab: all": "/gestion/dossiers/?onglet=toutes",
        "tab: new": "/gestion/dossiers/?onglet=nouvelles",
        "tab: mine": "/gestion/dossiers/?onglet=miennes",
        "tab: waiting for the resident": "/gestion/dossiers/?onglet=attente",
        "tab: late, by due date": "/gestion/dossiers/?onglet=retard",
        "tab: done": "/gestion/dossiers/?onglet=traitees",
        "search by name": "/gestion/dossiers/?onglet=toutes&q=nom1234",
        "search by the start of a reference": f"/gestion/dossiers/?onglet=toutes&q={case.reference[:9]}",
        "filter status + channel + period": "/gestion/dossiers/?onglet=toutes&status=submitted&channel=phone"
        f"&start={datetime.date.today().year}-01-01&end={datetime.date.today().year}-06-30",
        "filter: nobody assigned": "/gestion/dossiers/?onglet=toutes&assignee=none",
        "sort by due date": "/gestion/dossiers/?onglet=toutes&sort=due_date",
        "page 500": "/gestion/dossiers/?onglet=toutes&page=500",
        "case page": case.get_absolute_url(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help=f"PostgreSQL at {PG_SERVER}, database {PG_NAME}")
    parser.add_argument("--million", action="store_true", help="1 000 000 cases (with --postgres)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--no-submissions", action="store_true", help="skip the submissions measure")
    parser.add_argument("--only", default="", help="only the pages whose label contains this (a quick look)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    cases = 1_000_000 if args.million else args.cases
    extra = {}
    if args.postgres:
        import psycopg

        extra["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    # The README's recipe (deploy/gunicorn.conf.py), as in production.
    gunicorn_args = ("-c", str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"))
    server_label = f"gunicorn {args.workers} workers, one request at a time each (deploy/gunicorn.conf.py)"
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp), RELAIS_URLCONF="bench.urls", **extra)
        if not args.postgres:
            env.pop("DATABASE_URL", None)
        database = "PostgreSQL" if args.postgres else "SQLite"
        for command in (
            ["migrate", "--noinput"],
            ["demo_load", "--allow-without-debug"],
            ["collectstatic", "--noinput"],
        ):
            manage(env, *command)
        setup_django(env)
        began = time.perf_counter()
        fill(cases)
        fill_seconds = time.perf_counter() - began
        print(f"{cases} cases added in {fill_seconds:.0f} s", flush=True)
        from relais.cases.models import Case
        from relais.core.models import Person

        total = Case.objects.count()
        pages = {label: url for label, url in pages_to_measure().items() if args.only in label}
        counts, medians = queries_per_page(list(pages.values()))
        print("in process", medians, flush=True)
        cookie = staff_cookie(WORKER)
        agent_cookie = staff_cookie(AGENT)
        person = Person.objects.get(first_name="Jeanne", last_name="Martin")
        from django.db import connections

        connections.close_all()  # the server's processes use their own
        with DemoServer(Path(tmp), env=env, prepare=False, workers=args.workers, gunicorn_args=gunicorn_args) as server:
            results = []
            for label, url in [("hello (baseline)", "/bench/hello"), *pages.items()]:
                run_wrk(server.url + url, 2, cookie, connections=AGENTS)  # warm-up
                load = load_average()
                with LoadGenerator() as generator:
                    measured = run_wrk(server.url + url, args.duration, cookie, connections=AGENTS)
                results.append((label, url, measured, generator.cores, load))
                print(label, measured, f"wrk {generator.cores:.2f} cores, load {load}", flush=True)
            submitted = None
            if not args.no_submissions:
                submitted = submissions(server.url, agent_cookie, person.pk, 20, 16)
                print("submissions", submitted, flush=True)
    if args.postgres:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    hello = results[0][2]
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; {database}; {server_label}, persistent "
        f"database connections (`DB_CONN_MAX_AGE`, 60 s by default, SQLite and PostgreSQL);",
        f"{total:,} cases in the database ({cases:,} added to État civil in {fill_seconds:.0f} s), a case worker of "
        "État civil logged in with 2FA. Queue pages show 50 cases with tab counts, filters and bulk actions. "
        "*One request*: median time in process (15 requests, one at a time). *Under load*: wrk, "
        f"{AGENTS} connections (a team of agents all clicking at once, no pause) for {args.duration} s; wrk runs on "
        "the same 2 cores (*wrk cores*: the CPU it used) and other work may be running on the machine "
        "(*load*: the 1-minute load average before each measure). Targets (issue 18): under 25 ms in process, "
        f"p99 under 150 ms under load. The hello view, same server, same run: {hello['rps']:.0f} requests/s, "
        f"p99 {hello['p99']:.0f} ms.",
        "",
        "| page | SQL queries | one request, ms | under load: requests/s | ratio to hello | p50 ms | p99 ms "
        "| errors | wrk cores | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, url, r, cores, load in results:
        lines.append(
            f"| {label} | {counts.get(url, 0) if url in counts else '—'} "
            f"| {f'{medians[url]:.1f}' if url in medians else '—'} | {r['rps']:.0f} "
            f"| {r['rps'] / hello['rps']:.0%} | {r['p50']:.0f} | {r['p99']:.0f} | {r['errors']} | {cores:.2f} | {load} |"
        )
    if submitted:
        lines += [
            "",
            f"Submissions: 16 agents recording requests by phone through the staff form for 20 s: "
            f"**{submitted['per_second']:.1f} requests filed per second** ({submitted['done']} filed, "
            f"{submitted['errors']} errors), p50 {submitted['p50']:.0f} ms, p99 {submitted['p99']:.0f} ms "
            "(each filing writes the case, its timeline, the audit entry and the receipt in the outbox).",
        ]
    body = "\n".join(lines)
    title = f"Requests back-office ({database}{', 1,000,000 cases' if cases >= 1_000_000 else ''})"
    if not args.no_write:
        write_section(title, body)
    print(body)


if __name__ == "__main__":
    main()
