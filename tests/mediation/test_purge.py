"""Retention: past the period, bookings lose their free text and private link, records of
accompaniment keep only their statistics, and people known only from an online booking are
deleted, their bookings kept anonymous; idempotent, with a dry run, journaled."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from relais.core.models import AuditEvent, Channel, Person
from relais.mediation import services
from relais.mediation.models import Accompaniment, Appointment, Registration
from relais.notifications.models import Message
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
    Message.objects.filter(related_id=str(appointment.pk)).update(created_at=start - datetime.timedelta(days=3))
    return appointment


def _online_person(n, *, ago=LONG_AGO):
    person = make_person(n, created_via=Channel.ONLINE)
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - ago - datetime.timedelta(days=5))
    return person


@pytest.fixture
def records(db, advisor, team, resident_with_email):
    gone = _online_person("gone")
    staying = _online_person("recent")
    return {
        "gone": gone,
        "gone_appointment": _old_appointment(gone),
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


def test_past_the_period_bookings_lose_their_text_and_link_and_booking_only_people_go(records, resident_with_email):
    old_token = records["old_of_known"].token
    counts = services.mediation_purge(older_than_days=365)
    assert counts["people"] == 1 and counts["accompaniments"] == 1
    assert not Person.objects.filter(pk=records["gone"].pk).exists()
    anonymous = Appointment.objects.get(pk=records["gone_appointment"].pk)  # kept for the statistics
    assert anonymous.person is None and anonymous.topic == "" and anonymous.anonymised_at
    assert not Message.objects.filter(person_id=records["gone"].pk).exists()
    known = Appointment.objects.get(pk=records["old_of_known"].pk)
    assert known.topic == "" and known.token != old_token and known.person == resident_with_email
    assert known.starts_at == records["old_of_known"].starts_at  # the statistics stay
    staying = Person.objects.get(pk=records["staying"].pk)  # a booking within the period: kept
    assert Appointment.objects.get(pk=records["staying_recent"].pk).topic == "Ma carte grise"
    assert Appointment.objects.get(pk=records["staying_old"].pk).topic == "" and staying
    record = Accompaniment.objects.get(pk=records["record"].pk)
    assert record.person is None and record.notes == "" and record.duration == 45 and record.themes == ["email"]
    assert AuditEvent.objects.filter(action="mediation.person_purged", person_id=records["gone"].pk).exists()
    assert AuditEvent.objects.get(action="mediation.purged").details["people"] == 1


def test_a_second_run_changes_nothing(records):
    services.mediation_purge(older_than_days=365)
    token = Appointment.objects.get(pk=records["old_of_known"].pk).token
    assert services.mediation_purge(older_than_days=365) == {
        "appointments": 0, "registrations": 0, "accompaniments": 0, "people": 0,
    }  # fmt: skip
    assert Appointment.objects.get(pk=records["old_of_known"].pk).token == token


def test_people_with_another_record_are_kept(records, advisor):
    gone = records["gone"]
    Accompaniment.objects.create(
        team=records["record"].team, advisor=advisor, duration=30, themes=["email"], place_type="a_distance",
        person=gone,
    )  # fmt: skip
    services.mediation_purge(older_than_days=365)
    assert Person.objects.filter(pk=gone.pk).exists()


def test_old_registrations_lose_their_link_and_collective_records_their_names(db, advisor, team):
    workshop = make_workshop(days=-400)
    person = make_person("reg")
    registration = Registration.objects.create(workshop=workshop, person=person, status="attended")
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - LONG_AGO)
    collective = Accompaniment.objects.create(
        team=team, advisor=advisor, duration=120, themes=["email"], place_type="a_distance", kind="collectif",
        anonymous_count=2, date=timezone.localdate() - LONG_AGO,
    )  # fmt: skip
    collective.participants.set([person])
    services.mediation_purge(older_than_days=365)
    updated = Registration.objects.get(pk=registration.pk)
    assert updated.token != registration.token and updated.anonymised_at and updated.status == "attended"
    assert not collective.participants.exists() and collective.anonymous_count == 2


def test_the_command_has_a_dry_run(records):
    out = io.StringIO()
    call_command("mediation_purge", "--dry-run", stdout=out)
    assert "would be removed or anonymised" in out.getvalue()
    assert Person.objects.filter(pk=records["gone"].pk).exists()
    assert Appointment.objects.get(pk=records["old_of_known"].pk).topic == "Mon dossier de retraite"
    out = io.StringIO()
    call_command("mediation_purge", stdout=out)
    assert "mediation: " in out.getvalue() and not Person.objects.filter(pk=records["gone"].pk).exists()


def test_a_period_too_short_is_refused_and_touches_nothing(records):
    """A typo (0, -7) would strip, or delete, this week's bookings: refused."""
    future = _old_appointment(records["gone"], ago=-datetime.timedelta(days=3))
    with pytest.raises(CommandError, match="at least 30 days"):
        call_command("mediation_purge", "--days", "-7", stdout=io.StringIO())
    with pytest.raises(ValueError):
        services.mediation_purge(older_than_days=0)
    assert Person.objects.filter(pk=records["gone"].pk).exists()
    assert Appointment.objects.get(pk=future.pk).topic == "Mon dossier de retraite"
    assert Appointment.objects.get(pk=records["gone_appointment"].pk).anonymised_at is None


def test_a_mutual_aid_record_hidden_from_the_person_model_keeps_the_person(records, resident_with_email):
    """Blocks and thank-you notes point at people without a reverse accessor: still records."""
    from relais.mutualaid.models import Block

    Block.objects.create(blocker=resident_with_email, blocked=records["gone"])
    services.mediation_purge(older_than_days=365)
    assert Person.objects.filter(pk=records["gone"].pk).exists()
    assert Block.objects.filter(blocked=records["gone"]).exists()


def test_a_seat_taken_by_a_person_known_only_online_still_counts(db):
    """The purge used to delete their registrations: the workshop's seat counter then said
    one seat more than its registrations."""
    workshop = make_workshop(days=-400)
    person = _online_person("seat")
    registration = Registration.objects.create(workshop=workshop, person=person, status="confirmed")
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - LONG_AGO)
    type(workshop).objects.filter(pk=workshop.pk).update(confirmed_count=1)
    services.mediation_purge(older_than_days=365)
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
    services.mediation_purge(older_than_days=365)
    appointment = Appointment.objects.get(pk=records["gone_appointment"].pk)
    for url in (appointment.get_absolute_url(), workshop.get_staff_url(), "/gestion/mediation/rendez-vous/"):
        response = advisor_client.get(url)
        assert response.status_code == 200, url
    assert "Personne effacée" in advisor_client.get(workshop.get_staff_url()).content.decode()
