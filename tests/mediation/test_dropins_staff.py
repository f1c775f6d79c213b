"""Advisors and managers define drop-in sessions: recurrence from everyday choices (or an
RRULE), school holidays, one-off cancellations with a notice residents read."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.directory.models import Place
from relais.mediation.models import DropIn, DropInCancellation, SchoolHoliday
from tests.bidi import unisolated
from tests.mediation.conftest import make_dropin, make_person


def _data(team, **changes):
    data = {
        "team": team.pk,
        "place": Place.objects.get(slug="relais-citoyen-bellevue").pk,
        "title": "Permanence du mardi",
        "booking": "walk_in",
        "weekdays": ["TU"],
        "every": "1",
        "start_time": "14:00",
        "end_time": "17:00",
        "start_date": timezone.localdate().isoformat(),
        "end_date": "",
        "skip_school_holidays": "on",
        "custom_rrule": "",
        "slot_minutes": "30",
        "themes": ["aide_aux_demarches_administratives"],
        "description": "",
        "published": "on",
    }
    data.update(changes)
    return data


def test_an_advisor_defines_every_tuesday_except_school_holidays(advisor_client, team):
    response = advisor_client.post(reverse("mediation:staff_dropin_create"), _data(team))
    dropin = DropIn.objects.get(title="Permanence du mardi")
    assert response["Location"] == reverse("mediation:staff_dropin", args=[dropin.pk])
    assert dropin.rrule == "FREQ=WEEKLY;BYDAY=TU" and dropin.skip_school_holidays
    page = unisolated(advisor_client.get(response["Location"]).content.decode())
    assert "Tous les mardis, de 14 h à 17 h, sauf pendant les vacances scolaires" in page


def test_school_holidays_are_skipped(team):
    dropin = make_dropin(rrule="FREQ=DAILY", skip_school_holidays=True, booking="walk_in")
    today = timezone.localdate()
    SchoolHoliday.objects.create(
        name="Test", start=today + datetime.timedelta(days=3), end=today + datetime.timedelta(days=5)
    )
    start = timezone.now()
    days = {o.date for o in dropin.occurrences(start, start + datetime.timedelta(days=8))}
    assert today + datetime.timedelta(days=2) in days and today + datetime.timedelta(days=6) in days
    assert not {today + datetime.timedelta(days=n) for n in (3, 4, 5)} & days


def test_a_custom_rrule_and_a_bad_one(advisor_client, team):
    url = reverse("mediation:staff_dropin_create")
    advisor_client.post(url, _data(team, title="Premier mardi", weekdays=[], custom_rrule="FREQ=MONTHLY;BYDAY=1TU"))
    assert DropIn.objects.get(title="Premier mardi").rrule == "FREQ=MONTHLY;BYDAY=1TU"
    response = advisor_client.post(url, _data(team, title="Cassée", weekdays=[], custom_rrule="FREQ=SOUVENT"))
    assert response.status_code == 200 and "n&#x27;est pas valide" in response.content.decode()
    response = advisor_client.post(url, _data(team, title="Sans jour", weekdays=[]))
    assert "Choisissez au moins un jour" in response.content.decode()
    response = advisor_client.post(url, _data(team, title="À l'envers", end_time="13:00"))
    assert "L&#x27;heure de fin doit être après" in response.content.decode()


def test_cancelling_one_date_shows_the_notice_and_restoring_it(advisor_client, client, team):
    dropin = make_dropin(booking="walk_in", place_slug="relais-citoyen-bellevue", rrule="FREQ=DAILY")
    day = timezone.localdate() + datetime.timedelta(days=2)
    url = reverse("mediation:staff_dropin_cancel", args=[dropin.pk])
    assert advisor_client.get(url, {"date": day.isoformat()}).status_code == 200
    advisor_client.post(url, {"date": day.isoformat(), "notice": "Fermé : réunion d'équipe."})
    assert DropInCancellation.objects.filter(dropin=dropin, date=day).exists()
    html = client.get(reverse("mediation:help")).content.decode()
    assert "réunion d&#x27;équipe" in html or "réunion d'équipe" in html
    advisor_client.post(reverse("mediation:staff_dropin_restore", args=[dropin.pk]), {"date": day.isoformat()})
    assert not DropInCancellation.objects.filter(dropin=dropin, date=day).exists()


def test_a_date_without_session_cannot_be_cancelled(advisor_client):
    dropin = make_dropin(booking="walk_in", rrule="FREQ=WEEKLY;BYDAY=TU")
    day = timezone.localdate()
    while day.weekday() == 1:
        day += datetime.timedelta(days=1)
    day += datetime.timedelta(days=7)
    response = advisor_client.post(
        reverse("mediation:staff_dropin_cancel", args=[dropin.pk]), {"date": day.isoformat(), "notice": "x"}
    )
    assert "Il n&#x27;y a pas de permanence ce jour-là." in response.content.decode()


def test_holidays_are_managed_by_the_team(advisor_client, manager_client):
    url = reverse("mediation:staff_holidays")
    advisor_client.post(url, {"name": "Pont de l'Ascension", "start": "2027-05-06", "end": "2027-05-09"})
    holiday = SchoolHoliday.objects.get(name="Pont de l'Ascension")
    assert advisor_client.post(reverse("mediation:staff_holiday_delete", args=[holiday.pk])).status_code == 404
    manager_client.post(reverse("mediation:staff_holiday_delete", args=[holiday.pk]))
    assert not SchoolHoliday.objects.filter(pk=holiday.pk).exists()


def test_only_daily_weekly_monthly_or_yearly_rules_are_accepted(advisor_client, team):
    url = reverse("mediation:staff_dropin_create")
    for rule in ("FREQ=MINUTELY", "FREQ=HOURLY;INTERVAL=2", "FREQ=SECONDLY", "FREQ=DAILY;BYHOUR=9,10,11"):
        response = advisor_client.post(url, _data(team, title=f"Règle {rule}", weekdays=[], custom_rrule=rule))
        assert response.status_code == 200 and "custom_rrule" in response.context["form"].errors, rule
        assert not DropIn.objects.filter(title=f"Règle {rule}").exists()
    advisor_client.post(url, _data(team, title="Annuelle", weekdays=[], custom_rrule="FREQ=YEARLY"))
    assert DropIn.objects.filter(title="Annuelle").exists()


def test_a_rule_saved_before_the_restriction_gives_no_session_and_a_page_has_a_cap(team):
    # What this costs is measured in bench/occurrences.py (`make bench-occurrences`).
    from relais.mediation.models import MAX_OCCURRENCES

    legacy = make_dropin(booking="walk_in", rrule="FREQ=MINUTELY")
    start = timezone.now()
    assert legacy.occurrences(start, start + datetime.timedelta(days=30)) == []
    daily = make_dropin(booking="walk_in", rrule="FREQ=DAILY")
    found = daily.occurrences(start, start + datetime.timedelta(days=3 * 365))
    assert MAX_OCCURRENCES - 1 <= len(found) <= MAX_OCCURRENCES  # today's may be over already


def test_new_hours_that_would_strand_booked_appointments_are_refused(advisor, resident_with_email):
    from django.core.exceptions import ValidationError

    from relais.mediation import selectors
    from relais.mediation.services import appointments, dropins

    dropin = make_dropin(advisor=advisor)  # 9:00–12:00
    late = [s for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk)) if s.starts_at.hour == 11][0]
    appointments.appointment_book(dropin=dropin, starts_at=late.starts_at, person=resident_with_email, channel="online",
                              actor=None)  # fmt: skip
    dropin.end_time = datetime.time(11)
    with pytest.raises(ValidationError) as error:
        dropins.dropin_save(dropin=dropin, actor=advisor)
    assert "start_time" in error.value.message_dict
    dropin.end_time, dropin.slot_minutes = datetime.time(12), 45  # a new length keeps the appointments
    dropins.dropin_save(dropin=dropin, actor=advisor)


def test_a_new_advisor_already_booked_at_those_times_is_refused(advisor, manager, resident_with_email):
    from django.core.exceptions import ValidationError

    from relais.mediation import selectors
    from relais.mediation.services import appointments, dropins

    mine = make_dropin(advisor=advisor)
    theirs = make_dropin(advisor=manager, place_slug="relais-citoyen-sud")
    slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=mine.pk))[0]
    appointments.appointment_book(dropin=mine, starts_at=slot.starts_at, person=resident_with_email, channel="online",
                              actor=None)  # fmt: skip
    appointments.appointment_book(dropin=theirs, starts_at=slot.starts_at, person=make_person("m"), channel="phone",
                              actor=None)  # fmt: skip
    mine.advisor = manager
    with pytest.raises(ValidationError) as error:
        dropins.dropin_save(dropin=mine, actor=advisor)
    assert "advisor" in error.value.message_dict


def test_holidays_added_later_revoke_the_appointments_booked_on_them(manager_client):
    from relais.mediation import selectors
    from relais.mediation.models import Appointment
    from relais.mediation.services import appointments
    from relais.notifications.models import Message

    skipping = make_dropin(skip_school_holidays=True)
    keeping = make_dropin(place_slug="mediatheque")
    in_three_days = timezone.localdate() + datetime.timedelta(days=3)
    booked = {}
    for dropin in (skipping, keeping):
        slot = next(s for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))
                    if timezone.localtime(s.starts_at).date() == in_three_days)  # fmt: skip
        booked[dropin.pk] = appointments.appointment_book(
            dropin=dropin, starts_at=slot.starts_at, person=make_person(f"vac{dropin.pk}"), channel="phone", actor=None
        )
    day = in_three_days.isoformat()
    manager_client.post(reverse("mediation:staff_holidays"), {"name": "Vacances d'hiver", "start": day, "end": day})
    revoked = Appointment.objects.get(pk=booked[skipping.pk].pk)
    assert revoked.cancelled_at and "vacances scolaires (Vacances d'hiver)" in revoked.cancel_reason
    assert Message.objects.filter(related_id=str(revoked.pk), template="mediation_appointment_revoked").exists()
    assert Appointment.objects.get(pk=booked[keeping.pk].pk).cancelled_at is None  # this one meets in holidays
