"""Reminders: the day before by e-mail, SMS or call; by letter only when far enough ahead;
never twice (the command is run daily and may be run again)."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from relais.core.models import Channel
from relais.mediation.models import Appointment, Registration, Workshop
from relais.mediation.services import reminders, workshops
from relais.notifications.models import Message
from tests.mediation.conftest import make_dropin, make_workshop


def _appointment(person, *, days_ahead, booked_days_before=10):
    dropin = make_dropin()
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=days_ahead), datetime.time(10))
    )
    appointment = Appointment.objects.create(
        dropin=dropin, team=dropin.team, place=dropin.place, person=person, starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
    )  # fmt: skip
    Appointment.objects.filter(pk=appointment.pk).update(created_at=start - datetime.timedelta(days=booked_days_before))
    appointment.refresh_from_db()
    return appointment


def queued_reminders(person):
    return list(Message.objects.filter(person=person, template__endswith="reminder"))


def test_an_email_reminder_goes_the_day_before_and_only_once(resident_with_email):
    appointment = _appointment(resident_with_email, days_ahead=1)
    reminders.reminders_send()
    reminders.reminders_send()
    [message] = queued_reminders(resident_with_email)
    assert message.channel == "email" and message.related_id == str(appointment.pk)
    assert "Rappel" in message.subject


def test_no_email_reminder_two_days_ahead(resident_with_email):
    _appointment(resident_with_email, days_ahead=2)
    reminders.reminders_send()
    assert queued_reminders(resident_with_email) == []


def test_a_letter_reminder_goes_three_days_ahead_when_booked_long_before(resident_by_letter):
    _appointment(resident_by_letter, days_ahead=3)
    reminders.reminders_send()
    [message] = queued_reminders(resident_by_letter)
    assert message.channel == "letter"


def test_no_letter_reminder_when_too_close_or_booked_recently(resident_by_letter):
    _appointment(resident_by_letter, days_ahead=1)
    _appointment(resident_by_letter, days_ahead=3, booked_days_before=4)
    reminders.reminders_send()
    assert queued_reminders(resident_by_letter) == []


def test_cancelled_appointments_get_no_reminder(resident_with_email):
    appointment = _appointment(resident_with_email, days_ahead=1)
    appointment.cancel(by_service=False)
    appointment.save()
    reminders.reminders_send()
    assert queued_reminders(resident_with_email) == []


def test_workshop_participants_are_reminded_but_not_the_waitlist(resident_with_email, resident_by_letter):
    workshop = make_workshop(capacity=1, days=1)
    workshops.registration_create(workshop=workshop, person=resident_with_email, channel=Channel.ONLINE, actor=None)
    workshops.registration_create(workshop=workshop, person=resident_by_letter, channel=Channel.COUNTER, actor=None)
    call_command("mediation_reminders", stdout=open("/dev/null", "w"))
    call_command("mediation_reminders", stdout=open("/dev/null", "w"))
    [message] = queued_reminders(resident_with_email)
    assert message.template == "mediation_workshop_reminder" and workshop.title in message.subject
    assert queued_reminders(resident_by_letter) == []


def test_dry_run_counts_and_sends_nothing(resident_with_email, capsys):
    _appointment(resident_with_email, days_ahead=1)
    call_command("mediation_reminders", "--dry-run")
    assert "1 appointment(s)" in capsys.readouterr().out
    assert queued_reminders(resident_with_email) == []
    assert Workshop.objects.exists() and Registration.objects.exists()


def test_a_run_missed_the_day_before_still_reminds_once(resident_with_email):
    appointment = _appointment(resident_with_email, days_ahead=1)
    # The daily run of the day before did not happen: the next one, that morning, catches up.
    morning = appointment.starts_at - datetime.timedelta(hours=3)
    assert reminders.reminders_send(now=morning)["appointments"] == 1
    reminders.reminders_send(now=morning + datetime.timedelta(minutes=30))
    [message] = queued_reminders(resident_with_email)
    assert message.related_id == str(appointment.pk)


def test_no_catch_up_reminder_for_what_was_booked_the_same_day(resident_with_email):
    appointment = _appointment(resident_with_email, days_ahead=1, booked_days_before=0)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=appointment.starts_at - datetime.timedelta(hours=4))
    reminders.reminders_send(now=appointment.starts_at - datetime.timedelta(hours=3))
    assert queued_reminders(resident_with_email) == []


def test_a_letter_reminder_missed_three_days_ahead_goes_two_days_ahead_but_not_later(resident_by_letter):
    appointment = _appointment(resident_by_letter, days_ahead=3)
    one_day_later = appointment.starts_at - datetime.timedelta(days=2, hours=1)
    reminders.reminders_send(now=one_day_later)
    reminders.reminders_send(now=one_day_later)
    [message] = queued_reminders(resident_by_letter)
    assert message.channel == "letter"
    too_late = _appointment(resident_by_letter, days_ahead=3)
    reminders.reminders_send(now=too_late.starts_at - datetime.timedelta(days=1, hours=1))
    assert [m.related_id for m in queued_reminders(resident_by_letter)] == [str(appointment.pk)]


def test_someone_who_came_to_the_first_session_is_reminded_of_the_next(resident_with_email):
    workshop = make_workshop(capacity=3, days=-6, sessions=2)  # first session 6 days ago, next one tomorrow
    registration = Registration.objects.create(
        workshop=workshop, person=resident_with_email, status="confirmed",
        confirmed_at=timezone.now() - datetime.timedelta(days=10),
    )  # fmt: skip
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=1)
    first, second = workshop.session_list()
    workshops.attendance_record(session=first, present_ids={registration.pk}, actor=None)
    registration.refresh_from_db()
    assert registration.status == "attended"
    reminders.reminders_send(now=second.starts_at - datetime.timedelta(hours=20))
    [message] = queued_reminders(resident_with_email)
    assert message.template == "mediation_workshop_reminder" and message.related_id == str(registration.pk)


def test_workshop_reminders_read_the_sessions_once_whatever_the_number_of_people(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.mediation.conftest import make_person

    def session_queries(people: int) -> int:
        workshop = make_workshop(capacity=people, days=1, sessions=1)
        for n in range(people):
            workshops.registration_create(
                workshop=workshop, person=make_person(f"q{people}-{n}"), channel=Channel.ONLINE, actor=None
            )
        Message.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            reminders.reminders_send(dry_run=False)
        return sum('"mediation_workshopsession"' in q["sql"] and "FROM" in q["sql"] for q in queries.captured_queries)

    few = session_queries(2)
    Workshop.objects.all().update(cancelled_at=timezone.now())
    many = session_queries(8)
    assert many == few <= 2
