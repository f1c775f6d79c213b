"""Merging two records of one person (core.services.person_merge) with mediation records:
registrations to the same workshop, appointments at the same time, named participants."""

from relais.core.models import Channel, Person
from relais.core.services import person_merge
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.models import Accompaniment, Appointment, DropIn, Registration, Workshop
from relais.mediation.services import appointments, workshops
from relais.notifications.models import Message
from tests.mediation.conftest import make_dropin, make_person, make_workshop


def register(workshop, person):
    return workshops.registration_create(workshop=workshop, person=person, channel=Channel.ONLINE, actor=None)


def test_both_records_registered_to_a_workshop_keep_one_seat_and_the_next_waiting_gets_the_other(advisor):
    workshop = make_workshop(capacity=2)
    kept, duplicate = make_person("kept"), make_person("dup", first_name="Prénomkept", last_name="Nomkept2")
    register(workshop, kept)
    register(workshop, duplicate)
    waiting = register(workshop, make_person("waiting"))
    person_merge(duplicate=duplicate, kept=kept, actor=advisor)
    active = Registration.objects.active().filter(workshop=workshop)
    assert active.filter(person=kept).count() == 1 and not active.filter(person=duplicate).exists()
    waiting.refresh_from_db()
    assert waiting.status == c.RegistrationStatus.CONFIRMED
    workshop.refresh_from_db()
    assert workshop.confirmed_count == 2 == active.filter(status="confirmed").count()
    assert Message.objects.filter(template="mediation_registration_promoted", person=waiting.person).exists()


def test_a_seat_of_the_duplicate_is_kept_over_a_waitlist_place_of_the_kept_record(advisor):
    workshop = make_workshop(capacity=1)
    duplicate, kept = make_person("seat"), make_person("late")
    seat = register(workshop, duplicate)
    late = register(workshop, kept)
    person_merge(duplicate=duplicate, kept=kept, actor=advisor)
    seat.refresh_from_db()
    late.refresh_from_db()
    assert seat.person == kept and seat.status == "confirmed" and late.status == "cancelled"
    assert Workshop.objects.get(pk=workshop.pk).confirmed_count == 1


def test_named_participants_follow_the_merge(advisor, team):
    kept, duplicate, other = make_person("k"), make_person("d"), make_person("o")
    both = Accompaniment.objects.create(team=team, advisor=advisor, duration=60, themes=["email"], kind="collectif",
                                        place_type="a_distance")  # fmt: skip
    both.participants.set([kept, duplicate, other])
    only_duplicate = Accompaniment.objects.create(team=team, advisor=advisor, duration=60, themes=["email"],
                                                  kind="collectif", place_type="a_distance")  # fmt: skip
    only_duplicate.participants.set([duplicate])
    person_merge(duplicate=duplicate, kept=kept, actor=advisor)
    assert set(both.participants.all()) == {kept, other}
    assert list(only_duplicate.participants.all()) == [kept]
    assert not Person.objects.get(pk=duplicate.pk).collective_accompaniments.exists()


def test_two_appointments_at_the_same_time_leave_one(advisor):
    one = make_dropin()
    two = make_dropin(place_slug="relais-citoyen-sud")
    kept, duplicate = make_person("rk"), make_person("rd")
    slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=one.pk))[0]
    mine = appointments.appointment_book(
        dropin=one, starts_at=slot.starts_at, person=kept, channel="online", actor=None
    )
    theirs = appointments.appointment_book(
        dropin=two, starts_at=slot.starts_at, person=duplicate, channel="phone", actor=None
    )
    # Another free time of the second drop-in (an hour later may be past its closing time).
    other_time = next(
        s.starts_at
        for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=two.pk))
        if s.starts_at != slot.starts_at
    )
    later = appointments.appointment_book(
        dropin=two, starts_at=other_time, person=duplicate, channel="phone", actor=None
    )
    person_merge(duplicate=duplicate, kept=kept, actor=advisor)
    theirs.refresh_from_db()
    later.refresh_from_db()
    assert not theirs.is_active and theirs.outcome == c.Outcome.REVOKED and theirs.person == kept
    assert later.is_active and later.person == kept
    assert Appointment.objects.active().filter(person=kept, starts_at=slot.starts_at).get() == mine
    assert slot.starts_at in [s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=two.pk))]
