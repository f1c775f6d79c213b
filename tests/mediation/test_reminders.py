"""Reminders: the day before by e-mail, SMS or call; by letter only when far enough ahead;
never twice (the command is run daily and may be run again)."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from relais.core.models import Channel
from relais.mediation import services
from relais.mediation.models import Appointment, Registration, Workshop
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


def reminders(person):
    return list(Message.objects.filter(person=person, template__endswith="reminder"))


def test_an_email_reminder_goes_the_day_before_and_only_once(resident_with_email):
    appointment = _appointment(resident_with_email, days_ahead=1)
    services.reminders_send()
    services.reminders_send()
    [message] = reminders(resident_with_email)
    assert message.channel == "email" and message.related_id == str(appointment.pk)
    assert "Rappel" in message.subject


def test_no_email_reminder_two_days_ahead(resident_with_email):
    _appointment(resident_with_email, days_ahead=2)
    services.reminders_send()
    assert reminders(resident_with_email) == []


def test_a_letter_reminder_goes_three_days_ahead_when_booked_long_before(resident_by_letter):
    _appointment(resident_by_letter, days_ahead=3)
    services.reminders_send()
    [message] = reminders(resident_by_letter)
    assert message.channel == "letter"


def test_no_letter_reminder_when_too_close_or_booked_recently(resident_by_letter):
    _appointment(resident_by_letter, days_ahead=1)
    _appointment(resident_by_letter, days_ahead=3, booked_days_before=4)
    services.reminders_send()
    assert reminders(resident_by_letter) == []


def test_cancelled_appointments_get_no_reminder(resident_with_email):
    appointment = _appointment(resident_with_email, days_ahead=1)
    appointment.cancel(by_service=False)
    appointment.save()
    services.reminders_send()
    assert reminders(resident_with_email) == []


def test_workshop_participants_are_reminded_but_not_the_waitlist(resident_with_email, resident_by_letter):
    workshop = make_workshop(capacity=1, days=1)
    services.registration_create(workshop=workshop, person=resident_with_email, channel=Channel.ONLINE, actor=None)
    services.registration_create(workshop=workshop, person=resident_by_letter, channel=Channel.COUNTER, actor=None)
    call_command("mediation_reminders", stdout=open("/dev/null", "w"))
    call_command("mediation_reminders", stdout=open("/dev/null", "w"))
    [message] = reminders(resident_with_email)
    assert message.template == "mediation_workshop_reminder" and workshop.title in message.subject
    assert reminders(resident_by_letter) == []


def test_dry_run_counts_and_sends_nothing(resident_with_email, capsys):
    _appointment(resident_with_email, days_ahead=1)
    call_command("mediation_reminders", "--dry-run")
    assert "1 appointment(s)" in capsys.readouterr().out
    assert reminders(resident_with_email) == []
    assert Workshop.objects.exists() and Registration.objects.exists()
