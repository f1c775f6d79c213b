"""Many API registrations at once, for real: threads, each with its own database connection,
on a database of their own (SQLite file or PostgreSQL), through the whole API path (key,
scope, Idempotency-Key, the registration service).

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=tests.settings python -m tests.api.partner_rush_worker

Migrates the empty database, creates a workshop and a partner application, then `--threads`
threads register distinct residents in the same instant, and `--retries` more threads send
one same registration with one same Idempotency-Key (a partner retrying). Prints one JSON
line with what happened; run by tests/api/test_partner_concurrency.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import threading

import django


def _setup(capacity: int) -> tuple[str, str]:
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from relais.accounts.models import Team, TeamKind
    from relais.api.models import Scope
    from relais.api.services import application_create
    from relais.directory.models import Place
    from relais.mediation.models import Workshop, WorkshopSession

    team = Team.objects.create(name="Médiation", slug="mediation", kind=TeamKind.MEDIATION)
    place = Place.objects.create(
        slug="relais", nom="Relais", pivot="21379999200010", adresse="1 rue", code_postal="37500", commune="Valbrenne"
    )
    workshop = Workshop.objects.create(
        team=team, slug="ruee-api", title="Ruée", description="x", theme="email", place=place, capacity=capacity,
        registration_opens_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=3)
    WorkshopSession.objects.create(workshop=workshop, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    _application, raw = application_create(
        name="Bornes de la médiathèque", scopes=[Scope.BOOKINGS_WRITE], actor=None, rate_limit=1_000_000
    )
    return workshop.slug, raw


def _register(slug: str, raw: str, number: int, key: str, barrier) -> tuple[int, dict, bool]:
    from django.db import connection
    from django.test import Client

    body = {
        "workshop": slug,
        "resident": {"first_name": "Ruée", "last_name": f"Habitant{number}", "preferred_channel": "email",
                     "email": f"ruee{number}@example.org"},
    }  # fmt: skip
    try:
        barrier.wait()
        response = Client().post(
            "/api/v1/registrations", body, content_type="application/json",
            headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": key},
        )  # fmt: skip
        return response.status_code, response.json(), response.has_header("Idempotent-Replayed")
    except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
        return 0, {"error": repr(error)}, False
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--retries", type=int, default=4)
    parser.add_argument("--capacity", type=int, default=3)
    args = parser.parse_args()
    django.setup()
    from django.db import connections

    slug, raw = _setup(args.capacity)
    connections.close_all()
    barrier = threading.Barrier(args.threads + args.retries)
    results: list = [None] * (args.threads + args.retries)

    def run(i: int) -> None:
        if i < args.threads:
            results[i] = _register(slug, raw, i, f"cle-{i}", barrier)
        else:  # the same registration retried with the same key
            results[i] = _register(slug, raw, 999, "cle-reprise", barrier)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(len(results))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    from relais.mediation.models import Registration, Workshop

    workshop = Workshop.objects.get(slug=slug)
    distinct, retried = results[: args.threads], results[args.threads :]
    print(
        json.dumps(
            {
                "vendor": connections["default"].vendor,
                "statuses": sorted({status for status, _b, _r in results}),
                "errors": [body for status, body, _r in results if status != 201][:5],
                # Every registration once: the distinct ones and the retried one (its first reply).
                "confirmed": sum(body.get("status") == "confirmed" for _s, body, _r in [*distinct, retried[0]]),
                "waitlisted": sum(body.get("status") == "waitlisted" for _s, body, _r in [*distinct, retried[0]]),
                "retried_statuses": sorted({body.get("status", "") for _s, body, _r in retried}),
                "retried_ids": sorted({body.get("id") for _s, body, _r in retried}),
                "retried_replayed": sum(replayed for _s, _b, replayed in retried),
                "rows": Registration.objects.filter(workshop=workshop).count(),
                "confirmed_rows": Registration.objects.filter(workshop=workshop, status="confirmed").count(),
                "counter": workshop.confirmed_count,
                "positions": sorted(
                    r.waitlist_position() for r in Registration.objects.filter(workshop=workshop, status="waitlisted")
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
