"""Bookings racing for the counters of one slot, for real: threads with their own database
connections, on a database of their own (SQLite file or PostgreSQL).

    DATABASE_URL=… DJANGO_SETTINGS_MODULE=tests.settings python -m tests.mediation.counters_worker

Migrates the empty database, creates an appointment type open at one place with 2
counters; then (1) one counter taken, two agents book the last one in the same instant;
(2) five bookings race for a slot whose 2 counters are free; (3) one contact books a
type capped at 1 appointment at two of its openings in the same instant. Prints one JSON
line; run by tests/mediation/test_counters_concurrency.py.
"""

from __future__ import annotations

import datetime
import json
import threading

import django


def _setup() -> tuple[int, list]:
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from relais.accounts.models import Team, TeamKind
    from relais.directory.models import Place
    from relais.mediation.models import AppointmentType, DropIn
    from relais.mediation.selectors import free_slots

    team = Team.objects.create(name="État civil", slug="etat-civil", kind=TeamKind.SERVICE)
    place = Place.objects.create(
        slug="mairie", nom="Mairie", pivot="21379999200010", adresse="1 rue", code_postal="37500", commune="Valbrenne"
    )
    kind = AppointmentType.objects.create(team=team, slug="titres", title="Titres", duration=15, per_contact_cap=0)
    opening = DropIn.objects.create(
        team=team, place=place, appointment_type=kind, booking="appointment", rrule="FREQ=DAILY",
        start_date=timezone.localdate(), start_time=datetime.time(9), end_time=datetime.time(12), slot_minutes=15,
        counters=2,
    )  # fmt: skip
    slots = free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    return opening.pk, [slots[0].starts_at, slots[1].starts_at]


def _setup_capped() -> tuple[list[int], list]:
    """A type capped at one appointment per contact, open at two places."""
    from django.utils import timezone

    from relais.accounts.models import Team
    from relais.directory.models import Place
    from relais.mediation.models import AppointmentType, DropIn
    from relais.mediation.selectors import free_slots

    team = Team.objects.get(slug="etat-civil")
    annex = Place.objects.create(
        slug="annexe", nom="Annexe", pivot="21379999200011", adresse="2 rue", code_postal="37500", commune="Valbrenne"
    )
    kind = AppointmentType.objects.create(
        team=team, slug="passeport", title="Passeport", duration=15, per_contact_cap=1
    )
    openings = [
        DropIn.objects.create(
            team=team,
            place=place,
            appointment_type=kind,
            booking="appointment",
            rrule="FREQ=DAILY",
            start_date=timezone.localdate(),
            start_time=datetime.time(9),
            end_time=datetime.time(12),
            slot_minutes=15,
            counters=1,
        )  # fmt: skip
        for place in (Place.objects.get(slug="mairie"), annex)
    ]
    starts = [free_slots(dropins=DropIn.objects.filter(pk=o.pk))[0].starts_at for o in openings]
    return [o.pk for o in openings], starts


def _book_online(opening_id: int, starts_at, barrier) -> str:
    from django.core.exceptions import ValidationError
    from django.db import connection

    from relais.mediation.exceptions import SlotTaken
    from relais.mediation.models import DropIn
    from relais.mediation.services import appointments

    contact = {"last_name": "Revendeur", "first_name": "Max", "preferred_channel": "email", "email": "r@example.org"}
    try:
        opening = DropIn.objects.get(pk=opening_id)
        barrier.wait()
        appointments.appointment_book_online(dropin=opening, starts_at=starts_at, user=None, contact=contact)
        return "booked"
    except SlotTaken:
        return "taken"
    except ValidationError:
        return "capped"
    except Exception as error:  # noqa: BLE001 - every failure is reported
        return f"error: {error!r}"
    finally:
        connection.close()


def _cap_race() -> list[str]:
    from django.db import connection

    opening_ids, starts = _setup_capped()
    connection.close()
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i: int) -> None:
        results[i] = _book_online(opening_ids[i], starts[i], barrier)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(results)


def _book(opening_id: int, starts_at, number: int, barrier) -> str:
    from django.db import connection

    from relais.core.models import Person
    from relais.mediation.exceptions import SlotTaken
    from relais.mediation.models import DropIn
    from relais.mediation.services import appointments

    try:
        person = Person.objects.create(last_name=f"Guichet{number}", phone="0612345678", preferred_channel="sms")
        opening = DropIn.objects.get(pk=opening_id)
        if barrier is not None:
            barrier.wait()
        appointments.appointment_book(dropin=opening, starts_at=starts_at, person=person, channel="counter", actor=None)
        return "booked"
    except SlotTaken:
        return "taken"
    except Exception as error:  # noqa: BLE001 - every failure is reported
        return f"error: {error!r}"
    finally:
        connection.close()


def _race(opening_id: int, starts_at, threads: int, first: int) -> list[str]:
    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def run(i: int) -> None:
        results[i] = _book(opening_id, starts_at, first + i, barrier)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def _rows(opening_id: int, starts_at) -> list[int]:
    from relais.mediation.models import Appointment

    return sorted(
        Appointment.objects.active().filter(dropin_id=opening_id, starts_at=starts_at).values_list("counter", flat=True)
    )


def main() -> None:
    django.setup()
    from django.db import connection

    opening_id, (last_counter_slot, free_slot) = _setup()
    first = _book(opening_id, last_counter_slot, 0, None)
    connection.close()
    last = _race(opening_id, last_counter_slot, 2, 1)
    rush = _race(opening_id, free_slot, 5, 10)
    cap_race = _cap_race()
    print(
        json.dumps(
            {
                "first": first,
                "last_counter": sorted(last),
                "last_counter_rows": _rows(opening_id, last_counter_slot),
                "rush": sorted(rush),
                "rush_rows": _rows(opening_id, free_slot),
                "cap_race": cap_race,
            }
        )
    )


if __name__ == "__main__":
    main()
