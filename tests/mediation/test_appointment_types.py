"""Appointments for any team: types with their own rules (duration, notice, horizon, cap per
contact, a code before the slot is held), openings with counters (N agents = N bookings at
the same time, guarded by the database), moves across places and types, the staff screens
(scoped to the team), the day's list, no-shows, and the procedure page's link."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Role, Team, User
from relais.core.http import OutOfReach
from relais.core.models import AuditEvent, Channel
from relais.directory.models import Place, Procedure
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.exceptions import SlotTaken
from relais.mediation.models import Appointment, AppointmentType, BookingCode, DropIn
from relais.mediation.services import appointments, types
from relais.notifications.models import Message
from tests.conftest import make_member, staff_client
from tests.mediation.conftest import contact, make_person


@pytest.fixture
def civil_agent(db):
    return User.objects.get(email="etat-civil@valbrenne.fr")


@pytest.fixture
def civil_manager(db):
    return make_member("chef.etat-civil@valbrenne.fr", "etat-civil", Role.MANAGER)


def make_type(*, team_slug="etat-civil", slug="titres", code=False, cap=1, notice=1, horizon=28, **fields):
    return AppointmentType.objects.create(
        team=Team.objects.get(slug=team_slug), slug=slug, title=fields.pop("title", "Titres d'identité"),
        duration=fields.pop("duration", 15), notice_hours=notice, horizon_days=horizon, per_contact_cap=cap,
        confirm_by_code=code, what_to_bring="Une photo\nL'ancienne carte", **fields,
    )  # fmt: skip


def make_opening(kind, *, place_slug="hotel-de-ville", counters=2, start=datetime.time(9), end=datetime.time(12)):
    return DropIn.objects.create(
        team=kind.team, place=Place.objects.get(slug=place_slug), appointment_type=kind, booking=c.Booking.APPOINTMENT,
        rrule="FREQ=DAILY", start_date=timezone.localdate() - datetime.timedelta(days=1), start_time=start,
        end_time=end, slot_minutes=kind.duration, counters=counters, title=kind.title,
    )  # fmt: skip


def first_slot(opening, days=2):
    return selectors.free_slots(
        dropins=DropIn.objects.filter(pk=opening.pk), start=timezone.now() + datetime.timedelta(days=days)
    )[0]


# ---------------------------------------------------------------- counters


def test_two_counters_take_two_people_at_the_same_time_and_refuse_a_third(db, civil_agent):
    kind = make_type(cap=0)
    opening = make_opening(kind, counters=2)
    slot = first_slot(opening)
    booked = [
        appointments.appointment_book(
            dropin=opening, starts_at=slot.starts_at, person=make_person(n), channel=Channel.COUNTER, actor=civil_agent
        )
        for n in (1, 2)
    ]
    assert sorted(a.counter for a in booked) == [1, 2]
    assert all(a.appointment_type == kind and a.ends_at - a.starts_at == datetime.timedelta(minutes=15) for a in booked)
    assert slot.starts_at not in {
        s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    }
    with pytest.raises(SlotTaken):
        appointments.appointment_book(
            dropin=opening, starts_at=slot.starts_at, person=make_person(3), channel=Channel.PHONE, actor=civil_agent
        )
    # A cancellation frees its counter, and the next booking takes that one.
    appointments.appointment_cancel(appointment=booked[0], actor=civil_agent)
    again = appointments.appointment_book(
        dropin=opening, starts_at=slot.starts_at, person=make_person(4), channel=Channel.COUNTER, actor=civil_agent
    )
    assert again.counter == booked[0].counter


def test_the_database_refuses_one_counter_twice_at_one_time(db):
    kind = make_type()
    opening = make_opening(kind)
    slot = first_slot(opening)
    fields = {"dropin": opening, "team": kind.team, "place": opening.place, "starts_at": slot.starts_at,
              "ends_at": slot.ends_at, "counter": 1}  # fmt: skip
    Appointment.objects.create(person=make_person(1), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(person=make_person(2), **fields)


def test_several_counters_need_no_named_advisor(db, advisor):
    kind = make_type()
    opening = DropIn(team=kind.team, place=Place.objects.get(slug="hotel-de-ville"), appointment_type=kind,
                     booking="appointment", rrule="FREQ=DAILY", start_date=timezone.localdate(),
                     start_time=datetime.time(9), end_time=datetime.time(12), counters=2, advisor=advisor)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        opening.full_clean()
    assert "counters" in refused.value.message_dict


# ---------------------------------------------------------------- notice, horizon


def test_the_type_sets_its_notice_and_its_horizon(db):
    kind = make_type(notice=48, horizon=5)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    now = timezone.now()
    assert slots
    assert min(s.starts_at for s in slots) >= now + datetime.timedelta(hours=48)
    assert max(s.starts_at for s in slots) < now + datetime.timedelta(days=5)


# ---------------------------------------------------------------- cap per contact


def test_one_contact_holds_at_most_the_types_cap_online(db):
    kind = make_type(cap=1)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    appointments.appointment_book_online(dropin=opening, starts_at=slots[0].starts_at, user=None, contact=contact(1))
    with pytest.raises(ValidationError, match="maximum"):
        appointments.appointment_book_online(
            dropin=opening, starts_at=slots[5].starts_at, user=None, contact=contact(2, email="camille1@example.org")
        )
    # The same phone number, written differently, counts as the same contact.
    appointments.appointment_book_online(
        dropin=opening, starts_at=slots[6].starts_at, user=None, contact=contact(3, phone="06 12 34 56 78")
    )
    with pytest.raises(ValidationError):
        appointments.appointment_book_online(
            dropin=opening, starts_at=slots[7].starts_at, user=None, contact=contact(4, phone="0612345678")
        )


def test_staff_booking_is_capped_per_person_too(db, civil_agent):
    kind = make_type(cap=1)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    person = make_person(1)
    appointments.appointment_book(dropin=opening, starts_at=slots[0].starts_at, person=person, channel="counter",
                                  actor=civil_agent)  # fmt: skip
    with pytest.raises(ValidationError):
        appointments.appointment_book(dropin=opening, starts_at=slots[3].starts_at, person=person, channel="phone",
                                      actor=civil_agent)  # fmt: skip


# ---------------------------------------------------------------- code before the slot is held


def _send(opening, starts_at, n=1, **overrides):
    return appointments.appointment_code_send(
        dropin=opening, starts_at=starts_at, user=None, contact=contact(n, **overrides), topic=""
    )


def _code_of(hold) -> str:
    """The code sent (the test reads the hash back by trying them all: 10⁶ is too many, so
    the message, kept unwiped until sent, gives it)."""
    message = Message.objects.filter(related_type="mediation.bookingcode", related_id=str(hold.pk)).get()
    return "".join(ch for ch in message.sms_body.split("code ")[1][:7] if ch.isdigit())


def test_a_code_is_sent_and_the_slot_is_held_only_once_it_is_typed(db):
    kind = make_type(code=True)
    opening = make_opening(kind)
    slot = first_slot(opening)
    hold = _send(opening, slot.starts_at)
    message = Message.objects.get(related_type="mediation.bookingcode", related_id=str(hold.pk))
    assert message.sensitive and message.channel == "email" and hold.code_hash
    assert not Appointment.objects.filter(dropin=opening).exists()
    code = _code_of(hold)
    assert len(code) == 6
    appointment = appointments.appointment_code_confirm(hold=hold, code=code, user=None)
    assert appointment.appointment_type == kind and appointment.person == hold.person
    # Typed again (a second click): the same appointment, nothing more.
    assert appointments.appointment_code_confirm(hold=hold, code=code, user=None) == appointment
    assert Appointment.objects.filter(dropin=opening).count() == 1
    hold.refresh_from_db()
    assert hold.code_hash == "" and AuditEvent.objects.filter(action="mediation.appointment.code_sent").exists()


def test_by_sms_when_the_resident_prefers_it(db):
    kind = make_type(code=True)
    opening = make_opening(kind)
    hold = _send(opening, first_slot(opening).starts_at, preferred_channel="sms", phone="06 11 22 33 44", email="")
    assert hold.channel == "sms"


def test_wrong_codes_are_counted_and_stop_after_five(db):
    kind = make_type(code=True)
    opening = make_opening(kind)
    hold = _send(opening, first_slot(opening).starts_at)
    right = _code_of(hold)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"encore {left} essais"):
            appointments.appointment_code_confirm(hold=hold, code=wrong, user=None)
    with pytest.raises(ValidationError, match="Trop d'essais"):
        appointments.appointment_code_confirm(hold=hold, code=wrong, user=None)
    with pytest.raises(ValidationError, match="Trop d'essais"):
        appointments.appointment_code_confirm(hold=hold, code=right, user=None)
    assert not Appointment.objects.filter(dropin=opening).exists()


def test_an_expired_code_is_refused(db):
    kind = make_type(code=True)
    opening = make_opening(kind)
    hold = _send(opening, first_slot(opening).starts_at)
    BookingCode.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expiré"):
        appointments.appointment_code_confirm(hold=hold, code=_code_of(hold), user=None)


def test_the_slot_may_go_to_someone_else_before_the_code_is_typed(db, civil_agent):
    kind = make_type(code=True, cap=0)
    opening = make_opening(kind, counters=1)
    slot = first_slot(opening)
    hold = _send(opening, slot.starts_at)
    appointments.appointment_book(dropin=opening, starts_at=slot.starts_at, person=make_person(9), channel="phone",
                                  actor=civil_agent)  # fmt: skip
    with pytest.raises(SlotTaken):
        appointments.appointment_code_confirm(hold=hold, code=_code_of(hold), user=None)


def test_codes_to_one_address_are_limited_per_hour(db):
    kind = make_type(code=True, cap=0)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    for i in range(appointments.CODES_PER_DESTINATION_HOUR):
        _send(opening, slots[i].starts_at, n=i, email="meme@example.org")
    with pytest.raises(ValidationError, match="Plusieurs codes"):
        _send(opening, slots[9].starts_at, n=9, email="meme@example.org")


def test_a_code_needs_an_email_or_a_mobile(db):
    kind = make_type(code=True)
    opening = make_opening(kind)
    with pytest.raises(ValidationError) as refused:
        _send(opening, first_slot(opening).starts_at, preferred_channel="letter", email="", address="1 rue Haute",
              postal_code="37500", commune="Valbrenne")  # fmt: skip
    assert "email" in refused.value.message_dict


def test_the_public_form_sends_a_code_then_books(client, db):
    kind = make_type(code=True)
    opening = make_opening(kind)
    slot = first_slot(opening)
    url = reverse("mediation:book", args=[opening.pk, slot.key])
    page = client.get(url)
    assert "Une photo" in page.content.decode() and "Recevoir le code" in page.content.decode()
    response = client.post(url, {**contact(1), "topic": ""})
    hold = BookingCode.objects.get()
    assert response.status_code == 302 and response["Location"] == hold.get_absolute_url()
    wrong = client.post(hold.get_absolute_url(), {"code": "12"})
    assert wrong.status_code == 200 and "ne correspond pas" in wrong.content.decode()
    done = client.post(hold.get_absolute_url(), {"code": _code_of(hold)})
    appointment = Appointment.objects.get(dropin=opening)
    assert done["Location"] == appointment.get_resident_url()
    manage = client.get(appointment.get_resident_url()).content.decode()
    assert "Titres d&#x27;identité" in manage and "Une photo" in manage


# ---------------------------------------------------------------- moves across places and types


def test_a_resident_moves_to_another_place_and_another_type(client, db):
    kind = make_type(cap=1)
    other = make_type(slug="urbanisme-rdv", title="Dépôt de permis", cap=1)
    town_hall = make_opening(kind, counters=2)
    annex = make_opening(kind, place_slug="relais-citoyen-sud", counters=1)
    permits = make_opening(other, counters=1)
    booked = appointments.appointment_book_online(
        dropin=town_hall, starts_at=first_slot(town_hall).starts_at, user=None, contact=contact(1)
    )
    page = client.get(reverse("mediation:appointment_move", args=[booked.token])).content.decode()
    assert "Relais citoyen Sud" in page and "Dépôt de permis" in page
    target = first_slot(annex, days=3)
    url = reverse("mediation:appointment_move", args=[booked.token]) + "?lieu=relais-citoyen-sud"
    response = client.post(url, {"slot": f"{annex.pk}-{target.key}"})
    moved = Appointment.objects.get(rescheduled_from=booked)
    assert response["Location"] == moved.get_resident_url()
    assert moved.place.slug == "relais-citoyen-sud" and moved.appointment_type == kind
    assert moved.calendar_uid == booked.calendar_uid
    # Then to another type of the same team (its cap counts the appointment being moved out).
    newer = appointments.appointment_move(
        appointment=moved, dropin=permits, starts_at=first_slot(permits, days=4).starts_at, actor=None
    )
    assert newer.appointment_type == other and newer.counter == 1


def test_staff_move_an_appointment_to_another_place(civil_agent, db):
    kind = make_type(cap=0)
    town_hall = make_opening(kind)
    annex = make_opening(kind, place_slug="relais-citoyen-sud", counters=1)
    booked = appointments.appointment_book(
        dropin=town_hall, starts_at=first_slot(town_hall).starts_at, person=make_person(1), channel="phone",
        actor=civil_agent,
    )  # fmt: skip
    client = staff_client(civil_agent)
    url = reverse("mediation:staff_appointment_move", args=[booked.pk]) + "?lieu=relais-citoyen-sud"
    assert client.get(url).status_code == 200
    target = first_slot(annex, days=3)
    response = client.post(url, {"slot": f"{annex.pk}-{target.key}"})
    moved = Appointment.objects.get(rescheduled_from=booked)
    assert response["Location"] == moved.get_absolute_url() and moved.place.slug == "relais-citoyen-sud"


# ---------------------------------------------------------------- staff screens, scope, journal


def test_a_manager_defines_a_type_and_its_openings_journaled(civil_manager, db):
    client = staff_client(civil_manager)
    civil = Team.objects.get(slug="etat-civil")
    response = client.post(reverse("mediation:staff_type_create"), {
        "team": civil.pk, "title": "Dépôt de dossier", "slug": "depot-dossier", "duration": 20, "what_to_bring": "",
        "notice_hours": 24, "horizon_days": 30, "per_contact_cap": 1, "confirm_by_code": "on", "published": "on",
    })  # fmt: skip
    kind = AppointmentType.objects.get(slug="depot-dossier")
    assert response["Location"] == kind.get_staff_url()
    response = client.post(reverse("mediation:staff_opening_create", args=[kind.pk]), {
        "place": Place.objects.get(slug="hotel-de-ville").pk, "weekdays": ["MO", "TU"], "every": "1",
        "start_time": "09:00", "end_time": "12:00", "start_date": timezone.localdate().isoformat(), "counters": 3,
        "published": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    opening = kind.openings.get()
    assert opening.counters == 3 and opening.slot_minutes == 20 and opening.team == civil
    actions = set(AuditEvent.objects.filter(actor=civil_manager).values_list("action", flat=True))
    assert {"mediation.appointment_type.created", "mediation.opening.created"} <= actions
    # The type's duration changes: its openings' slots follow.
    kind.duration = 30
    types.type_save(kind=kind, actor=civil_manager)
    opening.refresh_from_db()
    assert opening.slot_minutes == 30


def test_another_teams_type_is_out_of_reach(civil_manager, manager, db):
    kind = make_type(team_slug="mediation", slug="conseil")
    client = staff_client(civil_manager)
    for name in ("mediation:staff_type", "mediation:staff_type_edit", "mediation:staff_opening_create"):
        assert client.get(reverse(name, args=[kind.pk])).status_code == 404, name
    kind.title = "Autre"
    with pytest.raises(OutOfReach):
        types.type_save(kind=kind, actor=civil_manager)
    # A case worker (not a manager) does not define types.
    assert (
        staff_client(User.objects.get(email="etat-civil@valbrenne.fr"))
        .get(reverse("mediation:staff_types"))
        .status_code
        == 404
    )


def test_the_day_list_shows_each_counter_and_the_no_shows(civil_agent, db):
    kind = make_type(cap=0)
    opening = make_opening(kind)
    slot = first_slot(opening)
    regular = make_person(1)
    for n, person in enumerate([regular, make_person(2)]):
        appointments.appointment_book(dropin=opening, starts_at=slot.starts_at, person=person, channel="counter",
                                      actor=civil_agent)  # fmt: skip
    Appointment.objects.create(
        dropin=opening, team=kind.team, place=opening.place, person=regular, outcome=c.Outcome.NOSHOW,
        starts_at=slot.starts_at - datetime.timedelta(days=7), ends_at=slot.ends_at - datetime.timedelta(days=7),
    )  # fmt: skip
    client = staff_client(civil_agent)
    day = timezone.localtime(slot.starts_at).date().isoformat()
    page = client.get(reverse("mediation:staff_day_list"), {"day": day}).content.decode()
    assert "guichet 1" in page and "guichet 2" in page and "NOM1" in page and "NOM2" in page
    assert AuditEvent.objects.filter(action="mediation.appointment.day_list_viewed", person_id=regular.pk).exists()
    booking = client.get(reverse("mediation:staff_appointment_book"), {"person": regular.pk}).content.decode()
    assert "a manqué 1 rendez-vous" in booking


def test_the_agents_calendar_feed_has_the_teams_appointments(civil_agent, db):
    kind = make_type(cap=0)
    opening = make_opening(kind)
    booked = appointments.appointment_book(
        dropin=opening, starts_at=first_slot(opening).starts_at, person=make_person(1), channel="counter",
        actor=civil_agent,
    )  # fmt: skip
    client = staff_client(civil_agent)
    assert client.get(reverse("mediation:staff_calendar")).status_code == 200
    token = civil_agent.mediation_calendar.token
    feed = client.get(reverse("mediation:advisor_ics", args=[token])).content.decode()
    assert booked.calendar_uid in feed


def test_the_procedure_page_links_to_its_appointment_type(client, db):
    procedure = Procedure.objects.get(slug="carte-identite")
    page = client.get(procedure.get_absolute_url()).content.decode()
    kind = AppointmentType.objects.get(procedure=procedure)  # the demo's
    assert "Prendre rendez-vous" in page and kind.get_absolute_url() in page
    type_page = client.get(kind.get_absolute_url()).content.decode()
    assert "Hôtel de ville" in type_page and "code" in type_page


def test_typed_openings_are_not_drop_in_sessions(db):
    kind = AppointmentType.objects.get(slug="carte-identite-passeport")
    assert kind.openings.exists()
    assert not any(o.dropin.appointment_type_id for o in selectors.occurrences(days=14))


def test_a_type_kept_for_the_agents_is_not_bookable_online(client, civil_agent, db):
    kind = make_type(published=False, cap=0)
    opening = make_opening(kind)
    slot = first_slot(opening)
    assert client.get(reverse("mediation:book", args=[opening.pk, slot.key])).status_code == 404
    assert client.get(reverse("mediation:book_type", args=[kind.slug])).status_code == 404
    booked = appointments.appointment_book(
        dropin=opening, starts_at=slot.starts_at, person=make_person(1), channel="phone", actor=civil_agent
    )
    assert booked.appointment_type == kind


def test_a_manager_closes_a_day_and_its_appointments_are_revoked(civil_manager, civil_agent, db):
    kind = make_type(cap=0)
    opening = make_opening(kind)
    slot = first_slot(opening)
    booked = appointments.appointment_book(
        dropin=opening, starts_at=slot.starts_at, person=make_person(1), channel="counter", actor=civil_agent
    )
    day = timezone.localtime(slot.starts_at).date()
    url = reverse("mediation:staff_opening_close", args=[kind.pk, opening.pk])
    client = staff_client(civil_manager)
    assert client.get(url).status_code == 200
    response = client.post(url, {"date": day.isoformat(), "notice": "Guichet fermé : panne du dispositif de recueil."})
    assert response["Location"] == kind.get_staff_url()
    booked.refresh_from_db()
    assert booked.outcome == c.Outcome.REVOKED
    assert Message.objects.filter(template="mediation_appointment_revoked", related_id=str(booked.pk)).exists()
    assert slot.starts_at not in {
        s.starts_at for s in selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    }
    # A case worker of the team does not close days.
    assert staff_client(civil_agent).get(url).status_code == 404


# ---------------------------------------------------------------- after review


def test_a_resident_cannot_move_into_a_code_type_from_another_type(client, db, civil_agent):
    free = make_type(slug="renseignement", title="Renseignement", cap=1)
    guarded = make_type(slug="titres", code=True, cap=1)
    o1, o2 = make_opening(free), make_opening(guarded)
    booked = appointments.appointment_book_online(
        dropin=o1, starts_at=first_slot(o1).starts_at, user=None, contact=contact(1)
    )
    page = client.get(reverse("mediation:appointment_move", args=[booked.token])).content.decode()
    assert "Titres d&#x27;identité" not in page
    target = first_slot(o2, days=3)
    url = reverse("mediation:appointment_move", args=[booked.token]) + f"?type={guarded.pk}"
    client.post(url, {"slot": f"{o2.pk}-{target.key}"})
    assert not Appointment.objects.filter(rescheduled_from=booked).exists()
    booked.refresh_from_db()
    assert booked.is_active
    with pytest.raises(ValidationError, match="demande un code"):
        appointments.appointment_move(
            appointment=booked, dropin=o2, starts_at=target.starts_at, actor=None, by_resident=True
        )
    # Staff may (they saw the person); and within the code type, a resident moves freely.
    moved = appointments.appointment_move(appointment=booked, dropin=o2, starts_at=target.starts_at, actor=civil_agent)
    assert moved.appointment_type == guarded
    again = first_slot(o2, days=4)
    response = client.post(reverse("mediation:appointment_move", args=[moved.token]), {"slot": f"{o2.pk}-{again.key}"})
    assert response.status_code == 302 and Appointment.objects.filter(rescheduled_from=moved).exists()


def test_the_code_limit_counts_one_phone_whatever_its_spelling(db):
    kind = make_type(code=True, cap=0)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    spellings = ["0611223344", "06 11 22 33 44", "+33 6 11 22 33 44", "06.11.22.33.44"]
    for i, phone in enumerate(spellings[:3]):
        _send(opening, slots[i].starts_at, n=i, preferred_channel="sms", phone=phone, email="")
    with pytest.raises(ValidationError, match="Plusieurs codes"):
        _send(opening, slots[5].starts_at, n=5, preferred_channel="sms", phone=spellings[3], email="")
    for i, email in enumerate(["Meme@Example.org", "meme@example.org", "MEME@example.org"]):
        _send(opening, slots[10 + i].starts_at, n=10 + i, email=email)
    with pytest.raises(ValidationError, match="Plusieurs codes"):
        _send(opening, slots[15].starts_at, n=15, email="meme@EXAMPLE.org")


def test_codes_asked_from_one_connection_are_limited_per_hour(client, db):
    kind = make_type(code=True, cap=0)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    for i in range(appointments.CODES_PER_CONNECTION_HOUR + 1):
        url = reverse("mediation:book", args=[opening.pk, slots[i].key])
        response = client.post(url, {**contact(i), "topic": ""})
    assert response.status_code == 200 and "depuis cette connexion" in response.content.decode()
    assert BookingCode.objects.count() == appointments.CODES_PER_CONNECTION_HOUR


def test_a_code_goes_to_a_mobile_by_sms_never_to_a_landline_or_a_letter(db, settings):
    kind = make_type(code=True, cap=0)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    landline = {"phone": "01 47 00 00 00", "address": "1 rue Haute", "postal_code": "37500", "commune": "Valbrenne"}
    with pytest.raises(ValidationError) as refused:
        _send(opening, slots[0].starts_at, n=1, preferred_channel="phone", email="", **landline)
    assert "Pour recevoir le code" in refused.value.message_dict["email"][0]
    assert "phone" in refused.value.message_dict
    # A landline and an e-mail: the e-mail.
    hold = _send(opening, slots[1].starts_at, n=2, preferred_channel="phone", **landline)
    assert hold.channel == "email"
    # No SMS provider: a mobile alone is not enough.
    settings.SMS_BACKEND = ""
    with pytest.raises(ValidationError):
        _send(opening, slots[2].starts_at, n=3, preferred_channel="sms", phone="06 11 22 33 44", email="")
    assert not Message.objects.filter(related_type="mediation.bookingcode", channel__in=["letter", "phone"]).exists()


def test_a_secret_never_falls_back_to_a_letter_or_a_call(db):
    from relais.notifications.services import SecretUndeliverable, notify

    person = make_person(1)
    person.email, person.phone, person.preferred_channel = "", "01 47 00 00 00", "letter"
    person.address, person.postal_code, person.commune = "1 rue Haute", "37500", "Valbrenne"
    person.save()
    with pytest.raises(SecretUndeliverable):
        notify(person=person, template="mediation_appointment_code", context={"code": "123456"}, sensitive=True)
    assert not Message.objects.filter(person=person).exists()


def test_fewer_counters_look_at_appointments_to_come_only(db, civil_agent, civil_manager):
    kind = make_type(cap=0)
    opening = make_opening(kind, counters=2)
    past = timezone.now() - datetime.timedelta(days=1)
    Appointment.objects.create(
        dropin=opening, team=kind.team, place=opening.place, person=make_person(3), starts_at=past,
        ends_at=past + datetime.timedelta(minutes=15), counter=2, appointment_type=kind,
    )  # fmt: skip
    slot = first_slot(opening)
    booked = [
        appointments.appointment_book(
            dropin=opening, starts_at=slot.starts_at, person=make_person(n), channel=Channel.COUNTER, actor=civil_agent
        )
        for n in (1, 2)
    ]
    opening.refresh_from_db()
    opening.counters = 1
    # The past appointment at counter 2 does not hide the one to come there.
    with pytest.raises(ValidationError) as refused:
        types.opening_save(opening=opening, kind=kind, actor=civil_manager)
    assert "guichet 2" in refused.value.message_dict["counters"][0]
    assert DropIn.objects.get(pk=opening.pk).counters == 2
    # Once it is cancelled, only the past one is left at counter 2: one counter is enough.
    appointments.appointment_cancel(appointment=booked[1], actor=civil_agent, by_service=True)
    types.opening_save(opening=opening, kind=kind, actor=civil_manager)
    assert DropIn.objects.get(pk=opening.pk).counters == 1


def test_an_opening_with_appointments_to_come_keeps_its_place(db, civil_agent, civil_manager):
    kind = make_type(cap=0)
    opening = make_opening(kind, counters=1)
    booked = appointments.appointment_book(
        dropin=opening, starts_at=first_slot(opening).starts_at, person=make_person(1), channel=Channel.COUNTER,
        actor=civil_agent,
    )  # fmt: skip
    opening.refresh_from_db()
    opening.place = Place.objects.get(slug="relais-citoyen-sud")
    with pytest.raises(ValidationError) as refused:
        types.opening_save(opening=opening, kind=kind, actor=civil_manager)
    assert "Des rendez-vous à venir sont pris à ce lieu" in refused.value.message_dict["place"][0]
    assert DropIn.objects.get(pk=opening.pk).place.slug == "hotel-de-ville"
    appointments.appointment_cancel(appointment=booked, actor=civil_agent, by_service=True)
    types.opening_save(opening=opening, kind=kind, actor=civil_manager)
    assert DropIn.objects.get(pk=opening.pk).place.slug == "relais-citoyen-sud"


def test_out_of_bounds_numbers_are_said_beside_their_field(db, civil_manager):
    client = staff_client(civil_manager)
    team = Team.objects.get(slug="etat-civil")
    response = client.post(
        reverse("mediation:staff_type_create"),
        {"team": team.pk, "title": "X", "slug": "x", "duration": 2, "notice_hours": 1, "horizon_days": 0,
         "per_contact_cap": 1, "published": "on"},
    )  # fmt: skip
    errors = response.context["form"].errors
    assert "au moins 5 minutes" in errors["duration"][0] and "au moins 1 jour" in errors["horizon_days"][0]
    assert "__all__" not in errors
    kind = make_type(cap=0)
    data = {"place": Place.objects.get(slug="hotel-de-ville").pk, "weekdays": ["MO"], "every": "1",
            "start_time": "09:00", "end_time": "12:00", "start_date": timezone.localdate().isoformat(),
            "counters": "60", "published": "on"}  # fmt: skip
    response = client.post(reverse("mediation:staff_opening_create", args=[kind.pk]), data)
    errors = response.context["form"].errors
    assert "au plus 50 guichets" in errors["counters"][0] and "__all__" not in errors


def test_staff_book_and_move_within_the_online_notice(db, civil_agent):
    kind = make_type(cap=0, notice=72)
    opening = make_opening(kind, counters=1)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(9)))
    assert selectors.slot_for(opening, starts) is None  # not offered online
    booked = appointments.appointment_book(
        dropin=opening, starts_at=starts, person=make_person(1), channel=Channel.COUNTER, actor=civil_agent
    )
    assert booked.starts_at == starts
    later = starts + datetime.timedelta(minutes=30)
    moved = appointments.appointment_move(appointment=booked, dropin=opening, starts_at=later, actor=civil_agent)
    assert moved.starts_at == later
    # Never a past slot, nor one within the base minimum notice.
    soon = timezone.now() - datetime.timedelta(hours=1)
    assert selectors.slot_for(opening, soon.replace(minute=0, second=0, microsecond=0), online=False) is None
    # A resident's move keeps the online notice.
    online = appointments.appointment_book_online(
        dropin=opening, starts_at=first_slot(opening, days=5).starts_at, user=None, contact=contact(2)
    )
    with pytest.raises(SlotTaken):
        appointments.appointment_move(
            appointment=online, dropin=opening, starts_at=starts + datetime.timedelta(hours=1), actor=None,
            by_resident=True,
        )  # fmt: skip


def test_agents_of_a_mediation_team_with_a_type_do_not_see_digital_help_topics(db, advisor):
    from tests.mediation.conftest import make_dropin

    reception = make_member("accueil.med@valbrenne.fr", "mediation", Role.RECEPTION)
    dropin = make_dropin(advisor=advisor)
    slot = selectors.free_slots(dropins=DropIn.objects.filter(pk=dropin.pk))[0]
    helped = appointments.appointment_book(
        dropin=dropin, starts_at=slot.starts_at, person=make_person(1), channel=Channel.COUNTER, actor=advisor,
        topic="Dossier RSA",
    )  # fmt: skip
    kind = make_type(team_slug="mediation", slug="aide", title="Aide", cap=0)
    opening = make_opening(kind, counters=1)
    typed = appointments.appointment_book(
        dropin=opening, starts_at=first_slot(opening).starts_at, person=make_person(2), channel=Channel.COUNTER,
        actor=advisor,
    )  # fmt: skip
    assert not selectors.topic_visible_to(reception, helped)
    assert selectors.topic_visible_to(reception, typed)
    assert selectors.topic_visible_to(advisor, helped)


def test_the_cap_of_a_code_type_is_checked_once_the_code_is_typed(db):
    kind = make_type(code=True, cap=1)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    first, second = _send(opening, slots[0].starts_at), _send(opening, slots[4].starts_at)
    appointments.appointment_code_confirm(hold=first, code=_code_of(first), user=None)
    # Anyone may type this e-mail: asking for a code says nothing of its appointments.
    third = _send(opening, slots[8].starts_at)
    assert third.pk
    with pytest.raises(ValidationError, match="Titres d'identité"):
        appointments.appointment_code_confirm(hold=second, code=_code_of(second), user=None)
    assert Appointment.objects.filter(dropin=opening).count() == 1


def test_an_unverified_requester_is_not_told_the_type_held(db):
    kind = make_type(cap=1)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    appointments.appointment_book_online(dropin=opening, starts_at=slots[0].starts_at, user=None, contact=contact(1))
    with pytest.raises(ValidationError) as refused:
        appointments.appointment_book_online(
            dropin=opening, starts_at=slots[4].starts_at, user=None, contact=contact(1)
        )
    assert "Titres" not in refused.value.messages[0] and "maximum" in refused.value.messages[0]


def test_the_day_list_keeps_each_openings_counters_apart(db, civil_agent):
    import re

    kind = make_type(cap=0)
    other = make_type(slug="ccas", title="Aide sociale", cap=0)
    o1, o2 = make_opening(kind, counters=1), make_opening(other, counters=1)
    slot = first_slot(o1)
    for n, opening in enumerate([o1, o2], start=1):
        appointments.appointment_book(
            dropin=opening, starts_at=slot.starts_at, person=make_person(n), channel=Channel.COUNTER, actor=civil_agent
        )
    client = staff_client(civil_agent)
    day = timezone.localtime(slot.starts_at).date().isoformat()
    page = client.get(reverse("mediation:staff_day_list"), {"day": day}).content.decode()
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", page)
    assert len([h for h in headings if "guichet 1" in h]) == 2
    assert any("Aide sociale" in h for h in headings) and any("Titres d&#x27;identité" in h for h in headings)


@pytest.mark.parametrize("written", ["0033 6 11 22 33 44", "+33 (0)6 11 22 33 44"])
def test_the_cap_counts_one_phone_written_the_international_way(db, written):
    kind = make_type(cap=1)
    opening = make_opening(kind)
    slots = selectors.free_slots(dropins=DropIn.objects.filter(pk=opening.pk))
    mobile = {"phone": "06 11 22 33 44", "email": "", "preferred_channel": "sms"}
    appointments.appointment_book_online(
        dropin=opening, starts_at=slots[0].starts_at, user=None, contact=contact(1, **mobile)
    )
    with pytest.raises(ValidationError, match="maximum"):
        appointments.appointment_book_online(
            dropin=opening, starts_at=slots[4].starts_at, user=None, contact=contact(2, **{**mobile, "phone": written})
        )
