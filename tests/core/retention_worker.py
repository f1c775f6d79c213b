"""Two machines run the nightly retention purge at the same time.

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=tests.settings python -m tests.core.retention_worker

Migrates the empty database, files `--cases` requests closed four years ago (and a few
still open), then forks `--processes` processes that each run `retention.purge("cases.closed")`
at the same instant. Prints one JSON line: errors, how many each removed, the anonymous
counts kept, and the figures by form before and after; run by tests/core/test_retention.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing

import django


def _setup(cases: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from relais.accounts.models import Team
    from relais.cases.models import Case, Form
    from relais.core.models import Person

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="État civil", slug="etat-civil")
    form = Form.objects.create(slug="acte", title="Acte", team=team)
    person = Person.objects.create(last_name="Durand", created_via="counter")
    closed = timezone.now() - datetime.timedelta(days=4 * 365)
    Case.objects.bulk_create(
        [
            Case(
                reference=f"2022-{n:05d}", form=form, team=team, person=person, channel="counter",
                status="accepted" if n % 3 else "refused", due_date=closed.date(),
                submitted_at=closed - datetime.timedelta(days=n % 40), closed_at=closed if n % 10 else None,
            )
            for n in range(1, cases + 1)
        ]
    )  # fmt: skip


def _purge(barrier, queue) -> None:
    from django.db import connection

    from relais.core import retention

    try:
        barrier.wait()
        queue.put({"removed": retention.purge("cases.closed").count})
    except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
        queue.put({"error": repr(error)})
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--cases", type=int, default=1200)
    args = parser.parse_args()
    django.setup()
    from django.db import connection

    from relais.cases.models import Case
    from relais.cases.selectors import case_counts
    from relais.core.models import RetainedCount

    _setup(args.cases)
    due = Case.objects.filter(closed_at__isnull=False).count()
    before = case_counts()
    connection.close()
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(args.processes), context.Queue()
    workers = [context.Process(target=_purge, args=(barrier, queue)) for _ in range(args.processes)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=240) for _ in workers]
    for worker in workers:
        worker.join()
    after = case_counts()
    print(
        json.dumps(
            {
                "due": due,
                "errors": [r["error"] for r in results if "error" in r],
                "removed": sorted(r.get("removed", 0) for r in results),
                "left": Case.objects.count(),
                "retained": sum(RetainedCount.objects.values_list("count", flat=True)),
                "same_figures": before == after,
            }
        )
    )


if __name__ == "__main__":
    main()
