"""Back-office queue with 100 000 cases, and request submission throughput.

    make bench-cases         (or: .venv/bin/python bench/cases.py [--cases 100000])
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench make bench-cases

1. Loads the demo, then adds N requests (default 100 000) to État civil, spread over two
   years, all statuses and channels, with 20 000 distinct residents.
2. Counts the SQL queries of the queue page (in process) and measures it under load:
   gunicorn, 2 workers, wrk with 8 connections, a case worker's session (2FA done).
3. Measures submissions: 16 concurrent agents recording requests through the real staff
   form (CSRF token, one POST per request, a fresh submission key each), for 20 s.
Results replace the "Requests back-office" section of BENCHMARKS.md.
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

from bench.server import DemoServer, machine, manage, production_env, write_section  # noqa: E402
from bench.throughput import run_wrk  # noqa: E402

WORKER = "etat-civil@valbrenne.fr"
AGENT = "accueil@valbrenne.fr"
AGENTS = 8  # simultaneous case workers on the queue pages


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
    import django

    django.setup()


def fill(n: int) -> None:
    """Add `n` cases to État civil with bulk inserts (no per-case services: this is volume)."""
    from django.utils import timezone

    from relais.cases.models import Case, Form, ReferenceCounter, Status
    from relais.core.models import Channel, Person
    from relais.core.text import fold

    rng = random.Random(42)
    forms = list(Form.objects.filter(team__slug="etat-civil"))
    people = Person.objects.bulk_create(
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
                search_text=fold(f"{reference} {person.first_name} {person.last_name}"),
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last": start + n})


def staff_cookie(email: str) -> str:
    """A session cookie of a staff member who logged in with password and second factor."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
    from django.test import Client

    from relais.accounts.models import User

    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return f"sessionid={session.session_key}"


def queries_per_page(urls: list[str]) -> tuple[dict[str, int], dict[str, float]]:
    """SQL queries of each page, and its median time in process (one request at a time,
    no HTTP server: the time a case worker waits on an idle server)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_COOKIE=staff_cookie(WORKER), SERVER_NAME="127.0.0.1")
    client.cookies.load(staff_cookie(WORKER))
    counts, medians = {}, {}
    for url in urls:
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(queries)
        times = []
        for _ in range(9):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp))
        database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"
        if database == "PostgreSQL":
            manage(env, "flush", "--noinput")
        for command in (
            ["migrate", "--noinput"],
            ["demo_load", "--allow-without-debug"],
            ["collectstatic", "--noinput"],
        ):
            manage(env, *command)
        setup_django(env)
        began = time.perf_counter()
        fill(args.cases)
        fill_seconds = time.perf_counter() - began
        from relais.cases.models import Case
        from relais.core.models import Person

        total = Case.objects.count()
        pages = {
            "queue, all": "/gestion/dossiers/?onglet=toutes",
            "queue, new": "/gestion/dossiers/?onglet=nouvelles",
            "queue, late, by due date": "/gestion/dossiers/?onglet=retard",
            "search by name": "/gestion/dossiers/?onglet=toutes&q=nom1234",
            "filter status + channel + period": "/gestion/dossiers/?onglet=toutes&status=submitted&channel=phone"
            "&start=2026-01-01&end=2026-06-30",
            "page 500": "/gestion/dossiers/?onglet=toutes&page=500",
        }
        counts, medians = queries_per_page(list(pages.values()))
        cookie = staff_cookie(WORKER)
        agent_cookie = staff_cookie(AGENT)
        person = Person.objects.get(first_name="Jeanne", last_name="Martin")
        with DemoServer(Path(tmp), env=env, prepare=False) as server:
            results = []
            for label, url in pages.items():
                run_wrk(server.url + url, 2, cookie, connections=AGENTS)
                results.append((label, url, run_wrk(server.url + url, args.duration, cookie, connections=AGENTS)))
                print(label, results[-1][2], flush=True)
            submitted = submissions(server.url, agent_cookie, person.pk, 20, 16)
            print("submissions", submitted, flush=True)
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; {database}; gunicorn 2 sync workers;",
        f"{total:,} cases in the database ({args.cases:,} added to État civil in {fill_seconds:.0f} s), "
        f"a case worker of État civil logged in with 2FA. Pages show 50 cases with tab counts, filters and bulk "
        f"actions. *One request*: median time in process, server idle. *Under load*: wrk, {AGENTS} connections "
        f"(a team of agents all clicking at once, no pause) for {args.duration} s; wrk runs on the same 2 cores.",
        "",
        "| page | SQL queries | one request, ms | under load: requests/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, url, r in results:
        lines.append(
            f"| {label} | {counts[url]} | {medians[url]:.0f} | {r['rps']:.0f} | {r['p50']:.0f} | {r['p99']:.0f} "
            f"| {r['errors']} |"
        )
    lines += [
        "",
        f"Submissions: 16 agents recording requests by phone through the staff form for 20 s: "
        f"**{submitted['per_second']:.1f} requests filed per second** ({submitted['done']} filed, "
        f"{submitted['errors']} errors), p50 {submitted['p50']:.0f} ms, p99 {submitted['p99']:.0f} ms "
        "(each filing writes the case, its timeline, the audit entry and the receipt in the outbox).",
    ]
    body = "\n".join(lines)
    write_section(f"Requests back-office ({database})", body)
    print(body)


if __name__ == "__main__":
    main()
