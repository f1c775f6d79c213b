"""Many residents registering at once, for real: processes × threads, each with its own
database connection, on a database of their own (SQLite file or PostgreSQL).

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=tests.settings python -m tests.mediation.rush_worker

Migrates the empty database, creates one workshop and one bookable slot, then forks
`--processes` processes of `--threads` threads; all wait at a barrier and then register
(through the same service as the web form) in the same instant. Then `--threads` threads
try to book the same appointment slot. Then seated people cancel while others register
(promotions racing new registrations), and residents book the slots of a day while an
advisor cancels that day. Prints one JSON line with what happened; run by
tests/mediation/test_concurrency.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import threading
import uuid

import django


def _setup_data(capacity: int) -> tuple[int, int, str]:
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from relais.accounts.models import Team, TeamKind
    from relais.directory.models import Place
    from relais.mediation.models import DropIn, Workshop, WorkshopSession
    from relais.mediation.selectors import free_slots

    team = Team.objects.create(name="Médiation", slug="mediation", kind=TeamKind.MEDIATION)
    place = Place.objects.create(
        slug="relais", nom="Relais", pivot="21379999200010", adresse="1 rue", code_postal="37500", commune="Valbrenne"
    )
    workshop = Workshop.objects.create(
        team=team, slug="rush", title="Rush", description="x", theme="email", place=place, capacity=capacity,
        registration_opens_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=3)
    WorkshopSession.objects.create(workshop=workshop, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    dropin = DropIn.objects.create(
        team=team, place=place, booking="appointment", rrule="FREQ=DAILY", start_date=timezone.localdate(),
        start_time=datetime.time(9), end_time=datetime.time(12),
    )  # fmt: skip
    slot = free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[0]
    return workshop.pk, dropin.pk, slot.starts_at.isoformat()


def _register(workshop_id: int, number: int) -> str:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from relais.mediation.models import Workshop
    from relais.mediation.services import workshops

    try:
        registration = workshops.registration_create_online(
            workshop=Workshop.objects.get(pk=workshop_id),
            user=AnonymousUser(),
            contact={
                "first_name": "Rush",
                "last_name": f"Habitant{number}",
                "preferred_channel": "email",
                "email": f"rush{number}@example.org",
            },
            submission_key=uuid.uuid4(),
        )
        return registration.status
    except Exception as error:  # noqa: BLE001 - every failure is reported, none hidden
        return f"error: {error!r}"
    finally:
        connection.close()


def _process(workshop_id: int, first: int, threads: int, barrier, queue) -> None:
    results: list[str] = []

    def run(number: int) -> None:
        barrier.wait()
        results.append(_register(workshop_id, number))

    pool = [threading.Thread(target=run, args=(first + n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(results)


def _book(dropin_id: int, starts_at: str, number: int, barrier) -> str:
    from django.db import connection

    from relais.core.models import Person
    from relais.mediation.exceptions import SlotTaken
    from relais.mediation.models import DropIn
    from relais.mediation.services import appointments

    try:
        person = Person.objects.create(last_name=f"Rdv{number}", phone="0612345678", preferred_channel="sms")
        barrier.wait()
        appointments.appointment_book(
            dropin=DropIn.objects.get(pk=dropin_id),
            starts_at=datetime.datetime.fromisoformat(starts_at),
            person=person,
            channel="online",
            actor=None,
        )
        return "booked"
    except SlotTaken:
        return "taken"
    except Exception as error:  # noqa: BLE001
        return f"error: {error!r}"
    finally:
        connection.close()


def _cancel_registration(registration_id: int, barrier) -> str:
    from django.db import connection

    from relais.mediation.models import Registration
    from relais.mediation.services import workshops

    try:
        registration = Registration.objects.get(pk=registration_id)
        barrier.wait()
        workshops.registration_cancel(registration=registration, actor=None)
        return "cancelled"
    except Exception as error:  # noqa: BLE001
        return f"error: {error!r}"
    finally:
        connection.close()


def _late_register(workshop_id: int, number: int, barrier) -> str:
    barrier.wait()
    return _register(workshop_id, number)


def _churn(workshop_id: int, threads: int) -> dict:
    """Half the threads cancel seats (each promotes the first waiting), half register anew."""
    from relais.mediation.models import Registration, Workshop

    seated = list(Registration.objects.filter(workshop_id=workshop_id, status="confirmed").values_list("pk", flat=True))
    waiting_before = list(
        Registration.objects.filter(workshop_id=workshop_id, status="waitlisted")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cancellers = seated[: threads // 2]
    barrier = threading.Barrier(len(cancellers) + threads // 2)
    results: list[str] = []
    pool = [threading.Thread(target=lambda r=r: results.append(_cancel_registration(r, barrier))) for r in cancellers]
    pool += [
        threading.Thread(target=lambda n=n: results.append(_late_register(workshop_id, 10_000 + n, barrier)))
        for n in range(threads // 2)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    workshop = Workshop.objects.get(pk=workshop_id)
    confirmed = set(
        Registration.objects.filter(workshop_id=workshop_id, status="confirmed").values_list("pk", flat=True)
    )
    waiting = list(Registration.objects.filter(workshop_id=workshop_id, status="waitlisted"))
    return {
        "churn_errors": [r for r in results if r.startswith("error")][:5],
        "churn_counter": workshop.confirmed_count,
        "churn_confirmed_rows": len(confirmed),
        # The seats freed went to the first people waiting, in their order.
        "churn_promoted_in_order": confirmed
        == (set(seated) - set(cancellers)) | set(waiting_before[: len(cancellers)]),
        "churn_positions": sorted(r.waitlist_position() for r in waiting) == list(range(1, len(waiting) + 1)),
    }


def _book_slot(dropin_id: int, starts_at, number: int, barrier) -> str:
    from django.db import connection

    from relais.core.models import Person
    from relais.mediation.exceptions import SlotTaken
    from relais.mediation.models import DropIn
    from relais.mediation.services import appointments

    try:
        person = Person.objects.create(last_name=f"Jour{number}", phone="0612345678", preferred_channel="sms")
        barrier.wait()
        appointments.appointment_book(
            dropin=DropIn.objects.get(pk=dropin_id), starts_at=starts_at, person=person, channel="online", actor=None
        )
        return "booked"
    except SlotTaken:
        return "taken"
    except Exception as error:  # noqa: BLE001
        return f"error: {error!r}"
    finally:
        connection.close()


def _cancel_day(dropin_id: int, day, barrier) -> str:
    from django.db import connection

    from relais.mediation.models import DropIn
    from relais.mediation.services import dropins

    try:
        dropin = DropIn.objects.get(pk=dropin_id)
        barrier.wait()
        dropins.dropin_cancel_date(dropin=dropin, date=day, notice="Fermé pour travaux.", actor=None)
        return "cancelled"
    except Exception as error:  # noqa: BLE001
        return f"error: {error!r}"
    finally:
        connection.close()


def _day_cancelled_while_booking(dropin_id: int) -> dict:
    """Residents book every slot of a day while an advisor cancels that day: whoever comes
    first, no appointment may stay active on a cancelled day."""
    from django.utils import timezone

    from relais.mediation.models import Appointment, DropIn
    from relais.mediation.selectors import free_slots

    today = timezone.localdate()
    slots = free_slots(dropins=DropIn.objects.filter(pk=dropin_id))
    day = next(timezone.localtime(s.starts_at).date() for s in slots if timezone.localtime(s.starts_at).date() > today)
    of_day = [s for s in slots if timezone.localtime(s.starts_at).date() == day]
    barrier = threading.Barrier(len(of_day) + 1)
    results: list[str] = []
    pool = [
        threading.Thread(target=lambda s=s, n=n: results.append(_book_slot(dropin_id, s.starts_at, n, barrier)))
        for n, s in enumerate(of_day)
    ]
    pool.append(threading.Thread(target=lambda: results.append(_cancel_day(dropin_id, day, barrier))))
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    active = [
        a
        for a in Appointment.objects.active().filter(dropin_id=dropin_id)
        if timezone.localtime(a.starts_at).date() == day
    ]
    return {
        "day_errors": [r for r in results if r.startswith("error")][:5],
        "day_cancelled": results.count("cancelled"),
        "day_active_left": len(active),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=5)
    args = parser.parse_args()
    django.setup()
    from django.db import IntegrityError, connections, transaction
    from django.db.models import F

    from relais.mediation.models import Appointment, Registration, Workshop

    workshop_id, dropin_id, slot_start = _setup_data(args.capacity)
    connections.close_all()  # no connection may cross a fork

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(args.processes * args.threads)
    queue = context.Queue()
    workers = [
        context.Process(target=_process, args=(workshop_id, p * args.threads, args.threads, barrier, queue))
        for p in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [status for _worker in workers for status in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)

    results: list[str] = []
    slot_barrier = threading.Barrier(args.threads)
    threads = [
        threading.Thread(target=lambda n=n: results.append(_book(dropin_id, slot_start, n, slot_barrier)))
        for n in range(args.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    workshop = Workshop.objects.get(pk=workshop_id)
    waitlist = [r.waitlist_position() for r in Registration.objects.filter(workshop=workshop, status="waitlisted")]
    rush = {
        "counter": workshop.confirmed_count,
        "confirmed_rows": Registration.objects.filter(workshop=workshop, status="confirmed").count(),
        "slot_rows": Appointment.objects.filter(dropin_id=dropin_id, cancelled_at__isnull=True).count(),
    }
    churn = _churn(workshop_id, args.threads)
    day = _day_cancelled_while_booking(dropin_id)
    try:
        with transaction.atomic():
            Workshop.objects.filter(pk=workshop_id).update(confirmed_count=F("capacity") + 1)
        check_refused = False
    except IntegrityError:
        check_refused = True
    print(
        json.dumps(
            {
                "vendor": connections["default"].vendor,
                "confirmed": outcomes.count("confirmed"),
                "waitlisted": outcomes.count("waitlisted"),
                "errors": [o for o in outcomes if o.startswith("error")][:5],
                "waitlist_positions": sorted(waitlist),
                "slot_booked": results.count("booked"),
                "slot_taken": results.count("taken"),
                "slot_errors": [r for r in results if r.startswith("error")][:5],
                "check_refused": check_refused,
                **rush,
                **churn,
                **day,
            }
        )
    )


if __name__ == "__main__":
    main()
