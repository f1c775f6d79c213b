"""Many writers on the audit journal at once, while it is verified and purged.

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=tests.settings python -m tests.core.audit_chain_worker

Migrates the empty database and writes `--aged` entries 400 days old (sealed). Then forks
`--processes` processes of `--threads` threads; each writes `--rounds` transactions of
journal entries (one through `audit_log`, sometimes three more in one bulk insert, one
transaction in five rolled back), sealed after each commit as in production. Meanwhile the
parent verifies the chain again and again and purges the aged entries once. Prints one
JSON line; run by tests/core/test_audit_chain.py.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import threading

import django


class _Rollback(Exception):
    pass


def _write(p: int, t: int, rounds: int, barrier) -> tuple[int, list[str]]:
    from django.db import connection, transaction

    from relais.core.audit import audit_log
    from relais.core.models import AuditEvent

    committed, errors = 0, []
    try:
        barrier.wait()
        for r in range(rounds):
            bulk = 3 if r % 3 == 0 else 0
            try:
                with transaction.atomic():
                    audit_log(actor=None, action="core.person.viewed", details={"p": p, "t": t, "r": r})
                    if bulk:
                        AuditEvent.objects.bulk_create(
                            [AuditEvent(action="test.listed", person_id=n) for n in range(bulk)]
                        )
                    if r % 5 == 4:
                        raise _Rollback
                committed += 1 + bulk
            except _Rollback:
                pass
    except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
        errors.append(repr(error))
    finally:
        connection.close()
    return committed, errors


def _process(p: int, threads: int, rounds: int, barrier, queue) -> None:
    results = []
    pool = [threading.Thread(target=lambda t=t: results.append(_write(p, t, rounds, barrier))) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--aged", type=int, default=20)
    args = parser.parse_args()
    django.setup()
    import datetime

    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from relais.core.audit import audit_purge, audit_seal, audit_verify
    from relais.core.models import AuditEvent

    call_command("migrate", verbosity=0)
    old = timezone.now() - datetime.timedelta(days=400)
    for n in range(args.aged):
        AuditEvent.objects.create(action="test.aged", at=old, details={"n": n})
    audit_seal()
    connections.close_all()  # no connection may cross a fork

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(args.processes * args.threads + 1)
    queue = context.Queue()
    workers = [
        context.Process(target=_process, args=(p, args.threads, args.rounds, barrier, queue))
        for p in range(args.processes)
    ]
    for worker in workers:
        worker.start()

    done = threading.Event()
    broken, verifications, purged, errors = [], [], [], []

    def verify_again_and_again():
        try:
            while not done.is_set():
                report = audit_verify(record=False)
                verifications.append(report.intact)
                if not report.intact:
                    broken.append(str(report))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
        finally:
            connection.close()

    def purge_once():
        try:
            purged.append(audit_purge(older_than_days=365))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
        finally:
            connection.close()

    barrier.wait()
    helpers = [threading.Thread(target=verify_again_and_again), threading.Thread(target=purge_once)]
    for helper in helpers:
        helper.start()
    outcomes = [result for _worker in workers for result in queue.get(timeout=240)]
    for worker in workers:
        worker.join(timeout=30)
    done.set()
    for helper in helpers:
        helper.join()

    unsealed_before = AuditEvent.objects.filter(chain_position__isnull=True).count()
    final = audit_verify(record=False)
    print(
        json.dumps(
            {
                "vendor": connections["default"].vendor,
                "errors": (errors + [e for _, errs in outcomes for e in errs])[:5],
                "committed": sum(c for c, _ in outcomes),
                "aged": args.aged,
                "purged": sum(purged) if purged else None,
                "verifications_during_writes": len(verifications),
                "broken_during_writes": broken[:5],
                "unsealed_before_final_seal": unsealed_before,
                "unsealed": AuditEvent.objects.filter(chain_position__isnull=True).count(),
                "entries_left": AuditEvent.objects.count(),
                "final": {"intact": final.intact, "entries": final.entries, "report": str(final)},
            }
        )
    )


if __name__ == "__main__":
    main()
