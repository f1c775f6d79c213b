"""Appointments: free slots, booking online without an account or by staff, the private
link to cancel or move, the outcome, and a slot that can never be booked twice."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from relais.core.models import AuditEvent, Channel, ContactChannel, Person
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.exceptions import SlotTaken
from relais.mediation.models import Appointment, DropIn
from relais.mediation.services import appointments, dropins, reminders
from relais.notifications.models import Message
from relais.notifications.services import process_due
from tests.conftest import make_member, staff_client
from tests.mediation.conftest import contact, make_dropin


@pytest.fixture
def dropin(db):
    return make_dropin()


def first_slot(dropin):
    return selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[0]


def book_url(slot):
    return reverse("mediation:book", args=[slot.dropin.pk, slot.key])


def test_free_slots_are_cut_from_sessions_by_appointment_only(dropin):
    walk_in = make_dropin(booking=c.Booking.WALK_IN, place_slug="mediatheque")
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk__in=[dropin.pk, walk_in.pk]))
    assert slots and {s.dropin for s in slots} == {dropin}
    assert all(s.ends_at - s.starts_at == datetime.timedelta(minutes=30) for s in slots)
    assert all(s.starts_at >= timezone.now() for s in slots)


def test_a_resident_without_account_books_and_gets_a_confirmation_with_a_calendar_file(client, dropin):
    slot = first_slot(dropin)
    page = client.get(book_url(slot))
    assert page.status_code == 200 and "Confirmer le rendez-vous" in page.content.decode()
    form = page.context["form"]
    data = {**contact(1), "topic": "Créer mon compte Ameli", "submission_key": form.initial["submission_key"]}
    response = client.post(book_url(slot), data)
    appointment = Appointment.objects.get(person__email="camille1@example.org")
    assert response.status_code == 302 and response["Location"] == appointment.get_resident_url()
    assert appointment.starts_at == slot.starts_at and appointment.channel == Channel.ONLINE
    assert appointment.person.created_via == Channel.ONLINE and appointment.person.user is None
    process_due()
    [sent] = [m for m in mail.outbox if m.to == ["camille1@example.org"]]
    assert "Votre rendez-vous du" in sent.subject and appointment.get_resident_url() in sent.body
    assert sent.attachments[0][0] == "rendez-vous.ics" and "BEGIN:VEVENT" in sent.attachments[0][1]
    assert slot.starts_at not in [
        s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))
    ]


def test_a_resident_who_wants_a_call_gives_a_phone_and_lands_on_the_call_list(client, dropin):
    slot = first_slot(dropin)
    data = {**contact(2, preferred_channel="phone", email="", phone="02 47 11 22 33"), "topic": ""}
    client.post(book_url(slot), data)
    message = Message.objects.get(person__last_name="Habitant2")
    assert message.channel == ContactChannel.PHONE and message.to_phone == "02 47 11 22 33"


def test_a_missing_contact_is_explained_beside_the_field_and_the_values_are_kept(client, dropin):
    slot = first_slot(dropin)
    response = client.post(book_url(slot), {**contact(3, email=""), "topic": "Mes impôts"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Il y a un problème" in html and "Indiquez une adresse électronique" in html
    assert 'value="Habitant3"' in html and 'value="Mes impôts"' in html
    assert not Appointment.objects.filter(person__last_name="Habitant3").exists()


def test_a_logged_in_resident_books_without_typing_their_details(client, dropin, resident_with_email):
    client.force_login(resident_with_email.user)
    slot = first_slot(dropin)
    page = client.get(book_url(slot)).content.decode()
    assert 'name="last_name"' not in page
    client.post(book_url(slot), {"topic": "Ma carte Vitale"})
    assert Appointment.objects.get(starts_at=slot.starts_at, dropin=dropin).person == resident_with_email


def test_double_submission_creates_one_appointment(client, dropin):
    slot = first_slot(dropin)
    data = {**contact(4), "topic": "", "submission_key": "6f0c6a2e-3f5e-4a8e-9d55-0a1b2c3d4e5f"}
    first = client.post(book_url(slot), data)
    again = client.post(book_url(slot), data)
    assert first["Location"] == again["Location"]
    assert Appointment.objects.filter(person__last_name="Habitant4").count() == 1
    assert Person.objects.filter(last_name="Habitant4").count() == 1


def test_a_slot_taken_meanwhile_is_refused_kindly_and_nobody_is_created(client, dropin, resident_by_letter):
    slot = first_slot(dropin)
    appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_by_letter, channel=Channel.COUNTER, actor=None
    )
    response = client.post(book_url(slot), {**contact(5), "topic": ""}, follow=True)
    assert (
        "vient d&#x27;être réservé" in response.content.decode() or "vient d'être réservé" in response.content.decode()
    )
    assert not Person.objects.filter(last_name="Habitant5").exists()


def test_the_database_refuses_a_second_active_appointment_in_the_same_slot(
    dropin, resident_with_email, resident_by_letter
):
    slot = first_slot(dropin)
    fields = dict(dropin=dropin, team=dropin.team, place=dropin.place, starts_at=slot.starts_at, ends_at=slot.ends_at)
    Appointment.objects.create(person=resident_with_email, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(person=resident_by_letter, **fields)


def test_the_service_refuses_a_double_booked_slot(dropin, resident_with_email, resident_by_letter):
    slot = first_slot(dropin)
    appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel=Channel.ONLINE, actor=None
    )
    with pytest.raises(SlotTaken):
        appointments.appointment_book(
            dropin=dropin, starts_at=slot.starts_at, person=resident_by_letter, channel=Channel.PHONE, actor=None
        )


def test_an_advisor_is_never_booked_twice_at_the_same_time(advisor, resident_with_email, resident_by_letter):
    one = make_dropin(advisor=advisor)
    two = make_dropin(advisor=advisor, place_slug="relais-citoyen-sud")
    slot = first_slot(one)
    appointments.appointment_book(
        dropin=one, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    assert slot.starts_at not in [s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=two.pk))]
    with pytest.raises(SlotTaken):
        appointments.appointment_book(
            dropin=two, starts_at=slot.starts_at, person=resident_by_letter, channel="phone", actor=None
        )


def test_cancelling_through_the_private_link_frees_the_slot_and_tells_the_resident(client, dropin, resident_with_email):
    slot = first_slot(dropin)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    url = reverse("mediation:appointment_cancel", args=[appointment.token])
    assert "Oui, annuler" in client.get(url).content.decode()
    client.post(url)
    appointment.refresh_from_db()
    assert appointment.cancelled_at and appointment.outcome == c.Outcome.EXCUSED
    assert slot.starts_at in [s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))]
    assert Message.objects.filter(template="mediation_appointment_cancelled", person=resident_with_email).exists()


def test_moving_through_the_private_link_books_the_new_slot_and_frees_the_old(client, dropin, resident_with_email):
    old_slot, new_slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:2]
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=old_slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    url = reverse("mediation:appointment_move", args=[appointment.token])
    key = f"{dropin.pk}-{new_slot.key}"
    assert "Confirmer ce nouvel horaire" in client.get(url, {"slot": key}).content.decode()
    response = client.post(url, {"slot": key})
    appointment.refresh_from_db()
    new = appointment.rescheduled_to
    assert response["Location"] == new.get_resident_url()
    assert new.starts_at == new_slot.starts_at and new.person == resident_with_email and not appointment.is_active
    assert Message.objects.filter(template="mediation_appointment_moved").count() == 1


def test_a_private_link_with_a_wrong_token_is_404(client, db):
    assert client.get(reverse("mediation:appointment_manage", args=["nope"])).status_code == 404


def test_reception_books_for_a_resident_by_letter_at_the_counter(reception_client, dropin, resident_by_letter):
    url = reverse("mediation:staff_appointment_book")
    assert "trouvez la personne" in reception_client.get(url).content.decode()
    page = reception_client.get(url, {"person": resident_by_letter.pk, "lieu": "relais-citoyen-nord"})
    form = page.context["form"]
    key = next(k for k, s in form.slots.items() if s.dropin == dropin)
    response = reception_client.post(
        url + f"?person={resident_by_letter.pk}",
        {"person": resident_by_letter.pk, "slot": key, "channel": "counter", "topic": "Courriels",
         "submission_key": form.initial["submission_key"]},
    )  # fmt: skip
    appointment = Appointment.objects.get(person=resident_by_letter, dropin=dropin)
    assert response["Location"] == appointment.get_absolute_url()
    assert appointment.channel == Channel.COUNTER and appointment.booked_by.email == "accueil@valbrenne.fr"
    letter = Message.objects.get(person=resident_by_letter, template="mediation_appointment_confirmed")
    assert letter.channel == ContactChannel.LETTER


def test_the_advisor_records_the_outcome_after_the_appointment(advisor_client, dropin, resident_with_email, advisor):
    appointment = Appointment.objects.create(
        dropin=dropin, team=dropin.team, place=dropin.place, person=resident_with_email,
        starts_at=timezone.now() - datetime.timedelta(hours=2), ends_at=timezone.now() - datetime.timedelta(hours=1),
    )  # fmt: skip
    url = reverse("mediation:staff_appointment", args=[appointment.pk])
    assert advisor_client.get(url).status_code == 200
    advisor_client.post(url, {"outcome": "noshow"})
    appointment.refresh_from_db()
    assert appointment.outcome == c.Outcome.NOSHOW and appointment.outcome_recorded_by == advisor
    assert AuditEvent.objects.filter(action="mediation.appointment.viewed", person_id=resident_with_email.pk).exists()


def test_an_outcome_cannot_say_seen_before_the_appointment(dropin, resident_with_email, advisor):
    slot = first_slot(dropin)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    with pytest.raises(Exception, match="pas encore eu lieu"):
        appointments.appointment_record_outcome(appointment=appointment, outcome=c.Outcome.SEEN, actor=advisor)


def test_an_advisor_of_another_team_gets_404(dropin, resident_with_email):
    slot = first_slot(dropin)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    from relais.accounts.models import Team, TeamKind

    Team.objects.create(name="Médiation de Bellerive", slug="mediation-bellerive", kind=TeamKind.MEDIATION)
    outsider = staff_client(make_member("conseillere@bellerive.fr", "mediation-bellerive", "advisor"))
    assert outsider.get(reverse("mediation:staff_appointment", args=[appointment.pk])).status_code == 404
    assert outsider.get(reverse("mediation:staff_dropin", args=[dropin.pk])).status_code == 404
    assert (
        outsider.post(reverse("mediation:staff_appointment", args=[appointment.pk]), {"outcome": "seen"}).status_code
        == 404
    )
    assert "Habitant" not in outsider.get(reverse("mediation:staff_appointments")).content.decode()


def test_cancelling_a_session_revokes_its_appointments_and_tells_the_people(
    advisor_client, dropin, resident_with_email
):
    slot = first_slot(dropin)
    appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    day = timezone.localtime(slot.starts_at).date()
    response = advisor_client.post(
        reverse("mediation:staff_dropin_cancel", args=[dropin.pk]),
        {"date": day.isoformat(), "notice": "Le relais est fermé pour travaux."},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(dropin=dropin, person=resident_with_email)
    assert appointment.outcome == c.Outcome.REVOKED and not appointment.is_active
    message = Message.objects.get(template="mediation_appointment_revoked", person=resident_with_email)
    assert "fermé pour travaux" in message.body
    assert not [
        s
        for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))
        if timezone.localtime(s.starts_at).date() == day
    ]


# ---------------------------------------------------------------- overlaps of one advisor


def test_slots_of_different_lengths_never_overlap_for_one_advisor(advisor, resident_with_email, resident_by_letter):
    half_hours = make_dropin(advisor=advisor, slot_minutes=30)
    long_ones = make_dropin(advisor=advisor, place_slug="relais-citoyen-sud", slot_minutes=45)
    long_slot = next(
        s
        for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=long_ones.pk))
        # A day to come: today, 9:00 may already be too near to be offered while 9:45 is not.
        if s.starts_at.minute == 45 and timezone.localtime(s.starts_at).date() > timezone.localdate()
    )  # 9:45–10:30
    appointments.appointment_book(
        dropin=long_ones, starts_at=long_slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    offered = [s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=half_hours.pk))]
    nine_thirty = long_slot.starts_at - datetime.timedelta(minutes=15)
    ten = long_slot.starts_at + datetime.timedelta(minutes=15)
    assert nine_thirty not in offered and ten not in offered  # 9:30–10:00 and 10:00–10:30 overlap 9:45–10:30
    assert nine_thirty - datetime.timedelta(minutes=30) in offered  # 9:00–9:30 is free
    with pytest.raises(SlotTaken):
        appointments.appointment_book(
            dropin=half_hours, starts_at=ten, person=resident_by_letter, channel="phone", actor=None
        )


def test_a_new_slot_length_never_offers_a_time_that_overlaps_an_appointment(dropin, resident_with_email):
    slot = next(  # 9:30–10:00, say
        s for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk)) if s.starts_at.minute == 30
    )
    appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    dropin.slot_minutes = 45
    dropin.save()
    for free in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk)):
        assert not (free.starts_at < slot.ends_at and slot.starts_at < free.ends_at), free


# ---------------------------------------------------------------- double clicks


def test_a_second_click_on_cancel_says_it_is_done_instead_of_an_error(client, dropin, resident_with_email, monkeypatch):
    from relais.mediation import views_public

    slot = first_slot(dropin)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    stale = Appointment.objects.get(pk=appointment.pk)  # what the second request read before the first committed
    url = reverse("mediation:appointment_cancel", args=[appointment.token])
    client.post(url)
    monkeypatch.setattr(views_public, "_appointment_by_token", lambda token: stale)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == appointment.get_resident_url()
    page = client.get(response["Location"]).content.decode()
    assert "déjà annulé" in page
    assert Message.objects.filter(template="mediation_appointment_cancelled").count() == 1


def test_a_second_click_on_move_lands_on_the_moved_appointment(client, dropin, resident_with_email, monkeypatch):
    from relais.mediation import views_public

    old_slot, new_slot, other_slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:3]
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=old_slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    stale = Appointment.objects.get(pk=appointment.pk)
    url = reverse("mediation:appointment_move", args=[appointment.token])
    client.post(url, {"slot": f"{dropin.pk}-{new_slot.key}"})
    monkeypatch.setattr(views_public, "_appointment_by_token", lambda token: stale)
    response = client.post(url, {"slot": f"{dropin.pk}-{other_slot.key}"})
    moved = Appointment.objects.get(rescheduled_from=appointment)
    assert response.status_code == 302 and response["Location"] == moved.get_resident_url()
    assert Appointment.objects.active().filter(person=resident_with_email, dropin=dropin).get() == moved


# ---------------------------------------------------------------- calendar files


def _calendar(message):
    from icalendar import Calendar

    [attachment] = message.attachments
    cal = Calendar.from_ical(attachment["content"])
    [event] = list(cal.walk("VEVENT"))
    return cal, event


def test_invitations_keep_one_uid_and_a_growing_sequence_then_cancel(client, dropin, resident_with_email):
    old_slot, new_slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:2]
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=old_slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    moved = appointments.appointment_move(
        appointment=appointment, dropin=dropin, starts_at=new_slot.starts_at, actor=None
    )
    appointments.appointment_cancel(appointment=moved, actor=None)
    by_template = {m.template: m for m in Message.objects.filter(person=resident_with_email)}
    booked_cal, booked = _calendar(by_template["mediation_appointment_confirmed"])
    moved_cal, moved_event = _calendar(by_template["mediation_appointment_moved"])
    cancel_cal, cancelled = _calendar(by_template["mediation_appointment_cancelled"])
    assert str(booked["UID"]) == str(moved_event["UID"]) == str(cancelled["UID"])
    assert booked_cal["METHOD"] == "REQUEST" and moved_cal["METHOD"] == "REQUEST" and cancel_cal["METHOD"] == "CANCEL"
    assert int(booked["SEQUENCE"]) < int(moved_event["SEQUENCE"]) < int(cancelled["SEQUENCE"])
    assert moved_event["DTSTART"].dt == new_slot.starts_at and str(cancelled["STATUS"]) == "CANCELLED"
    assert "ORGANIZER" in booked and str(booked["ATTENDEE"]) == "mailto:marie.dupont@example.org"


# ---------------------------------------------------------------- limits on anonymous booking


def test_one_address_may_book_only_so_many_times_an_hour(client, dropin, settings):
    settings.RELAIS = {**settings.RELAIS, "MEDIATION_BOOKINGS_PER_IP_HOUR": 2, "MEDIATION_MAX_FUTURE_APPOINTMENTS": 9}
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:4]
    for n, slot in enumerate(slots[:2]):
        assert client.post(book_url(slot), {**contact(f"rl{n}"), "topic": ""}).status_code == 302
    refused = client.post(book_url(slots[2]), {**contact("rl2"), "topic": "Ma retraite"})
    html = refused.content.decode()
    assert refused.status_code == 429 and "Trop de demandes" in html and 'value="Ma retraite"' in html
    assert not Person.objects.filter(last_name="Habitantrl2").exists()
    elsewhere = client.post(book_url(slots[3]), {**contact("rl3"), "topic": ""}, REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 302


def test_one_contact_holds_at_most_three_appointments_to_come_online(client, dropin):
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:4]
    for n, slot in enumerate(slots[:3]):
        data = {**contact("cap", first_name=f"Prénom{n}"), "topic": ""}
        assert client.post(book_url(slot), data, REMOTE_ADDR=f"192.0.2.{n + 1}").status_code == 302
    refused = client.post(book_url(slots[3]), {**contact("cap"), "topic": ""}, REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 200 and "déjà 3 rendez-vous à venir" in refused.content.decode()
    assert Appointment.objects.filter(person__email="camillecap@example.org").count() == 3


def test_a_resident_reached_by_letter_is_capped_by_name(client, dropin):
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:4]
    by_letter = {
        **contact("lettre"), "preferred_channel": "letter", "email": "", "address": "3 rue des Lilas",
        "postal_code": "37500", "commune": "Valbrenne", "topic": "",
    }  # fmt: skip
    for n, slot in enumerate(slots[:3]):
        assert client.post(book_url(slot), by_letter, REMOTE_ADDR=f"192.0.2.{n + 1}").status_code == 302
    refused = client.post(book_url(slots[3]), by_letter, REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 200 and "déjà 3 rendez-vous à venir" in refused.content.decode()


def test_an_ipv6_subscriber_is_counted_by_network(client, dropin, settings):
    settings.RELAIS = {**settings.RELAIS, "MEDIATION_BOOKINGS_PER_IP_HOUR": 2, "MEDIATION_MAX_FUTURE_APPOINTMENTS": 9}
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:3]
    for n, slot in enumerate(slots[:2]):
        data = {**contact(f"v6{n}"), "topic": ""}
        assert client.post(book_url(slot), data, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}").status_code == 302
    refused = client.post(book_url(slots[2]), {**contact("v6x"), "topic": ""}, REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert refused.status_code == 429


def test_a_booking_computes_the_free_slots_once(client, dropin, monkeypatch):
    calls = []
    original = selectors.free_slots

    def counting(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(selectors, "free_slots", counting)
    slot = first_slot(dropin)
    calls.clear()
    assert client.post(book_url(slot), {**contact("once"), "topic": ""}).status_code == 302
    assert len(calls) == 1


# ---------------------------------------------------------------- outcomes


def test_an_excuse_recorded_before_the_time_frees_the_slot_and_stops_the_reminder(
    advisor_client, dropin, resident_with_email
):
    slot = first_slot(dropin)
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    advisor_client.post(reverse("mediation:staff_appointment", args=[appointment.pk]), {"outcome": "excused"})
    appointment.refresh_from_db()
    assert appointment.outcome == c.Outcome.EXCUSED and not appointment.is_active
    assert slot.starts_at in [s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))]
    reminders.reminders_send(now=slot.starts_at - datetime.timedelta(hours=20))
    assert not Message.objects.filter(template="mediation_appointment_reminder", person=resident_with_email).exists()
    assert Message.objects.filter(template="mediation_appointment_cancelled", person=resident_with_email).exists()


def test_a_move_is_recorded_as_a_move_not_as_an_excused_absence(dropin, resident_with_email):
    old_slot, new_slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[:2]
    appointment = appointments.appointment_book(
        dropin=dropin, starts_at=old_slot.starts_at, person=resident_with_email, channel="online", actor=None
    )
    appointments.appointment_move(appointment=appointment, dropin=dropin, starts_at=new_slot.starts_at, actor=None)
    appointment.refresh_from_db()
    assert appointment.outcome == c.Outcome.MOVED and appointment.rescheduled_to is not None
    assert not Appointment.objects.filter(person=resident_with_email, outcome=c.Outcome.EXCUSED).exists()


# ---------------------------------------------------------------- a date cancelled


def test_a_booking_for_a_cancelled_date_is_refused(dropin, resident_with_email, advisor):
    slot = first_slot(dropin)
    day = timezone.localtime(slot.starts_at).date()
    dropins.dropin_cancel_date(dropin=dropin, date=day, notice="Fermé.", actor=advisor)
    with pytest.raises(SlotTaken):
        appointments.appointment_book(
            dropin=dropin, starts_at=slot.starts_at, person=resident_with_email, channel="online", actor=None
        )
