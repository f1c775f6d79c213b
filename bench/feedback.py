""" "Démarches à simplifier" (issue 16) on two years of a big town's figures.

    .venv/bin/python bench/feedback.py [--postgres] [--skip-sqlite] [--runs 7] [--no-write]

1. Creates a throw-away database (SQLite at a tenth of the volume; PostgreSQL at
   127.0.0.1:5432 with --postgres, database `relais_bench_feedback`, dropped afterwards),
   migrates it and loads the demo town.
2. Adds 200 forms in 5 teams (one question per page, 6 questions: 10 funnel steps), two years
   of daily FunnelDay rows for every form, step and device class (about 4.4 million rows),
   1,000,000 requests over the two years (every channel, a tenth recorded by a helper or
   under a mandate, some with a first online attempt), 20,000 accompaniments about
   administrative procedures linked to requests, 30,000 corrections and 100,000 page
   answers. COPY on PostgreSQL, executemany on SQLite (bench/stats.py's Writer).
3. Times, in process through the Django test client (an administrator's session, no HTTP
   server), the ranking page (/gestion/statistiques/demarches-a-simplifier/) for this year
   and for the two years, and the detail page of the busiest form, p50/p95 over --runs
   after a warm-up, with their SQL query counts.
Results replace the "Démarches à simplifier" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import machine, manage, production_env, staff_client, write_section  # noqa: E402
from bench.stats import Writer, _next_ids, _reset_sequences, weighted  # noqa: E402

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "relais_bench_feedback"
FULL = {"forms": 200, "cases": 1_000_000, "people": 50_000, "accompaniments": 20_000, "corrections": 30_000,
        "answers": 100_000}  # fmt: skip
TEAMS = 5
QUESTIONS = 6
ADMIN = "admin@valbrenne.fr"
UTC = datetime.UTC


def fill(volume: dict, today: datetime.date) -> dict:
    from django.db import transaction
    from django.db.models import Count

    from relais.accounts.models import Membership, Role, Team, User
    from relais.cases.funnel import RESUMED, SENT, steps_of
    from relais.cases.models import STEP_TIME_FIELDS, Case, Correction, Form, FormField, FunnelDay, PageFeedback
    from relais.core.models import Person
    from relais.mediation.choices import ADMIN_THEME
    from relais.mediation.models import Accompaniment

    rng = random.Random(16)
    # Two years, ending today: the ranking "this year" reads up to 12 months of it.
    start = today - datetime.timedelta(days=2 * 365 - 1)
    days = [start + datetime.timedelta(days=d) for d in range((today - start).days + 1)]
    counts = {}
    with transaction.atomic():
        teams = [Team.objects.create(name=f"Service {t + 1}", slug=f"bench-service-{t + 1}") for t in range(TEAMS)]
        advisor = User.objects.create_user(email="aidant@bench.valbrenne.fr", password=None)
        Membership.objects.create(user=advisor, team=teams[0], role=Role.ADVISOR)
        forms = []
        for f in range(volume["forms"]):
            form = Form.objects.create(
                slug=f"bench-demarche-{f + 1}", title=f"Démarche {f + 1:03d}", intro="…", team=teams[f % TEAMS],
                published=True,
            )  # fmt: skip
            FormField.objects.bulk_create(
                [FormField(form=form, key=f"q{q}", label=f"Question {q}", kind="text", position=q)
                 for q in range(QUESTIONS)]
            )  # fmt: skip
            forms.append(form)
    counts["forms"] = len(forms)

    funnel = Writer(FunnelDay, batch=50_000)
    devices = [("phone", 3), ("large", 2), ("", 1)]
    for form in forms:
        steps = steps_of(form, fields=list(form.fields.all()))
        loss = 0.02 + 0.2 * rng.random()
        for day in days:
            for device, weight in devices:
                reached = rng.randint(1, 4 * weight)
                for step in [*steps, RESUMED]:
                    if step == RESUMED:
                        reached = max(1, reached // 3)
                    elif step != steps[0]:
                        reached = int(reached * (1 - loss))
                    buckets = {}
                    if step not in (SENT, RESUMED):
                        buckets = {name: reached // (i + 2) for i, name in enumerate(STEP_TIME_FIELDS)}
                    funnel.add(form_id=form.pk, day=day, device=device, step=step, reached=reached, **buckets)
    funnel.flush()
    counts["funnel days"] = funnel.count

    people = Writer(Person)
    person_ids = _next_ids(Person, volume["people"])
    for i in person_ids:
        people.add(id=i, first_name=f"Prénom{i}", last_name=f"Nom{i}", search_text=f"prenom{i} nom{i}",
                   submission_key=None)  # fmt: skip
    people.flush()
    _reset_sequences(Person)

    cases = Writer(Case)
    case_ids = _next_ids(Case, volume["cases"])
    channels = [("online", 60), ("counter", 18), ("phone", 12), ("post", 6), ("email", 4)]
    for n, i in enumerate(case_ids):
        day = days[n * len(days) // volume["cases"]]
        form = forms[int(rng.paretovariate(1.1) * 7) % len(forms)]
        channel = weighted(rng, channels)
        submitted = datetime.datetime.combine(day, datetime.time(9), tzinfo=UTC) + datetime.timedelta(
            minutes=rng.randrange(600)
        )
        helped = channel != "online" or rng.random() < 0.1
        cases.add(
            id=i, reference=f"F-{i:09d}", form_id=form.pk, team_id=form.team_id,
            person_id=person_ids[n % len(person_ids)], answers=[], channel=channel,
            recorded_by_id=advisor.pk if helped else None, status="submitted",
            due_date=day + datetime.timedelta(days=15), token=f"bench-feedback-{i}", submission_key=None,
            submitted_at=submitted, updated_at=submitted,
            online_attempt_at=submitted - datetime.timedelta(days=rng.randint(1, 20))
            if helped and rng.random() < 0.3 else None,
        )  # fmt: skip
    cases.flush()
    counts["cases"] = cases.count
    _reset_sequences(Case)

    accompaniments = Writer(Accompaniment)
    for _n in range(volume["accompaniments"]):
        case_id = case_ids[rng.randrange(len(case_ids))]
        accompaniments.add(
            team_id=teams[0].pk, advisor_id=advisor.pk, date=days[rng.randrange(len(days))], duration=30,
            place_type="a_distance", themes=[ADMIN_THEME], equipment=[], admin_subthemes=[], case_id=case_id,
            submission_key=None,
        )  # fmt: skip
    accompaniments.flush()
    counts["accompaniments"] = accompaniments.count

    corrections = Writer(Correction)
    for case_id in rng.sample(case_ids, volume["corrections"]):
        q = rng.randrange(QUESTIONS)
        corrections.add(
            case_id=case_id, field_key=f"q{q}", label=f"Question {q}", reason="…",
            requested_by_id=advisor.pk, created_at=datetime.datetime.combine(days[-1], datetime.time(9), tzinfo=UTC),
            submission_key=None,
        )  # fmt: skip
    corrections.flush()
    counts["corrections"] = corrections.count

    answers = Writer(PageFeedback)
    reasons = ["not_understood", "missing_document", "site_broken", "need_someone", "other"]
    for n in range(volume["answers"]):
        form = forms[rng.randrange(len(forms))]
        useful = rng.random() < 0.7
        answers.add(
            page_key=f"form:{form.pk}", form_id=form.pk, procedure_id=None, day=days[rng.randrange(len(days))],
            useful=useful, reason="" if useful else rng.choice(reasons),
            comment="Trop compliqué, [numéro masqué]" if not useful and n % 10 == 0 else "",
            token=f"bench-answer-{n}", visitor_digest="", draft_key=None,
        )  # fmt: skip
    answers.flush()
    counts["answers"] = answers.count
    busiest = Case.objects.order_by().values("form").annotate(n=Count("pk"))
    busiest = max(busiest, key=lambda r: r["n"])["form"]
    return {"counts": counts, "busiest_form": busiest}


def time_page(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _run in range(runs):
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "queries": len(queries),
    }


def measure(loaded: dict, runs: int, today: datetime.date) -> dict:
    from django.urls import reverse

    client = staff_client(ADMIN)
    ranking = reverse("stats:simplify")
    detail = reverse("stats:simplify_detail", args=["demarche", loaded["busiest_form"]])
    two_years = f"?period=custom&start={today - datetime.timedelta(days=2 * 365 - 1)}&end={today}"
    pages = {
        "ranking, this year": ranking,
        "ranking, two years": ranking + two_years,
        "detail of the busiest form, this year": detail,
        "detail of the busiest form, two years": detail + two_years,
    }
    return {name: time_page(client, url, runs) for name, url in pages.items()}


def run_one(database: str, scale: float, runs: int, out: Path, keep: bool = False, reuse: bool = False) -> None:
    var = Path(tempfile.gettempdir()) / f"relais-bench-feedback-{database}"
    reuse = reuse and (var / "ids.json").exists()
    if not reuse and var.exists():
        shutil.rmtree(var)
    var.mkdir(exist_ok=True)
    extra = {}
    if database == "postgresql":
        import psycopg

        extra["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    if database == "postgresql" and not reuse:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    env = production_env(var, **extra)
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        if not reuse:
            manage(env, "demo_load", "--allow-without-debug")
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        today = timezone.localdate()
        volume = {k: max(1, int(v * scale)) for k, v in FULL.items()}
        volume["forms"] = FULL["forms"]  # always 200 forms; fewer requests and answers on SQLite
        state = var / "ids.json"
        if reuse:
            loaded = json.loads(state.read_text())
        else:
            began = time.perf_counter()
            loaded = fill(volume, today)
            loaded["seconds"] = time.perf_counter() - began
            state.write_text(json.dumps(loaded))
            if database == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        print(database, "loaded", loaded["counts"], f"in {loaded['seconds']:.0f} s", flush=True)
        results = {"pages": measure(loaded, runs, today), "database": database, "loaded": loaded, "runs": runs}
        out.write_text(json.dumps(results))
    finally:
        from django.db import connections

        connections.close_all()
        if database == "postgresql" and not keep:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        if not keep:
            shutil.rmtree(var, ignore_errors=True)


def section_text(results: list[dict]) -> str:
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; `bench/feedback.py`, in process through "
        "the Django test client (an administrator's session: the whole town, 200 forms), no HTTP server. "
        "Two years of daily funnel counts (every form, step and device class) and the requests, accompaniments, "
        "corrections and page answers below; p50/p95 of the runs after a warm-up. Goal (issue 16): the "
        "ranking page under 1 s on PostgreSQL.",
        "",
    ]
    for r in results:
        counts = ", ".join(f"{v:,} {k}".replace(",", " ") for k, v in r["loaded"]["counts"].items())
        lines += [
            f"**{r['database']}** ({counts}; loaded in {r['loaded']['seconds']:.0f} s), {r['runs']} runs:",
            "",
            "| page | p50 (ms) | p95 (ms) | SQL queries |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, t in r["pages"].items():
            lines.append(f"| {name} | {t['p50']:.0f} | {t['p95']:.0f} | {t['queries']} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL, at the full volume")
    parser.add_argument("--skip-sqlite", action="store_true", help="with --postgres: PostgreSQL only")
    parser.add_argument("--scale", type=float, default=1.0, help="volume factor for PostgreSQL (default 1)")
    parser.add_argument("--runs", type=int, default=7, help="timed requests per page (default 7)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the databases (then --reuse skips the load)")
    parser.add_argument("--reuse", action="store_true", help="time a database kept by --keep")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scale = args.scale if args.child == "postgresql" else args.scale / 10
        run_one(args.child, scale, args.runs, Path(args.out), args.keep, args.reuse)
        return
    databases = [] if args.skip_sqlite else ["sqlite"]
    if args.postgres:
        databases.append("postgresql")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for database in databases:
            out = Path(tmp) / f"{database}.json"
            command = [sys.executable, __file__, "--child", database, "--out", str(out), "--runs", str(args.runs)]
            command += ["--scale", str(args.scale)] + ["--keep"] * args.keep + ["--reuse"] * args.reuse
            subprocess.run(command, check=True)
            results.append(json.loads(out.read_text()))
    body = section_text(results)
    if not args.no_write:
        write_section("Démarches à simplifier", body)
    print(body)


if __name__ == "__main__":
    main()
