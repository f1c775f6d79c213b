"""Staff list pages with 100,000 rows behind each one.

    make bench-staff-lists     (or: .venv/bin/python bench/staff_lists.py [--rows 100000] [--postgres])

1. Creates a throw-away database (SQLite always; PostgreSQL at 127.0.0.1:5432 too with
   --postgres, database `stafflists_bench`, dropped afterwards), migrates it and loads the
   demo town.
2. Puts `--rows` rows (default 100,000) behind every staff list page of `PAGES`, with bulk
   inserts: people, audit journal entries, mandates, appointments, workshops,
   accompaniments, mutual-aid listings, reports and messages to relay, outbox messages…
   each visible to the staff member who opens the page (team-scoped).
3. Opens each page in process (Django's test client, the staff member logged in with a
   second factor, as bench/cases.py does): its SQL query count and the median of several
   requests, the server otherwise idle.
Results replace the "Staff list pages" section of BENCHMARKS.md.

`PAGES` (URL name -> who opens it, with which query, and how to fill it) is also what
tests/test_list_queries.py renders with 4 and then 40 rows, to check that no list's query
count grows with its rows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import load_average, machine, manage, production_env, staff_client, write_section  # noqa: E402

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "stafflists_bench"
MARKER = "Rang"  # every filled row names a "LISTEAU Rang000042" (or an "Atelier Rang000042"…)
BATCH = 5000


# ---------------------------------------------------------------- rows behind the lists


def marker(i: int) -> str:
    return f"{MARKER}{i:06d}"


def make_people(n: int, *, start: int = 0) -> list:
    """`n` residents "LISTEAU Rang…" (no account: the moderators relay their messages)."""
    from relais.core.models import Person
    from relais.core.text import fold

    people = [
        Person(
            first_name=marker(i),
            last_name="Listeau",
            phone=f"07{i:08d}",
            preferred_channel="sms",
            search_text=fold(f"{marker(i)} Listeau 07{i:08d}"),
        )
        for i in range(start, start + n)
    ]
    return Person.objects.bulk_create(people, batch_size=BATCH)


def _bulk(model, rows) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _user(email: str):
    from relais.accounts.models import User

    return User.objects.get(email=email)


def _team(slug: str):
    from relais.accounts.models import Team

    return Team.objects.get(slug=slug)


def _now():
    from django.utils import timezone

    return timezone.now()


def fill_people(n: int, people: list, start: int = 0) -> None:
    """The person search finds them (`people` already holds them)."""


def fill_journal(n: int, people: list, start: int = 0) -> None:
    from relais.core.journal import Action
    from relais.core.models import AuditEvent

    admin = _user("admin@valbrenne.fr")
    now = _now()
    _bulk(
        AuditEvent,
        (
            AuditEvent(
                at=now - datetime.timedelta(seconds=n - i),
                actor=admin,
                actor_label=admin.email,
                action=Action.PERSON_VIEWED.value,
                object_type="core.person",
                object_id=str(people[i % len(people)].pk),
                person_id=people[i % len(people)].pk,
                details={"ligne": marker(i)},
            )
            for i in range(start, start + n)
        ),
    )


def fill_mandates(n: int, people: list, start: int = 0) -> None:
    from relais.mandates.models import Mandate, MandateScope

    advisor = _user("conseiller@valbrenne.fr")
    team = _team("mediation")
    now = _now()
    rows = []
    for i in range(start, start + n):
        state = i % 3  # pending, active, ended
        rows.append(
            Mandate(
                person=people[i % len(people)],
                team=team,
                duration="1m",
                consent_method="paper",
                consent_text="Texte",
                consent_text_version="1",
                created_by=advisor,
                activated_at=None if state == 0 else now - datetime.timedelta(days=2),
                activated_by=None if state == 0 else advisor,
                expires_at=None if state == 0 else now + datetime.timedelta(days=30 if state == 1 else -1),
            )
        )
    mandates = _bulk(Mandate, rows)
    _bulk(MandateScope, (MandateScope(mandate=m, scope="papiers") for m in mandates))


def _mediation_dropin():
    from relais.mediation.models import DropIn

    return DropIn.objects.filter(team__slug="mediation").order_by("pk").first()


def fill_appointments(n: int, people: list, start: int = 0) -> None:
    from relais.mediation.models import Appointment

    dropin = _mediation_dropin()
    first = (_now() + datetime.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    _bulk(
        Appointment,
        (
            Appointment(
                dropin=dropin,
                team_id=dropin.team_id,
                place_id=dropin.place_id,
                person=people[i % len(people)],
                starts_at=first + datetime.timedelta(minutes=30 * (i // 4)),
                ends_at=first + datetime.timedelta(minutes=30 * (i // 4) + 30),
                counter=1 + i % 4,
                channel="counter",
            )
            for i in range(start, start + n)
        ),
    )


def fill_workshops(n: int, people: list, start: int = 0) -> None:
    from relais.mediation.models import Workshop, WorkshopSession

    dropin = _mediation_dropin()
    now = _now()
    workshops = _bulk(
        Workshop,
        (
            Workshop(
                team_id=dropin.team_id,
                slug=f"atelier-{marker(i).lower()}",
                title=f"Atelier {marker(i)}",
                description="Atelier.",
                theme="email",
                place_id=dropin.place_id,
                capacity=10,
                registration_opens_at=now - datetime.timedelta(days=1),
            )
            for i in range(start, start + n)
        ),
    )
    # Years of workshops, one an hour before the coming fortnight (most are over).
    first = (now + datetime.timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    _bulk(
        WorkshopSession,
        (
            WorkshopSession(
                workshop=w,
                starts_at=first - datetime.timedelta(hours=i),
                ends_at=first - datetime.timedelta(hours=i, minutes=-90),
            )
            for i, w in enumerate(workshops)
        ),
    )


def fill_accompaniments(n: int, people: list, start: int = 0) -> None:
    from relais.mediation.models import Accompaniment

    advisor = _user("conseiller@valbrenne.fr")
    dropin = _mediation_dropin()
    today = datetime.date.today()
    _bulk(
        Accompaniment,
        (
            Accompaniment(
                team_id=dropin.team_id,
                advisor=advisor,
                date=today - datetime.timedelta(days=i % 700),
                duration=30,
                themes=["email"],
                place_id=dropin.place_id,
                person=people[i % len(people)],
            )
            for i in range(start, start + n)
        ),
    )


def _listings(n: int, people: list, *, status: str, offset: int = 0) -> list:
    from relais.mutualaid.models import Listing, Neighbourhood

    team = _team("entraide")
    neighbourhood = Neighbourhood.objects.filter(team=team).order_by("pk").first()
    now = _now()
    published = status != "pending"
    return _bulk(
        Listing,
        (
            Listing(
                team=team,
                kind="offer",
                category="shopping",
                neighbourhood=neighbourhood,
                title=f"Annonce {marker(i)}",
                text="Je fais vos courses le mardi.",
                status=status,
                posted_by=people[i % len(people)],
                posted_via="counter",
                consent_at=now,
                published_at=now - datetime.timedelta(minutes=i) if published else None,
                expires_at=now + datetime.timedelta(days=30) if published else None,
                search_text=f"annonce {marker(i).lower()}",
            )
            for i in range(offset, offset + n)
        ),
    )


def fill_listings(n: int, people: list, start: int = 0) -> None:
    _listings(n, people, status="published")


def fill_relay(n: int, people: list, start: int = 0) -> None:
    """Messages waiting to be read to `n` residents without internet (one each)."""
    from relais.mutualaid.models import Conversation, ConversationMessage

    listings = _listings(n, people, status="published", offset=start)
    conversations = _bulk(
        Conversation,
        (Conversation(listing=listing, responder=people[(i + 1) % len(people)]) for i, listing in enumerate(listings)),
    )
    _bulk(
        ConversationMessage,
        (
            ConversationMessage(
                conversation=c,
                sender=c.responder,
                recipient=c.listing.posted_by,
                body="Bonjour, toujours disponible ?",
                needs_relay=True,
            )
            for c in conversations
        ),
    )


def fill_moderation(n: int, people: list, start: int = 0) -> None:
    """The moderation queue: listings to read, published ones not reviewed, open reports,
    residents with messages to relay (a quarter each)."""
    from relais.mutualaid.models import Report

    quarter = max(n // 4, 1)
    _listings(quarter, people, status="pending", offset=start)
    _listings(quarter, people, status="published", offset=start + quarter)
    reported = _listings(quarter, people, status="published", offset=start + 2 * quarter)
    _bulk(
        Report,
        (
            Report(
                team_id=listing.team_id,
                listing=listing,
                reporter=people[(i + 1) % len(people)],
                reason="other",
                details="Signalement",
            )
            for i, listing in enumerate(reported)
        ),
    )
    fill_relay(max(n - 3 * quarter, 1), people, start + 3 * quarter)


def _messages(n: int, people: list, start: int, **fields) -> list:
    from relais.notifications.models import Message

    return _bulk(
        Message,
        (
            Message(
                person=people[i % len(people)],
                template="generic",
                subject=f"Votre demande {marker(i)}",
                body="Votre demande est prête.",
                to_phone=people[i % len(people)].phone,
                **fields,
            )
            for i in range(start, start + n)
        ),
    )


def fill_outbox(n: int, people: list, start: int = 0) -> None:
    """Calls to make, failed e-mails, letters waiting to be printed (a third each)."""
    third = max(n // 3, 1)
    _messages(third, people, start, channel="phone", status="queued")
    _messages(third, people, start + third, channel="email", status="failed", attempts=5, last_error="550")
    _messages(max(n - 2 * third, 1), people, start + 2 * third, channel="letter", status="queued")


def fill_unreachable(n: int, people: list, start: int = 0) -> None:
    _messages(n, people, start, channel="sms", status="failed", attempts=5, last_error="Numéro inconnu")


def fill_held(n: int, people: list, start: int = 0) -> None:
    _messages(n, people, start, channel="email", status="held", held_reason="Restauration d'une sauvegarde")


def fill_cases(n: int, people: list, start: int = 0) -> None:
    from relais.cases.models import Case, Form, ReferenceCounter
    from relais.core.text import fold

    forms = list(Form.objects.filter(team__slug="etat-civil"))
    now = _now()
    year = now.year
    last = ReferenceCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0
    _bulk(
        Case,
        (
            Case(
                reference=f"{year}-{last + i + 1:06d}",
                form=forms[i % len(forms)],
                team_id=forms[0].team_id,
                person=people[i % len(people)],
                answers=[{"key": "x", "label": "Question", "kind": "text", "value": "réponse", "display": "réponse"}],
                channel="phone",
                status="submitted",
                submitted_at=now - datetime.timedelta(minutes=i),
                due_date=(now + datetime.timedelta(days=15)).date(),
                search_text=fold(f"{year}-{last + i + 1:06d} {people[i % len(people)].first_name} listeau"),
            )
            for i in range(start, start + n)
        ),
    )
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last + start + n})


@dataclass(frozen=True)
class Page:
    user: str  # the staff member who opens it (e-mail of a demo account)
    fill: Callable[[int, list], None]  # puts n rows behind it, about these people
    query: dict = field(default_factory=dict)
    # What proves the rows are on the page: at least this many distinct markers…
    shows: int = 3
    # …or, for a page that sums rows up, the text it shows for n rows.
    summary: Callable[[int], str] | None = None


# URL name -> how to open it with rows behind it. tests/test_list_queries.py checks that
# every staff page without parameters is here or says why it is not a list.
PAGES: dict[str, Page] = {
    "people:person_search": Page("accueil@valbrenne.fr", fill_people, {"q": "listeau"}),
    "people:audit_journal": Page("admin@valbrenne.fr", fill_journal),
    "mandates:list": Page("conseiller@valbrenne.fr", fill_mandates),
    "mediation:staff_appointments": Page("conseiller@valbrenne.fr", fill_appointments),
    "mediation:staff_workshops": Page("conseiller@valbrenne.fr", fill_workshops),
    "mediation:staff_workshop_pick": Page("accueil@valbrenne.fr", fill_workshops),
    "mediation:staff_accompaniments": Page("conseiller@valbrenne.fr", fill_accompaniments),
    "mutualaid:moderation": Page("moderation@valbrenne.fr", fill_moderation),
    "mutualaid:staff_listings": Page("moderation@valbrenne.fr", fill_listings),
    "mutualaid:relay_list": Page("moderation@valbrenne.fr", fill_relay),
    "notifications:outbox": Page("accueil@valbrenne.fr", fill_outbox, shows=1),
    "notifications:unreachable": Page("accueil@valbrenne.fr", fill_unreachable),
    "notifications:held": Page("admin@valbrenne.fr", fill_held, summary=lambda n: f"{n} messages"),
    "cases:queue": Page("etat-civil@valbrenne.fr", fill_cases, {"onglet": "toutes"}),
}


# ---------------------------------------------------------------- measure


def measure(name: str, page: Page, runs: int) -> dict:
    from django.db import connection
    from django.urls import reverse

    client = staff_client(page.user)
    url = reverse(name)
    client.get(url, page.query)  # warm caches
    queries = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append({"time": time.perf_counter() - began, "sql": sql})

    with connection.execute_wrapper(timed):
        response = client.get(url, page.query)
    assert response.status_code == 200, (name, response.status_code)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(url, page.query)
        times.append((time.perf_counter() - began) * 1000)
    slowest = sorted(queries, key=lambda q: -q["time"])[:2]
    return {
        "queries": len(queries),
        "median": statistics.median(times),
        "max": max(times),
        "bytes": len(response.content),
        "slowest_sql": [(round(q["time"] * 1000, 1), q["sql"][:300]) for q in slowest],
    }


def run_one(database: str, rows: int, runs: int, only: list[str]) -> dict:
    """Fill and measure on one database (in this process); the results as a dict."""
    with tempfile.TemporaryDirectory() as tmp:
        extra = {}
        if database == "postgres":
            extra["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        else:
            os.environ.pop("DATABASE_URL", None)
        env = production_env(Path(tmp), **extra)
        if database != "postgres":
            env.pop("DATABASE_URL", None)
        for command in (
            ["migrate", "--noinput"],
            ["demo_load", "--allow-without-debug"],
            ["collectstatic", "--noinput"],
        ):
            manage(env, *command)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        names = only or list(PAGES)
        began = time.perf_counter()
        people = make_people(rows)
        done = {fill_people}  # the people are there already
        for name in names:
            start = time.perf_counter()
            if PAGES[name].fill not in done:  # two pages may list the same rows
                PAGES[name].fill(rows, people)
                done.add(PAGES[name].fill)
            print(f"filled {name} in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        # The journal's sealer (a periodic task in production) keeps up with the entries:
        # seal the bulk-inserted ones now, or each request would seal 5,000 after its commit.
        from relais.core.auditchain import seal

        seal()
        if connection.vendor == "postgresql":
            # Vacuumed too, as autovacuum keeps a live database: otherwise it would run during
            # the measure, over the rows the fills and the sealing just wrote.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        fill_seconds = time.perf_counter() - began
        results = {}
        for name in names:
            results[name] = measure(name, PAGES[name], runs)
            print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
        return {"fill_seconds": fill_seconds, "pages": results, "load": load_average()}


def _create_pg() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def _drop_pg() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too (after SQLite)")
    parser.add_argument("--only-postgres", action="store_true", help="PostgreSQL only")
    parser.add_argument("--page", action="append", default=[], help="only this URL name (repeatable)")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch BENCHMARKS.md")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.rows, args.runs, args.page)))
        return
    databases = ["postgres"] if args.only_postgres else ["sqlite", *(["postgres"] if args.postgres else [])]
    results = {}
    for database in databases:
        if database == "postgres":
            _create_pg()
        try:
            command = [
                sys.executable,
                __file__,
                "--child",
                database,
                "--rows",
                str(args.rows),
                "--runs",
                str(args.runs),
            ]
            for name in args.page:
                command += ["--page", name]
            out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
            results[database] = json.loads(out.strip().splitlines()[-1])
        finally:
            if database == "postgres":
                _drop_pg()
    labels = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}. {args.rows:,} rows behind each list "
        "(bulk inserts: people, journal entries, mandates, appointments, workshops, accompaniments, listings, "
        "reports, messages to relay, outbox messages, requests; the journal then sealed, as its periodic task "
        "keeps it in production, and on PostgreSQL the tables vacuumed and analysed), each page opened in process by the staff member "
        "it is for (test client, logged in with 2FA): SQL queries, and the median (and slowest) of "
        f"{args.runs} requests after a warm-up. Load average (1 min) at the end of each run: "
        + ", ".join(f"{labels[d]} {r['load']}" for d, r in results.items())
        + ". Goal: every page under 50 ms.",
        "",
        "| page | " + " | ".join(f"{labels[d]}: queries | median ms | max ms" for d in results) + " |",
        "| --- | " + " | ".join("---: | ---: | ---:" for _ in results) + " |",
    ]
    names = list(next(iter(results.values()))["pages"])
    for name in names:
        cells = []
        for r in results.values():
            p = r["pages"][name]
            cells.append(f"{p['queries']} | {p['median']:.0f} | {p['max']:.0f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section("Staff list pages", body)


if __name__ == "__main__":
    main()
