"""Retention: past the period, bookings lose their person, free text and private link,
records of accompaniment keep only their statistics; the people then go with the rule
`people` once nothing points at them, however they were created; idempotent, with a dry
run, journaled once (by core.retention)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from relais.core import retention
from relais.core.models import AuditEvent, Channel, Person
from relais.mediation import retention as mediation_retention
from relais.mediation.models import Accompaniment, Appointment, Registration
from relais.notifications.models import Message, MessageStatus
from relais.notifications.services import notify
from tests.mediation.conftest import make_dropin, make_person, make_workshop

LONG_AGO = datetime.timedelta(days=400)


def _old_appointment(person, *, ago=LONG_AGO, topic="Mon dossier de retraite"):
    dropin = make_dropin()
    start = timezone.now() - ago
    appointment = Appointment.objects.create(
        dropin=dropin, team=dropin.team, place=dropin.place, person=person, topic=topic, starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30), cancel_reason="",
    )  # fmt: skip
    Appointment.objects.filter(pk=appointment.pk).update(created_at=start - datetime.timedelta(days=3))
    notify(person=person, template="mediation_appointment_confirmed", related=appointment,
           context={"when": "x", "place": "x", "address": "x", "topic": topic, "link": "x"})  # fmt: skip
    sent = start - datetime.timedelta(days=3)
    Message.objects.filter(related_id=str(appointment.pk)).update(
        created_at=sent, sent_at=sent, status=MessageStatus.SENT
    )
    return appointment


def _person(n, *, ago=LONG_AGO, via=Channel.ONLINE):
    person = make_person(n, created_via=via)
    then = timezone.now() - ago - datetime.timedelta(days=5)
    Person.objects.filter(pk=person.pk).update(created_at=then, updated_at=then)
    return person


def _online_person(n, *, ago=LONG_AGO):
    return _person(n, ago=ago)


def _purge():
    """The nightly purge: every rule, in order (mediation first, people last)."""
    return {o.kind: o.count for o in retention.purge_all()}


@pytest.fixture
def records(db, advisor, team, resident_with_email):
    gone = _online_person("gone")
    at_the_counter = _person("guichet", via=Channel.COUNTER)
    staying = _online_person("recent")
    return {
        "gone": gone,
        "gone_appointment": _old_appointment(gone),
        "at_the_counter": at_the_counter,
        "counter_appointment": _old_appointment(at_the_counter),
        "old_of_known": _old_appointment(resident_with_email),
        "staying": staying,
        "staying_old": _old_appointment(staying),
        "staying_recent": _old_appointment(staying, ago=datetime.timedelta(days=20), topic="Ma carte grise"),
        "record": Accompaniment.objects.create(
            team=team,
            advisor=advisor,
            duration=45,
            themes=["email"],
            place_type="a_distance",
            person=resident_with_email,
            notes="Marie a peur des arnaques.",
            date=timezone.localdate() - LONG_AGO,
        ),  # fmt: skip
    }


def test_past_the_period_bookings_lose_their_person_text_and_link_and_people_with_nothing_left_go(
    records, resident_with_email
):
    old_token = records["old_of_known"].token
    done = _purge()
    assert done["mediation"] == 5 and done["people"] >= 2  # 4 old appointments, 1 record
    for name in ("gone", "at_the_counter"):  # online or at the counter: the same rule
        assert not Person.objects.filter(pk=records[name].pk).exists(), name
        assert AuditEvent.objects.filter(action="core.person.deleted", person_id=records[name].pk).exists()
    for name in ("gone_appointment", "counter_appointment"):  # kept for the statistics
        anonymous = Appointment.objects.get(pk=records[name].pk)
        assert anonymous.person is None and anonymous.topic == "" and anonymous.anonymised_at
    assert not Message.objects.filter(person_id=records["gone"].pk).exists()
    known = Appointment.objects.get(pk=records["old_of_known"].pk)
    assert known.topic == "" and known.token != old_token and known.person is None
    assert known.starts_at == records["old_of_known"].starts_at  # the statistics stay
    assert Person.objects.filter(pk=resident_with_email.pk).exists()  # she has other records
    staying = Person.objects.get(pk=records["staying"].pk)  # a booking within the period: kept
    assert Appointment.objects.get(pk=records["staying_recent"].pk).topic == "Ma carte grise"
    assert Appointment.objects.get(pk=records["staying_recent"].pk).person == staying
    assert Appointment.objects.get(pk=records["staying_old"].pk).person is None
    record = Accompaniment.objects.get(pk=records["record"].pk)
    assert record.person is None and record.notes == "" and record.duration == 45 and record.themes == ["email"]


def test_one_purge_writes_one_journal_entry(records):
    retention.purge("mediation")
    entries = AuditEvent.objects.filter(action__in=["core.retention.purged", "mediation.purged"])
    assert [(e.action, e.details["kind"], e.details["count"]) for e in entries] == [
        ("core.retention.purged", "mediation", 5)
    ]


def test_a_booking_anonymised_before_keeps_no_person(records):
    """Bookings anonymised by an earlier version kept their person: they lose it now."""
    appointment = records["counter_appointment"]
    Appointment.objects.filter(pk=appointment.pk).update(topic="", anonymised_at=timezone.now() - LONG_AGO)
    retention.purge("mediation")
    assert Appointment.objects.get(pk=appointment.pk).person is None


def test_a_second_run_changes_nothing(records):
    retention.purge("mediation")
    token = Appointment.objects.get(pk=records["old_of_known"].pk).token
    assert retention.purge("mediation").count == 0
    assert Appointment.objects.get(pk=records["old_of_known"].pk).token == token


def test_people_with_another_record_are_kept(records, advisor):
    gone = records["gone"]
    Accompaniment.objects.create(
        team=records["record"].team, advisor=advisor, duration=30, themes=["email"], place_type="a_distance",
        person=gone,
    )  # fmt: skip
    _purge()
    assert Person.objects.filter(pk=gone.pk).exists()


def test_old_registrations_lose_their_person_and_link_and_collective_records_their_names(db, advisor, team):
    workshop = make_workshop(days=-400)
    person = make_person("reg")
    registration = Registration.objects.create(workshop=workshop, person=person, status="attended")
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - LONG_AGO)
    collective = Accompaniment.objects.create(
        team=team, advisor=advisor, duration=120, themes=["email"], place_type="a_distance", kind="collectif",
        anonymous_count=2, date=timezone.localdate() - LONG_AGO, notes="Groupe du mardi, avec Mme Reg.",
    )  # fmt: skip
    collective.participants.set([person])
    retention.purge("mediation")
    updated = Registration.objects.get(pk=registration.pk)
    assert updated.token != registration.token and updated.anonymised_at and updated.status == "attended"
    assert updated.person is None
    collective.refresh_from_db()
    assert not collective.participants.exists() and collective.notes == ""
    # The statistics stay: the named participant now counts among the anonymous ones.
    assert collective.anonymous_count == 3 and collective.duration == 120
    retention.purge("mediation")  # idempotent: counted once
    collective.refresh_from_db()
    assert collective.anonymous_count == 3


def test_the_command_has_a_dry_run(records):
    out = io.StringIO()
    call_command("mediation_purge", "--dry-run", stdout=out)
    assert "would be removed or anonymised" in out.getvalue()
    assert Appointment.objects.get(pk=records["old_of_known"].pk).topic == "Mon dossier de retraite"
    out = io.StringIO()
    call_command("mediation_purge", stdout=out)
    assert "mediation: 5 record(s)" in out.getvalue()
    assert Appointment.objects.get(pk=records["gone_appointment"].pk).person is None


def test_a_period_too_short_is_refused_and_touches_nothing(records):
    """A typo (0, -7) would strip this week's bookings: refused by the rule's floor."""
    future = _old_appointment(records["gone"], ago=-datetime.timedelta(days=3))
    floor = retention.rule("mediation").floor_days
    assert not hasattr(mediation_retention, "MIN_RETENTION_DAYS")  # one floor: the rule's
    with pytest.raises(CommandError, match=f"at least {floor} days"):
        call_command("mediation_purge", "--days", "-7", stdout=io.StringIO())
    with pytest.raises(retention.RetentionRefused):
        retention.purge("mediation", days=floor - 1)
    assert Appointment.objects.get(pk=future.pk).topic == "Mon dossier de retraite"
    assert Appointment.objects.get(pk=records["gone_appointment"].pk).anonymised_at is None


def test_one_rule_decides_who_has_nothing_left(records, resident_with_email):
    """Mediation no longer has its own list of people to delete: core's rule `people`
    decides (a block is deleted with the person, so it does not keep them)."""
    from relais.mutualaid.models import Block

    assert not hasattr(mediation_retention, "_purgeable_people")
    Block.objects.create(blocker=resident_with_email, blocked=records["gone"])
    _purge()
    assert not Person.objects.filter(pk=records["gone"].pk).exists()
    assert not Block.objects.filter(blocker=resident_with_email).exists()


@pytest.mark.parametrize("via", [Channel.ONLINE, Channel.COUNTER])
def test_a_seat_taken_by_a_person_who_goes_still_counts(db, via):
    """The purge used to delete their registrations: the workshop's seat counter then said
    one seat more than its registrations. A person met at the counter goes too."""
    workshop = make_workshop(days=-400)
    person = _person("seat", via=via)
    registration = Registration.objects.create(workshop=workshop, person=person, status="confirmed")
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - LONG_AGO)
    type(workshop).objects.filter(pk=workshop.pk).update(confirmed_count=1)
    _purge()
    assert not Person.objects.filter(pk=person.pk).exists()
    workshop.refresh_from_db()
    kept = Registration.objects.get(pk=registration.pk)
    assert kept.person is None and kept.status == "confirmed"
    assert workshop.confirmed_count == workshop.registrations.filter(status="confirmed").count() == 1


def test_staff_pages_show_an_anonymous_booking_as_a_removed_person(records, advisor_client):
    workshop = make_workshop(days=-400)
    person = _online_person("atelier")
    registration = Registration.objects.create(workshop=workshop, person=person, status="attended")
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - LONG_AGO)
    _purge()
    appointment = Appointment.objects.get(pk=records["gone_appointment"].pk)
    for url in (appointment.get_absolute_url(), workshop.get_staff_url(), "/gestion/mediation/rendez-vous/"):
        response = advisor_client.get(url)
        assert response.status_code == 200, url
    assert "Personne effacée" in advisor_client.get(workshop.get_staff_url()).content.decode()
