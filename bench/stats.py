"""Statistics pages and the council report on a territory of three years.

    make bench-stats        (or: .venv/bin/python bench/stats.py [--postgres | --sqlite] [--runs 7])

1. Creates a throw-away database (SQLite always, at a tenth of the volume; PostgreSQL at
   127.0.0.1:5432 with --postgres, database `relais_bench_stats`, dropped afterwards unless
   --keep), migrates it and loads the demo town.
2. Adds a territory: 5 mediation teams, 40 advisors, 20 places; 1,000,000 accompaniment
   records (CRA) over three years, 300,000 appointments, 50,000 workshop registrations,
   500,000 requests (cases) and 2,000,000 outbox messages, spread the way a town's are
   (themes lists, channels, statuses, outcomes, closed requests, failed messages, letters
   printed in weekly batches). Rows are written with COPY on PostgreSQL and executemany on
   SQLite, from one generator (the same spreads on both).
3. Times every statistics section through `relais.stats.registry.section(audience, query)`
   for this year, last year and the three years, for the whole town, one team and one
   advisor (p50/p95 of --runs runs after a warm-up), counts its SQL queries, and times
   the yearly council report when `relais.stats.report.council_pdf` exists.
Results replace the "Statistics" section of BENCHMARKS.md.
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

from bench.server import machine, manage, production_env, write_section  # noqa: E402

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "relais_bench_stats"
FULL = {
    "accompaniments": 1_000_000,
    "appointments": 300_000,
    "registrations": 50_000,
    "cases": 500_000,
    "messages": 2_000_000,
    "people": 150_000,
}
TEAMS = 5
ADVISORS = 40
PLACES = 20
AUDIENCES = ["mediation", "demandes", "entraide", "envois", "frequentation"]
UTC = datetime.UTC


# --- The territory ----------------------------------------------------------------------


def weighted(rng: random.Random, pairs):
    """A value drawn from [(value, weight), …]."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


class Writer:
    """Writes many rows of one model, fast: COPY on PostgreSQL, executemany on SQLite.
    Fields not given in a row take the model's default (computed once)."""

    def __init__(self, model, batch: int = 20_000):
        from django.db import connection, models

        self.connection, self.model, self.batch = connection, model, batch
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        template = model()
        self.defaults, self.converters = [], []
        pg = connection.vendor == "postgresql"
        for f in fields:
            if isinstance(f, models.JSONField):
                convert = json.dumps
            elif isinstance(f, models.DateTimeField) and not pg:
                convert = _sqlite_datetime
            elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField) and not pg:
                convert = datetime.date.isoformat
            else:
                convert = None
            self.converters.append(convert)
            value = getattr(template, f.attname)
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                value = datetime.datetime.now(UTC)
            if not isinstance(f, models.JSONField):
                value = f.get_prep_value(value)
            self.defaults.append(value)
        self.pending: list[tuple] = []
        self.count = 0

    def add(self, **values) -> None:
        row = []
        for name, default, convert in zip(self.attnames, self.defaults, self.converters, strict=True):
            value = values.get(name, default)
            if value is not None and convert is not None:
                value = convert(value)
            row.append(value)
        self.pending.append(tuple(row))
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        from django.db import transaction

        if not self.pending:
            return
        self.connection.ensure_connection()
        table = self.connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        raw = self.connection.connection
        with transaction.atomic():
            if self.connection.vendor == "postgresql":
                with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.pending:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(self.columns))
                raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", self.pending)
        self.count += len(self.pending)
        self.pending = []


def _sqlite_datetime(value: datetime.datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _next_ids(model, count: int) -> range:
    """The ids the next `count` rows will get: ids are given explicitly (links between the
    generated rows) and the sequence moved past them afterwards."""
    from django.db.models import Max

    first = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    return range(first, first + count)


def _reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def territory(volume: dict, today: datetime.date) -> dict:
    """Teams, advisors and places of the territory (a few hundred rows, through the ORM)."""
    from relais.accounts.models import Membership, Role, Team, User
    from relais.cases.models import Form
    from relais.directory.models import Place
    from relais.mediation.models import DropIn

    model_place = Place.objects.order_by("pk").first()
    communes = ["Valbrenne", "Saint-Aubin-sur-Brenne", "Les Coteaux", "Montfleury", "La Rivière"]
    teams, places, advisors, dropins = [], [], [], []
    for t in range(TEAMS):
        team = Team.objects.create(
            name=f"Médiation numérique secteur {t + 1}", slug=f"bench-mediation-{t + 1}", kind="mediation"
        )
        teams.append(team)
        for p in range(PLACES // TEAMS):
            n = t * (PLACES // TEAMS) + p + 1
            place = Place.objects.get(pk=model_place.pk)
            place.pk = None
            place.slug, place.nom = f"bench-lieu-{n}", f"Espace numérique {n}"
            place.schema_id = ""
            place.commune = communes[t]
            place.save()
            place.teams.add(team)
            places.append(place)
    for a in range(ADVISORS):
        team = teams[a % TEAMS]
        user = User.objects.create_user(
            email=f"conseiller{a + 1}@bench.valbrenne.fr", full_name=f"Conseiller {a + 1}", is_staff=True
        )
        Membership.objects.create(user=user, team=team, role=Role.ADVISOR)
        advisors.append(user)
        place = places[(a % TEAMS) * (PLACES // TEAMS) + (a // TEAMS) % (PLACES // TEAMS)]
        dropins.append(
            DropIn.objects.create(
                team=team,
                place=place,
                advisor=user,
                booking="appointment",
                start_date=datetime.date(today.year - 2, 1, 1),
                start_time=datetime.time(9),
                end_time=datetime.time(17),
                rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            )
        )
    manager = User.objects.create_user(email="responsable@bench.valbrenne.fr", password=None)
    Membership.objects.create(user=manager, team=teams[0], role=Role.MANAGER)
    forms = list(Form.objects.select_related("team"))
    return {
        "teams": teams,
        "places": places,
        "advisors": advisors,
        "dropins": dropins,
        "forms": forms,
        "communes": communes,
    }


def fill(volume: dict, today: datetime.date) -> dict:
    """Load the territory; returns {what: rows} and the ids the timings use."""
    from django.db import connection, transaction

    from relais.cases.models import Case
    from relais.core.models import Person
    from relais.mediation import choices as c
    from relais.mediation.models import (
        Accompaniment,
        Appointment,
        Attendance,
        Registration,
        Workshop,
        WorkshopSession,
    )
    from relais.notifications.models import LetterBatch, Message

    rng = random.Random(13)
    start = datetime.date(today.year - 2, 1, 1)
    days = [start + datetime.timedelta(days=d) for d in range((today - start).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5]
    with transaction.atomic():
        t = territory(volume, today)
    teams, places, advisors, dropins = t["teams"], t["places"], t["advisors"], t["dropins"]
    counts = {}

    def at(day: datetime.date, hour: float) -> datetime.datetime:
        # Local wall time in Paris, roughly (UTC+1): a day's hours stay on their day.
        return datetime.datetime.combine(day, datetime.time(0), tzinfo=UTC) + datetime.timedelta(hours=hour - 1)

    # People: residents, most with a phone, some with an address (letters).
    people = Writer(Person)
    person_ids = _next_ids(Person, volume["people"])
    for i in person_ids:
        people.add(
            id=i,
            first_name=f"Prénom{i}",
            last_name=f"Nom{i}",
            phone=f"06{i % 10**8:08d}",
            commune=t["communes"][i % len(t["communes"])],
            search_text=f"prenom{i} nom{i}",
            submission_key=None,
        )
    people.flush()
    counts["people"] = people.count
    _reset_sequences(Person)
    pick_person = lambda: person_ids[int(rng.paretovariate(1.2) * 997) % len(person_ids)]  # noqa: E731

    # Appointments: 40 advisors, 10 slots of 45 minutes a weekday, each in their drop-in.
    appointments = Writer(Appointment)
    appointment_ids = _next_ids(Appointment, volume["appointments"])
    per_day = ADVISORS * 10
    outcomes_past = [
        (c.Outcome.SEEN, 70),
        (c.Outcome.NOSHOW, 8),
        (c.Outcome.EXCUSED, 8),
        (c.Outcome.REVOKED, 3),
        (c.Outcome.MOVED, 5),
        (c.Outcome.UNKNOWN, 6),
    ]
    channels = [("online", 55), ("phone", 25), ("counter", 18), ("email", 2)]
    appointment_day = {}
    step = max(1, len(weekdays) * per_day // volume["appointments"])
    for n, i in enumerate(appointment_ids):
        k = n * step
        day = weekdays[min(k // per_day, len(weekdays) - 1)]
        slot = k % per_day
        a = slot % ADVISORS
        begins = at(day, 9 + 0.75 * (slot // ADVISORS))
        outcome = weighted(rng, outcomes_past) if day <= today else c.Outcome.UNKNOWN
        cancelled = begins - datetime.timedelta(days=1) if outcome in c.CANCELLED_OUTCOMES else None
        appointments.add(
            id=i,
            dropin_id=dropins[a].pk,
            team_id=dropins[a].team_id,
            place_id=dropins[a].place_id,
            advisor_id=advisors[a].pk,
            person_id=pick_person(),
            starts_at=begins,
            ends_at=begins + datetime.timedelta(minutes=45),
            channel=weighted(rng, channels),
            outcome=outcome,
            cancelled_at=cancelled,
            token=f"bench-rdv-{i}",
            calendar_uid=f"bench-rdv-{i}",
            created_at=begins - datetime.timedelta(days=rng.randint(1, 20)),
        )
        appointment_day[i] = (day, a)
    appointments.flush()
    counts["appointments"] = appointments.count
    _reset_sequences(Appointment)

    # Workshops of 12 seats, one to three sessions, about 20 registrations each.
    per_workshop = 20
    n_workshops = max(1, volume["registrations"] // per_workshop)
    workshops, sessions, workshop_writer, session_writer = (
        [],
        [],
        Writer(Workshop),
        Writer(WorkshopSession, batch=10**9),
    )
    workshop_ids = _next_ids(Workshop, n_workshops)
    session_ids = iter(_next_ids(WorkshopSession, n_workshops * 3))
    themes = [code for code, _label in c.THEMES]
    for n, i in enumerate(workshop_ids):
        a = n % ADVISORS
        day = weekdays[n * len(weekdays) // n_workshops]
        capacity = 12
        workshop_writer.add(
            id=i,
            team_id=dropins[a].team_id,
            slug=f"bench-atelier-{i}",
            title=f"Atelier {i}",
            description="Atelier du banc d'essai.",
            theme=themes[n % len(themes)],
            place_id=dropins[a].place_id,
            advisor_id=advisors[a].pk,
            capacity=capacity,
            confirmed_count=capacity,
            registration_opens_at=at(day - datetime.timedelta(days=30), 9),
            cancelled_at=at(day, 8) if n % 50 == 0 else None,
        )
        mine = []
        for s in range(1 + n % 3):
            sid = next(session_ids)
            begins = at(day + datetime.timedelta(days=7 * s), 14)
            session_writer.add(id=sid, workshop_id=i, starts_at=begins, ends_at=begins + datetime.timedelta(hours=2))
            mine.append((sid, begins))
        workshops.append((i, capacity, mine, day))
        sessions.extend(mine)
    workshop_writer.flush()
    session_writer.flush()
    counts["workshops"], counts["workshop sessions"] = workshop_writer.count, session_writer.count
    _reset_sequences(Workshop, WorkshopSession)

    # Rows pointing at rows of the same load are written after them (one batch at the end).
    registrations, attendances = Writer(Registration), Writer(Attendance, batch=10**9)
    registration_ids = iter(_next_ids(Registration, n_workshops * per_workshop))
    for i, capacity, mine, day in workshops:
        past = day < today
        for j in range(per_workshop):
            rid = next(registration_ids)
            person = person_ids[(i * 7919 + j * 104729) % len(person_ids)]
            if j < capacity:
                status = weighted(
                    rng,
                    [("attended", 70), ("no_show", 10), ("cancelled", 8), ("confirmed", 12)]
                    if past
                    else [("confirmed", 92), ("cancelled", 8)],
                )
            else:
                status = "waitlisted" if rng.random() < 0.8 else "cancelled"
            promoted = at(day - datetime.timedelta(days=3), 10) if j < capacity and rng.random() < 0.08 else None
            registrations.add(
                id=rid,
                workshop_id=i,
                person_id=person,
                status=status,
                queued_at=at(day - datetime.timedelta(days=20), 10),
                channel=weighted(rng, channels),
                confirmed_at=at(day - datetime.timedelta(days=20), 10) if j < capacity else None,
                promoted_at=promoted,
                certificate_given_at=at(day, 17) if status == "attended" and rng.random() < 0.3 else None,
                cancelled_at=at(day - datetime.timedelta(days=2), 10) if status == "cancelled" else None,
                token=f"bench-inscription-{rid}",
                created_at=at(day - datetime.timedelta(days=20), 10),
            )
            if past and status in ("attended", "no_show"):
                for sid, _begins in mine:
                    attendances.add(registration_id=rid, session_id=sid, present=status == "attended")
    registrations.flush()
    attendances.flush()
    counts["registrations"], counts["attendances"] = registrations.count, attendances.count
    _reset_sequences(Registration, Attendance)

    # Accompaniment records (CRA): nine in ten individual, one in ten a workshop session.
    records = Writer(Accompaniment)
    through = Writer(Accompaniment.participants.through, batch=10**9)
    record_ids = _next_ids(Accompaniment, volume["accompaniments"])
    theme_weights = [(code, 3 if code in ("email", "navigation_sur_internet", c.ADMIN_THEME) else 1) for code in themes]
    subthemes = [code for code, _label in c.ADMIN_SUBTHEME_CHOICES]
    equipment = [(e, w) for e, w in zip(c.Equipment.values, (40, 35, 10, 3, 12), strict=True)]
    appointment_list = list(appointment_ids)
    for n, i in enumerate(record_ids):
        day = weekdays[n * len(weekdays) // volume["accompaniments"]]
        a = rng.randrange(ADVISORS)
        collective = rng.random() < 0.1
        picked = sorted({weighted(rng, theme_weights) for _ in range(rng.choice((1, 1, 2, 3)))})
        place_type = weighted(rng, [("lieu_activite", 80), ("a_distance", 10), ("domicile", 7), ("autre", 3)])
        place = places[(a % TEAMS) * (PLACES // TEAMS) + rng.randrange(PLACES // TEAMS)]
        stamp = at(day, 10 + rng.random() * 7)
        row = dict(
            id=i,
            team_id=dropins[a].team_id,
            advisor_id=advisors[a].pk,
            date=day,
            duration=rng.choice(c.DURATION_PRESETS),
            place_type=place_type,
            place_id=place.pk if place_type == "lieu_activite" or rng.random() < 0.3 else None,
            commune="" if place_type in ("lieu_activite", "a_distance") else place.commune,
            equipment=sorted({weighted(rng, equipment) for _ in range(rng.choice((1, 1, 2)))}),
            themes=picked,
            admin_subthemes=rng.sample(subthemes, rng.choice((1, 1, 2))) if c.ADMIN_THEME in picked else [],
            submission_key=None,
            created_at=stamp,
            updated_at=stamp,
        )
        if collective:
            row.update(kind="collectif", anonymous_count=rng.randint(0, 8))
            for j in range(rng.randint(0, 4)):
                through.add(accompaniment_id=i, person_id=person_ids[(i * 31 + j * 7717) % len(person_ids)])
        else:
            row.update(
                kind="individuel",
                person_id=pick_person() if rng.random() < 0.7 else None,
                gender=weighted(rng, [("feminin", 52), ("masculin", 38), ("non_communique", 10)]),
                age_band=weighted(
                    rng, [(v, w) for v, w in zip(c.AgeBand.values, (1, 3, 6, 15, 25, 25, 20, 5), strict=True)]
                ),
                social_status=weighted(
                    rng, [(v, w) for v, w in zip(c.SocialStatus.values, (5, 20, 25, 40, 10), strict=True)]
                ),
                first_time=weighted(rng, [(True, 35), (False, 55), (None, 10)]),
                autonomy=weighted(rng, [("", 20), *((v, 27) for v in c.Autonomy.values)]),
                oriented_to=weighted(rng, [("", 85), *((v, 15 / 7) for v in c.OrientedTo.values)]),
                appointment_id=appointment_list[n % len(appointment_list)] if rng.random() < 0.2 else None,
            )
        records.add(**row)
    records.flush()
    through.flush()
    counts["accompaniments"], counts["named workshop participants"] = records.count, through.count
    _reset_sequences(Accompaniment, Accompaniment.participants.through)

    # Requests (cases): every channel, a fifth still open, the others closed with closed_at.
    forms = t["forms"]
    statuses = [
        ("submitted", 6),
        ("in_progress", 8),
        ("waiting_for_resident", 4),
        ("accepted", 60),
        ("refused", 10),
        ("closed_without_action", 12),
    ]
    case_channels = [("online", 55), ("counter", 20), ("phone", 12), ("post", 8), ("email", 5)]
    cases = Writer(Case)
    case_ids = _next_ids(Case, volume["cases"])
    for n, i in enumerate(case_ids):
        day = days[n * len(days) // volume["cases"]]
        form = forms[rng.randrange(len(forms))]
        channel = weighted(rng, case_channels)
        status = weighted(rng, statuses)
        submitted = at(day, 8 + rng.random() * 10)
        closed = submitted + datetime.timedelta(hours=rng.expovariate(1 / 200)) if status in (
            "accepted", "refused", "closed_without_action") else None  # fmt: skip
        cases.add(
            id=i,
            reference=f"B-{i:09d}",
            form_id=form.pk,
            team_id=form.team_id,
            person_id=pick_person(),
            answers=[],
            channel=channel,
            recorded_by_id=advisors[n % ADVISORS].pk if channel in ("counter", "phone", "post") else None,
            recorded_at_place_id=places[n % PLACES].pk if channel == "counter" else None,
            status=status,
            due_date=day + datetime.timedelta(days=form.expected_days),
            token=f"bench-dossier-{i}",
            submission_key=None,
            submitted_at=submitted,
            updated_at=closed or submitted,
            closed_at=closed,
        )
    cases.flush()
    counts["cases"] = cases.count
    _reset_sequences(Case)

    # Outbox messages: e-mail, SMS, letters printed in weekly batches, a few phone calls.
    batches = {}
    batch_ids = _next_ids(LetterBatch, len(weekdays) // 5 + 2)
    batch_writer = Writer(LetterBatch)
    for n, i in enumerate(batch_ids):
        monday = start + datetime.timedelta(days=7 * n)
        batch_writer.add(id=i, created_at=at(monday, 9), downloaded_at=at(monday, 10), posted_at=at(monday, 15))
        batches[n] = i
    batch_writer.flush()
    _reset_sequences(LetterBatch)
    messages = Writer(Message)
    message_ids = _next_ids(Message, volume["messages"])
    templates = ["case_received", "case_status", "appointment_reminder", "appointment_booked", "workshop_reminder"]
    for n, i in enumerate(message_ids):
        day = days[n * len(days) // volume["messages"]]
        channel = weighted(rng, [("email", 55), ("sms", 30), ("letter", 12), ("phone", 3)])
        created = at(day, 7 + rng.random() * 12)
        if channel == "letter":
            status = weighted(rng, [("printed", 95), ("queued", 3), ("cancelled", 2)])
        else:
            status = weighted(rng, [("sent", 93), ("failed", 4), ("queued", 1), ("cancelled", 1), ("expired", 1)])
        messages.add(
            id=i,
            person_id=pick_person(),
            channel=channel,
            template=templates[n % len(templates)],
            subject="Votre demande",
            body="Bonjour, votre demande a bien été reçue.",
            status=status,
            attempts=3 if status == "failed" else 1,
            last_error="timed out" if status == "failed" else "",
            batch_id=batches[(day - start).days // 7] if status == "printed" else None,
            fallback_of_id=i - 1 if channel == "letter" and n % 40 == 0 and n else None,
            created_at=created,
            next_try_at=created,
            sent_at=created + datetime.timedelta(minutes=2) if status in ("sent", "printed") else None,
        )
    messages.flush()
    counts["messages"] = messages.count
    _reset_sequences(Message)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        "counts": counts,
        "team_id": teams[0].pk,
        "advisor_id": advisors[0].pk,
    }


# --- The timings ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def periods(today: datetime.date):
    from relais.stats.filters import Period, preset

    return {
        "this year": preset("this_year", today),
        "last year": preset("last_year", today),
        "3 years": Period(datetime.date(today.year - 2, 1, 1), today),
    }


def time_call(function, runs: int) -> dict:
    """p50/p95 of `runs` calls after one warm-up call, and the SQL queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        function()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 0.95), "queries": len(queries), "runs": runs}


def measure(ids: dict, runs: int, today: datetime.date, audiences: list[str]) -> dict:
    from relais.stats import registry
    from relais.stats.filters import Query

    scopes = {
        "town": {},
        "one team": {"team_ids": (ids["team_id"],)},
        "one advisor": {"team_ids": (ids["team_id"],), "advisor_id": ids["advisor_id"]},
    }
    results, missing = [], []
    built = build_rollup() if "mediation" in audiences else {}
    for audience in audiences:
        try:
            registry.section(audience, Query(period=periods(today)["this year"]))
        except ModuleNotFoundError as error:
            missing.append(audience)
            print(audience, "not measured yet:", error, flush=True)
            continue
        for period_label, period in periods(today).items():
            for scope_label, scope in scopes.items():
                if scope_label == "one advisor" and audience not in ("mediation", "frequentation"):
                    continue
                if scope_label == "one team" and audience not in ("mediation", "frequentation"):
                    scope = {"team_ids": (busiest_team(),)}
                query = Query(period=period, **scope)
                r = time_call(lambda q=query, a=audience: registry.section(a, q), runs)
                results.append({"section": audience, "period": period_label, "scope": scope_label, **r})
                print(audience, period_label, scope_label, {k: round(v) for k, v in r.items()}, flush=True)
    rolled = measure_rollup(scopes, runs, today, built) if "mediation" in audiences else {"sections": []}
    results += rolled.pop("sections")
    report = measure_report(today, runs)
    return {"sections": results, "missing": missing, "report": report, "rollup": rolled}


def busiest_team() -> int:
    """The team with the most requests (one team's requests, messages and listings)."""
    from django.db.models import Count

    from relais.cases.models import Case

    return Case.objects.order_by().values("team").annotate(n=Count("pk")).order_by("-n")[0]["team"]


def build_rollup() -> dict:
    """`relais stats_rebuild`, as a deployment runs it once after migrating."""
    from relais.stats import rollup

    began = time.perf_counter()
    months = rollup.rebuild_all()
    built = {
        "months": months,
        "seconds": time.perf_counter() - began,
        "rows": rollup.AccompanimentMonth.objects.count(),
    }
    print("roll-up built", built, flush=True)
    return built


def measure_rollup(scopes: dict, runs: int, today: datetime.date, built: dict) -> dict:
    """The time to build the monthly roll-up (`relais stats_rebuild`), and the mediation
    section counted record by record instead (`mediation.accompaniment_counts`), to compare."""
    from unittest import mock

    try:
        from relais.stats import rollup
    except ImportError:
        return {"sections": []}
    from relais.stats import registry
    from relais.stats.filters import Query
    from relais.stats.selectors import mediation

    results = []
    with mock.patch.object(rollup, "accompaniment_counts", mediation.accompaniment_counts):
        for period_label, period in periods(today).items():
            for scope_label, scope in scopes.items():
                query = Query(period=period, **scope)
                r = time_call(lambda q=query: registry.section("mediation", q), min(runs, 3))
                results.append({"section": "mediation-live", "period": period_label, "scope": scope_label, **r})
                print("mediation (live)", period_label, scope_label, {k: round(v) for k, v in r.items()}, flush=True)
    return {"sections": results, "built": built}


def measure_report(today: datetime.date, runs: int) -> dict | None:
    """The yearly council report (last year, the whole town, every audience), as the report
    page builds it; once as the sections are, once with the mediation roll-up."""
    from unittest import mock

    try:
        from relais.stats.report import council_pdf
    except ImportError:
        return None
    from django.conf import settings

    from relais.stats import registry
    from relais.stats.figures import published
    from relais.stats.filters import Query

    query = Query(period=periods(today)["last year"])

    def build() -> bytes:
        sections = [published(registry.section(name, query)) for name in AUDIENCES]
        return council_pdf(
            sections=sections, query=query, town_name=settings.RELAIS["TOWN_NAME"], title="Rapport d'activité"
        )

    r = time_call(build, max(1, min(runs, 3)))
    r["bytes"] = len(build())
    print("council report", r, flush=True)
    try:
        from relais.stats import rollup
        from relais.stats.selectors import mediation
    except ImportError:
        return r
    with mock.patch.object(rollup, "accompaniment_counts", mediation.accompaniment_counts):
        r["live"] = time_call(build, max(1, min(runs, 3)))
    print("council report, mediation counted live", r["live"], flush=True)
    return r


def extra_costs(today: datetime.date, runs: int) -> dict:
    """The two costly parts of the mediation counts, alone: distinct beneficiaries (a UNION
    of two person lists) and the themes (a JSON list unnested in SQL)."""
    from relais.mediation import choices as c
    from relais.mediation.models import Accompaniment
    from relais.stats.filters import Query
    from relais.stats.selectors import mediation
    from relais.stats.selectors._sql import list_counts

    out = {}
    for label, period in periods(today).items():
        q = Query(period=period)
        qs = mediation.accompaniments(q)
        individual = qs.filter(kind=c.AccompanimentKind.INDIVIDUAL)
        named = Accompaniment.participants.through.objects.filter(
            accompaniment__in=qs.filter(kind=c.AccompanimentKind.COLLECTIVE).values("pk")
        )

        def union(individual=individual, named=named):
            return (
                individual.filter(person__isnull=False)
                .order_by()
                .values("person_id")
                .union(named.order_by().values("person_id"))
                .count()
            )

        out[label] = {
            "beneficiaries (UNION)": time_call(union, runs),
            "themes (list_counts)": time_call(lambda qs=qs: list_counts(qs, "themes"), runs),
            "accompaniment_counts": time_call(lambda q=q: mediation.accompaniment_counts(q), runs),
        }
        try:
            from relais.stats import rollup
        except ImportError:
            continue
        out[label]["accompaniment_counts from the roll-up"] = time_call(
            lambda q=q: rollup.accompaniment_counts(q), runs
        )
        print(label, {k: round(v["p50"]) for k, v in out[label].items()}, flush=True)
    return out


# --- One database, in its own process ---------------------------------------------------


def _merge(before: dict, now: dict, audiences: list[str]) -> dict:
    """The timings of a run of some sections over those of the last run of them all."""
    redone = {*audiences, *(["mediation-live"] if "mediation" in audiences else [])}
    now["sections"] = [s for s in before["sections"] if s["section"] not in redone] + now["sections"]
    now["missing"] = [m for m in before["missing"] if m not in audiences] + now["missing"]
    for key in ("costs", "rollup"):
        now[key] = now.get(key) or before.get(key, {})
    now["report"] = now["report"] or before.get("report")
    return now


def run_one(database: str, scale: float, runs: int, out: Path, keep: bool, reuse: bool, audiences: list[str]) -> None:
    var = Path(tempfile.gettempdir()) / f"relais-bench-stats-{database}"
    reuse = reuse and (var / "ids.json").exists()
    if not reuse and var.exists():
        shutil.rmtree(var)
    var.mkdir(exist_ok=True)
    extra = {}
    if database == "postgresql":
        import psycopg

        extra["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        if not reuse:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    env = production_env(var, **extra)
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
    try:
        if not reuse:
            manage(env, "migrate", "--noinput")
            manage(env, "demo_load", "--allow-without-debug")
        else:
            manage(env, "migrate", "--noinput")
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
        import django

        django.setup()
        from django.utils import timezone

        today = timezone.localdate()
        volume = {k: max(1, int(v * scale)) for k, v in FULL.items()}
        state = var / "ids.json"
        if reuse and state.exists():
            loaded = json.loads(state.read_text())
        else:
            began = time.perf_counter()
            loaded = fill(volume, today)
            loaded["seconds"] = time.perf_counter() - began
            state.write_text(json.dumps(loaded))
        print(database, "loaded", loaded["counts"], f"in {loaded['seconds']:.0f} s", flush=True)
        results = measure(loaded, runs, today, audiences)
        results["costs"] = extra_costs(today, runs) if "mediation" in audiences else {}
        results.update(database=database, loaded=loaded, runs=runs, today=today.isoformat())
        saved = var / "results.json"
        if audiences != AUDIENCES and saved.exists():
            results = _merge(json.loads(saved.read_text()), results, audiences)
        saved.write_text(json.dumps(results))
        out.write_text(json.dumps(results))
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            if database == "postgresql":
                import psycopg

                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            shutil.rmtree(var, ignore_errors=True)


# --- The report ---------------------------------------------------------------------------

LABELS = {
    "mediation": "médiation numérique",
    "mediation-live": "médiation numérique, sans le cumul mensuel",
    "demandes": "demandes",
    "entraide": "entraide",
    "envois": "envois",
    "frequentation": "fréquentation",
}


def section_text(results: list[dict]) -> str:
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} on {machine()}; in process, no HTTP (the time a page waits "
        "on its figures): `relais.stats.registry.section(audience, query)`, which computes the period and the "
        "previous one. Periods: this year so far (against the same dates last year), last year (against the "
        "year before), the three years (against the three before, empty). Scopes: the whole town, one team of "
        f"{ADVISORS // TEAMS} advisors and 4 places, one advisor. p50/p95 over the runs after a warm-up; "
        "queries: SQL queries of one call. Goal (issue 13): every page under 1 s at p95 on PostgreSQL, the "
        "yearly PDF under 10 s.",
        "",
        "*médiation numérique* is the page as it runs: the whole months of the period come from the monthly "
        "roll-up (`relais.stats.rollup`, checked first against a per-month fingerprint of the records, read from an "
        "index alone, and built beforehand by `relais stats_rebuild` as a deployment does), the days around them are "
        "counted live, one advisor's or one place's records over a quarter at most are counted live (few and "
        "indexed), and the distinct people are always counted live. *médiation numérique, sans le cumul mensuel* "
        "counts every figure from the records (`selectors.mediation.accompaniment_counts`: per period about twenty "
        "queries on the period's rows, three of them unnesting the JSON lists, one a UNION of the named people), "
        "for comparison.",
    ]
    for r in results:
        counts = r["loaded"]["counts"]
        volumes = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        lines += [
            "",
            f"### {'PostgreSQL' if r['database'] == 'postgresql' else 'SQLite'}",
            "",
            f"Loaded in {r['loaded']['seconds']:.0f} s on top of the demo town: {volumes}; three years "
            f"to {r['today']}.",
            "",
            "| section | period | scope | p50 ms | p95 ms | queries | runs |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        ]
        order = [*AUDIENCES[:1], "mediation-live", *AUDIENCES[1:]]
        for s in sorted(r["sections"], key=lambda s: order.index(s["section"])):
            lines.append(
                f"| {LABELS[s['section']]} | {s['period']} | {s['scope']} | {s['p50']:.0f} | {s['p95']:.0f} "
                f"| {s['queries']} | {s.get('runs', r['runs'])} |"
            )
        for name in r["missing"]:
            lines.append(f"| {LABELS[name]} | — | — | not measured yet | | | |")
        slow = [s for s in r["sections"] if s["p95"] >= 1000]
        lines.append("")
        lines.append(
            "Over 1 s at p95: "
            + (", ".join(f"{LABELS[s['section']]} ({s['period']}, {s['scope']})" for s in slow) or "none")
            + "."
        )
        report = r["report"]
        lines.append("")
        built = r.get("rollup", {}).get("built")
        if built:
            lines += [
                f"The monthly roll-up of *médiation numérique*: building it all (`relais stats_rebuild`) took "
                f"{built['seconds']:.0f} s for {built['months']} months, {built['rows']:,} roll-up rows.",
                "",
            ]
        if report:
            lines.append(
                f"Yearly council report (last year, whole town, every audience, built as the report page does: "
                f"sections, suppression, PDF of {report['bytes'] / 1024:.0f} KiB): "
                f"p50 {report['p50'] / 1000:.1f} s, p95 {report['p95'] / 1000:.1f} s, {report['queries']} queries"
                + (
                    f"; with mediation counted without the roll-up p50 {report['live']['p50'] / 1000:.1f} s, "
                    f"p95 {report['live']['p95'] / 1000:.1f} s."
                    if "live" in report
                    else "."
                )
            )
        else:
            lines.append("Yearly council report: not measured yet (`relais.stats.report.council_pdf` absent).")
        if not r["costs"]:
            continue
        lines += [
            "",
            "Parts of the mediation counts alone (whole town, p50 / p95 ms):",
            "",
            "| period | " + " | ".join(next(iter(r["costs"].values()))) + " |",
            "| --- | " + " | ".join("---:" for _ in next(iter(r["costs"].values()))) + " |",
        ]
        for period, parts in r["costs"].items():
            lines.append(
                f"| {period} | " + " | ".join(f"{v['p50']:.0f} / {v['p95']:.0f}" for v in parts.values()) + " |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL, at the full volume")
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite only (at a tenth of the volume)")
    parser.add_argument("--skip-sqlite", action="store_true", help="with --postgres: PostgreSQL only")
    parser.add_argument("--scale", type=float, default=1.0, help="volume factor for PostgreSQL (default 1)")
    parser.add_argument("--runs", type=int, default=7, help="timed calls per section and period (default 7)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (then --reuse skips the load)")
    parser.add_argument("--reuse", action="store_true", help="time a database kept by --keep")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument(
        "--audiences", default="", help="with --reuse: time these sections again (a,b…), keep the others' timings"
    )
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scale = args.scale if args.child == "postgresql" else args.scale / 10
        audiences = args.audiences.split(",") if args.audiences else AUDIENCES
        run_one(args.child, scale, args.runs, Path(args.out), args.keep, args.reuse, audiences)
        return
    databases = ["sqlite"] if not args.skip_sqlite else []
    if args.postgres and not args.sqlite:
        databases.append("postgresql")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for database in databases:
            out = Path(tmp) / f"{database}.json"
            command = [sys.executable, __file__, "--child", database, "--out", str(out), "--runs", str(args.runs)]
            command += ["--scale", str(args.scale)] + ["--keep"] * args.keep + ["--reuse"] * args.reuse
            command += ["--audiences", args.audiences] if args.audiences else []
            subprocess.run(command, check=True)
            results.append(json.loads(out.read_text()))
    if args.keep:
        # A database kept from an earlier run keeps its place in the section.
        for database in ("sqlite", "postgresql"):
            saved = Path(tempfile.gettempdir()) / f"relais-bench-stats-{database}" / "results.json"
            if database not in databases and saved.exists():
                results.append(json.loads(saved.read_text()))
    results.sort(key=lambda r: r["database"] != "sqlite")
    body = section_text(results)
    if not args.no_write:
        write_section("Statistics", body)
    print(body)


if __name__ == "__main__":
    main()
