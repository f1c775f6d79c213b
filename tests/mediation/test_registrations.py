"""Workshop registrations: seats, waitlist with its position, kind refusals, promotion,
and the database's last line (seats never above the capacity)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from relais.core.models import Channel, ContactChannel, Person
from relais.mediation import choices as c
from relais.mediation.exceptions import AlreadyRegistered, RegistrationClosed
from relais.mediation.models import Registration, Workshop
from relais.mediation.services import workshops
from relais.notifications.models import Message
from relais.notifications.services import messages_write
from tests.mediation.conftest import contact, make_person, make_workshop


def register(workshop, person, **kwargs):
    return workshops.registration_create(workshop=workshop, person=person, channel=Channel.ONLINE, actor=None, **kwargs)


def test_registrations_take_seats_then_go_to_the_waitlist_with_their_position(db):
    workshop = make_workshop(capacity=2)
    regs = [register(workshop, make_person(n)) for n in range(5)]
    messages_write()  # the worker writes the messages after the commit
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [r.waitlist_position() for r in regs] == [None, None, 1, 2, 3]
    workshop.refresh_from_db()
    assert workshop.confirmed_count == 2 and workshop.is_full
    templates = list(Message.objects.filter(related_id__in=[r.pk for r in regs]).values_list("template", flat=True))
    assert templates.count("mediation_registration_confirmed") == 2
    assert templates.count("mediation_registration_waitlisted") == 3
    waitlisted = Message.objects.get(template="mediation_registration_waitlisted", related_id=str(regs[3].pk))
    assert "en position 2" in waitlisted.body


def test_a_cancellation_promotes_the_first_waitlisted_and_tells_them(db):
    workshop = make_workshop(capacity=1)
    first, second, third = (register(workshop, make_person(n)) for n in range(3))
    _cancelled, promoted = workshops.registration_cancel(registration=first, actor=None)
    messages_write()
    assert [p.pk for p in promoted] == [second.pk]
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == "confirmed" and third.waitlist_position() == 1
    workshop.refresh_from_db()
    assert workshop.confirmed_count == 1
    message = Message.objects.get(template="mediation_registration_promoted", person=second.person)
    assert "Une place s'est libérée" in message.body


def test_leaving_the_waitlist_moves_the_others_up_without_touching_seats(db):
    workshop = make_workshop(capacity=1)
    _seat, first_waiting, second_waiting = (register(workshop, make_person(n)) for n in range(3))
    workshops.registration_cancel(registration=first_waiting, actor=None)
    assert second_waiting.waitlist_position() == 1
    workshop.refresh_from_db()
    assert workshop.confirmed_count == 1


def test_the_same_person_registering_twice_is_refused_kindly(client, db):
    workshop = make_workshop(capacity=5)
    person = make_person("twice")
    first = register(workshop, person)
    with pytest.raises(AlreadyRegistered) as refused:
        register(workshop, person)
    assert refused.value.existing == first


def test_people_sharing_an_email_or_a_phone_may_each_register(client, db):
    workshop = make_workshop(capacity=5)
    household = {"email": "famille.leroy@example.org", "phone": "06 12 34 56 78"}
    for first in ("Paul", "Lina"):
        data = {**contact("leroy", first_name=first, last_name="Leroy", **household)}
        assert client.post(workshop.get_absolute_url(), data).status_code == 302, first
    grandma = contact(
        "x", first_name="Odette", last_name="Marchal", phone=household["phone"], email="", preferred_channel="sms"
    )
    assert client.post(workshop.get_absolute_url(), grandma).status_code == 302
    assert Registration.objects.filter(workshop=workshop).count() == 3


def test_the_same_name_and_contact_twice_is_refused_with_a_neutral_answer(client, db):
    workshop = make_workshop(capacity=5)
    client.post(workshop.get_absolute_url(), contact("dup"))
    people = Person.objects.count()
    response = client.post(workshop.get_absolute_url(), {**contact("dup"), "first_name": "CAMILLE"})
    html = response.content.decode()
    assert response.status_code == 200 and "n'a pas été enregistrée" in html.replace("&#x27;", "'")
    assert "déjà inscrit(e) à cet atelier" not in html and "votre place est gardée" not in html
    assert Person.objects.count() == people
    assert Registration.objects.filter(workshop=workshop).count() == 1


def test_the_same_name_and_phone_is_the_same_person(db):
    workshop = make_workshop(capacity=5)
    register(workshop, make_person("tel", email="", phone="06 11 22 33 44", preferred_channel="sms"))
    again = make_person("tel", email="autre@example.org", phone="+33 6 11 22 33 44")
    with pytest.raises(AlreadyRegistered):
        register(workshop, again)


def test_the_same_name_and_postal_address_is_the_same_person_whatever_the_case(db):
    """A letter-only resident registered at the counter, then again by a neighbour with the
    e-mail of the neighbour: same name, same address (typed in capitals), same person."""
    workshop = make_workshop(capacity=5)
    address = {"address": "3 rue des Lilas", "postal_code": "37000", "email": ""}
    first = register(workshop, make_person("lettre", preferred_channel="post", **address))
    again = make_person("LETTRE", address="3 RUE DES LILAS", postal_code="37000", email="voisin@example.org")
    with pytest.raises(AlreadyRegistered) as refused:
        register(workshop, again)
    assert refused.value.existing == first
    elsewhere = make_person(
        "lettre", address="5 rue des Lilas", postal_code="37000", email="", preferred_channel="post"
    )
    assert register(workshop, elsewhere).status == "confirmed"  # another address: someone else


def test_the_same_name_and_email_in_capitals_is_the_same_person(db):
    workshop = make_workshop(capacity=5)
    first = register(workshop, make_person("maj"))
    with pytest.raises(AlreadyRegistered) as refused:
        register(workshop, make_person("maj", email="PERSONNEMAJ@EXAMPLE.ORG"))
    assert refused.value.existing == first


@pytest.mark.parametrize("typed, again", [("Yıldız", "YILDIZ"), ("Νικος", "ΝΙΚΟΣ")])
def test_a_name_beyond_ascii_typed_in_capitals_is_the_same_person_on_postgresql(db, typed, again):
    """PostgreSQL compares every letter without regard to case (SQLite only ASCII ones)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite folds the case of ASCII letters only")
    workshop = make_workshop(capacity=5)
    first = register(workshop, make_person("turc", last_name=typed))
    with pytest.raises(AlreadyRegistered) as refused:
        register(workshop, make_person("turc", last_name=again, email="PERSONNETURC@example.org"))
    assert refused.value.existing == first


def test_a_logged_in_resident_registering_again_finds_their_registration(client, resident_with_email):
    workshop = make_workshop(capacity=5)
    registration = register(workshop, resident_with_email)
    client.force_login(resident_with_email.user)
    response = client.post(workshop.get_absolute_url(), {"submission_key": "9b2f3c1e-5d4a-4f6b-8c7d-1e2f3a4b5c6d"})
    assert response.status_code == 302 and response["Location"] == registration.get_resident_url()


def test_a_resident_registers_online_without_an_account(client, db):
    workshop = make_workshop(capacity=5)
    page = client.get(workshop.get_absolute_url())
    assert "M&#x27;inscrire" in page.content.decode() or "M'inscrire" in page.content.decode()
    response = client.post(workshop.get_absolute_url(), contact("online"))
    registration = Registration.objects.get(workshop=workshop)
    assert response["Location"] == registration.get_resident_url()
    status_page = client.get(response["Location"]).content.decode()
    assert 'data-registration-status="confirmed"' in status_page
    assert registration.person.email == "camilleonline@example.org" and registration.channel == Channel.ONLINE


def test_a_resident_by_letter_gives_an_address(client, db):
    workshop = make_workshop(capacity=5)
    data = contact("letter", preferred_channel="letter", email="")
    response = client.post(workshop.get_absolute_url(), data)
    assert "Indiquez la commune pour recevoir des courriers." in response.content.decode()
    data.update(address="5 rue des Lilas", postal_code="37500", commune="Valbrenne")
    client.post(workshop.get_absolute_url(), data)
    messages_write()
    message = Message.objects.get(person__last_name="Habitantletter")
    assert message.channel == ContactChannel.LETTER and "5 rue des Lilas" in message.to_address


def test_waitlisted_resident_sees_their_position(client, db):
    workshop = make_workshop(capacity=1)
    register(workshop, make_person("seat"))
    response = client.post(workshop.get_absolute_url(), contact("wait"), follow=True)
    html = response.content.decode()
    assert 'data-registration-status="waitlisted"' in html and "en position <strong>1</strong>" in html


def test_registration_is_refused_before_the_window_opens(client, db):
    workshop = make_workshop(opens=timezone.now() + datetime.timedelta(days=2))
    html = client.get(workshop.get_absolute_url()).content.decode()
    assert "Les inscriptions ouvrent le" in html
    response = client.post(workshop.get_absolute_url(), contact("early"))
    assert "Les inscriptions ouvrent le" in response.content.decode()
    assert not Registration.objects.filter(workshop=workshop).exists()
    assert not Person.objects.filter(last_name="Habitantearly").exists()


def test_staff_may_register_before_the_window_opens_but_not_after_the_start(db, reception_agent):
    workshop = make_workshop(opens=timezone.now() + datetime.timedelta(days=2))
    registration = workshops.registration_create(
        workshop=workshop, person=make_person("staff"), channel=Channel.COUNTER, actor=reception_agent, by_staff=True
    )
    assert registration.status == "confirmed"
    past = make_workshop(days=-1)
    with pytest.raises(RegistrationClosed):
        workshops.registration_create(
            workshop=past, person=make_person("late"), channel=Channel.COUNTER, actor=reception_agent, by_staff=True
        )


def test_double_submission_creates_one_registration(client, db):
    workshop = make_workshop(capacity=5)
    data = {**contact("double"), "submission_key": "0d3b8d8e-1c61-4a43-9d8a-2b7a5f0c9e11"}
    first = client.post(workshop.get_absolute_url(), data)
    again = client.post(workshop.get_absolute_url(), data)
    assert first["Location"] == again["Location"]
    assert Registration.objects.filter(workshop=workshop).count() == 1


def test_the_database_refuses_more_seats_than_the_capacity(db):
    workshop = make_workshop(capacity=2)
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=F("confirmed_count") + 1)


def test_the_database_refuses_a_second_active_registration_of_a_person(db):
    workshop = make_workshop(capacity=2)
    person = make_person("db")
    Registration.objects.create(workshop=workshop, person=person, status="waitlisted")
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(workshop=workshop, person=person, status="waitlisted")
    Registration.objects.filter(workshop=workshop).update(status="cancelled")
    Registration.objects.create(workshop=workshop, person=person, status="waitlisted")  # after cancelling: again


def _check_under_the_lock_misses(monkeypatch):
    """The duplicate check under the seat lock finds nothing; asked again afterwards, it answers."""
    from relais.mediation import selectors

    real, calls = selectors.duplicate_registration, []

    def missing_once(workshop, person):
        calls.append(person)
        return None if len(calls) == 1 else real(workshop, person)

    monkeypatch.setattr(selectors, "duplicate_registration", missing_once)


def test_a_second_registration_the_check_missed_is_refused_kindly_and_takes_no_seat(db, monkeypatch):
    workshop = make_workshop(capacity=2)
    person = make_person("twice")
    first = register(workshop, person)
    _check_under_the_lock_misses(monkeypatch)
    with pytest.raises(AlreadyRegistered) as refused:
        register(workshop, person)
    assert refused.value.existing == first  # the database's refusal, told as the check would have
    workshop.refresh_from_db()
    assert workshop.confirmed_count == 1  # the seat the attempt took is given back
    assert Registration.objects.filter(workshop=workshop).count() == 1
    assert register(workshop, make_person("next")).status == "confirmed"  # and the caller goes on
    assert not Person.objects.filter(last_name="Nomtwice").exclude(pk=person.pk).exists()


def test_a_larger_capacity_promotes_the_waitlist(db, advisor):
    workshop = make_workshop(capacity=1)
    _seat, waiting = register(workshop, make_person(1)), register(workshop, make_person(2))
    workshop.capacity = 2
    workshops.workshop_save(workshop=workshop, actor=advisor)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_a_capacity_below_the_seats_taken_is_refused(db, advisor):
    workshop = make_workshop(capacity=2)
    register(workshop, make_person(1))
    register(workshop, make_person(2))
    workshop.capacity = 1
    with pytest.raises(Exception, match="déjà inscrites"):
        workshops.workshop_save(workshop=workshop, actor=advisor)


def test_cancelling_through_the_private_link(client, db):
    workshop = make_workshop(capacity=1)
    seat = register(workshop, make_person("a"))
    waiting = register(workshop, make_person("b"))
    url = reverse("mediation:registration_cancel", args=[seat.token])
    assert "Oui, annuler" in client.get(url).content.decode()
    client.post(url)
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert seat.status == c.RegistrationStatus.CANCELLED and waiting.status == c.RegistrationStatus.CONFIRMED


def test_the_account_page_lists_the_residents_registrations_with_cancel_links(client, resident_with_email):
    workshop = make_workshop(capacity=3)
    registration = register(workshop, resident_with_email)
    client.force_login(resident_with_email.user)
    html = client.get(reverse("core:account")).content.decode()
    assert workshop.title in html and registration.get_resident_url() in html


def test_the_waitlist_keeps_the_order_of_arrival_whatever_the_servers_clocks(db):
    workshop = make_workshop(capacity=1)
    register(workshop, make_person("seat"))
    first = register(workshop, make_person("first"))
    second = register(workshop, make_person("second"))
    # The second request was served by an app server whose clock is a minute behind.
    Registration.objects.filter(pk=second.pk).update(queued_at=first.queued_at - datetime.timedelta(minutes=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.waitlist_position(), second.waitlist_position()) == (1, 2)
    seat = Registration.objects.get(workshop=workshop, status="confirmed")
    _cancelled, promoted = workshops.registration_cancel(registration=seat, actor=None)
    assert promoted == [first]


def test_a_second_click_on_cancel_registration_says_it_is_done(client, db, monkeypatch):
    from relais.mediation import views_public

    workshop = make_workshop(capacity=2)
    registration = register(workshop, make_person("click"))
    stale = Registration.objects.select_related("workshop", "workshop__place", "person").get(pk=registration.pk)
    url = reverse("mediation:registration_cancel", args=[registration.token])
    client.post(url)
    monkeypatch.setattr(views_public, "_registration_by_token", lambda token: stale)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == registration.get_resident_url()
    assert Message.objects.filter(template="mediation_registration_cancelled").count() == 1


def test_one_address_may_register_only_so_many_times_an_hour(client, db, settings):
    settings.RELAIS = {**settings.RELAIS, "MEDIATION_BOOKINGS_PER_IP_HOUR": 2}
    workshops = [make_workshop(capacity=5) for _n in range(3)]
    for n, workshop in enumerate(workshops[:2]):
        assert client.post(workshop.get_absolute_url(), contact(f"ip{n}")).status_code == 302
    refused = client.post(workshops[2].get_absolute_url(), contact("ip2"))
    html = refused.content.decode()
    assert refused.status_code == 429 and "Trop de demandes" in html and 'value="Habitantip2"' in html
    assert not Registration.objects.filter(workshop=workshops[2]).exists()
    assert client.post(workshops[2].get_absolute_url(), contact("ip2"), REMOTE_ADDR="198.51.100.4").status_code == 302


def test_cancelling_a_workshop_tells_everyone_and_frees_every_seat(advisor_client, advisor, client):
    from icalendar import Calendar

    workshop = make_workshop(capacity=1)
    seat = register(workshop, make_person("s"))
    waiting = register(workshop, make_person("w"))
    url = reverse("mediation:staff_workshop_cancel", args=[workshop.pk])
    assert "Annuler l'atelier" in advisor_client.get(url).content.decode()
    empty = advisor_client.post(url, {"notice": ""})
    assert "Écrivez en une phrase" in empty.content.decode()
    advisor_client.post(url, {"notice": "L'animatrice est malade."})
    workshop.refresh_from_db()
    assert workshop.cancelled_at and workshop.confirmed_count == 0
    assert set(Registration.objects.filter(workshop=workshop).values_list("status", flat=True)) == {"cancelled"}
    for registration in (seat, waiting):
        message = Message.objects.get(template="mediation_workshop_cancelled", related_id=str(registration.pk))
        assert "L'animatrice est malade." in message.body
        [event] = Calendar.from_ical(message.attachments[0]["content"]).walk("VEVENT")
        assert str(event["STATUS"]) == "CANCELLED"
    assert client.get(workshop.get_absolute_url()).status_code == 404
    assert workshop.title not in client.get(reverse("mediation:workshops")).content.decode()
    with pytest.raises(RegistrationClosed):
        register(workshop, make_person("late"))


# ---------------------------------------------------------------- the rush: cheap under the lock, messages after


# Statements of one registration through the public form (savepoints included; the rate
# limit lifted, a submission key sent), measured: 70 (39 without savepoints) before the
# messages were written after the commit, 45 (22) since (see BENCHMARKS.md "Registration rush"),
# 39 since the person's CHECK constraints are decided in Python (relais/core/constraints.py),
# 31 since the registration and each journal entry open no savepoint of their own, 25 since
# its two journal entries are sealed together (relais.core.auditchain.sealed_together), 23
# since the person's creation opens no savepoint inside `create_once`'s transaction, 19 (13 on
# PostgreSQL, whose seal follows the commit) since neither the resident's creation, a step of
# the registration's `create_once`, nor the seat and the row open one of their own.
REGISTRATION_QUERIES = 19


def _form(n, workshop, client):
    page = client.get(workshop.get_absolute_url())
    key = page.context["form"].initial["submission_key"]
    return {**contact(n), "submission_key": str(key)}


def test_one_registration_through_the_form_stays_within_its_queries(
    client, db, settings, django_assert_max_num_queries
):
    settings.RELAIS = {**settings.RELAIS, "MEDIATION_BOOKINGS_PER_IP_HOUR": 0}
    workshop = make_workshop(capacity=1)
    client.post(workshop.get_absolute_url(), _form("first", workshop, client))  # takes the seat
    data = _form("second", workshop, client)
    with django_assert_max_num_queries(REGISTRATION_QUERIES):
        response = client.post(workshop.get_absolute_url(), data)
    assert response.status_code == 302
    assert Registration.objects.get(person__last_name="Habitantsecond").status == "waitlisted"


def test_the_confirmation_email_and_its_calendar_file_arrive_once_the_worker_runs(client, db, mailoutbox):
    from relais.notifications import worker

    workshop = make_workshop(capacity=3)
    response = client.post(workshop.get_absolute_url(), _form("ics", workshop, client))
    assert response.status_code == 302
    registration = Registration.objects.get(person__email="camilleics@example.org")
    # Written by the worker after the commit: nothing was rendered during the registration.
    message = Message.objects.get(related_id=str(registration.pk))
    assert message.status == "writing" and message.body == "" and mailoutbox == []

    worker.turn("test-worker")  # the worker's turn writes it…
    message.refresh_from_db()
    assert message.status == "queued" and workshop.title in message.body
    assert message.attachments[0]["filename"] == "atelier.ics"
    from relais.notifications.services import process_due

    process_due()  # …and its task sends it
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["camilleics@example.org"] and workshop.title in email.body
    ((filename, content, kind),) = email.attachments
    assert filename == "atelier.ics" and kind == "text/calendar" and "BEGIN:VEVENT" in content
    assert f"SUMMARY:{workshop.title}" in content
    assert Message.objects.get(pk=message.pk).status == "sent"
    # The journal has the registration and the message queued.
    from relais.core.models import AuditEvent

    actions = set(AuditEvent.objects.filter(person_id=registration.person_id).values_list("action", flat=True))
    assert {"mediation.registration.created", "notifications.message.queued"} <= actions


def test_a_waitlisted_resident_is_told_their_position_without_a_calendar_file(db, mailoutbox):
    from relais.notifications.services import process_due

    workshop = make_workshop(capacity=1)
    register(workshop, make_person("seat"))
    waiting = register(workshop, make_person("waits"))
    process_due()
    message = Message.objects.get(related_id=str(waiting.pk))
    assert message.template == "mediation_registration_waitlisted" and "en position 1" in message.body
    assert message.attachments == []


def test_a_registration_rolled_back_sends_nothing(db, mailoutbox):
    from relais.notifications.services import process_due

    workshop = make_workshop(capacity=3)
    with pytest.raises(RuntimeError), transaction.atomic():
        register(workshop, make_person("undone"))
        raise RuntimeError("the surrounding action failed")
    process_due()
    assert not Registration.objects.filter(workshop=workshop).exists()
    assert not Message.objects.filter(person__email="personneundone@example.org").exists()
    assert mailoutbox == []


def test_a_confirmation_not_yet_written_at_a_restore_is_held_then_written_and_sent_once_released(db, mailoutbox):
    from relais.notifications.services import hold_queued, outbox_release, process_due

    workshop = make_workshop(capacity=3)
    registration = register(workshop, make_person("held"))
    message = Message.objects.get(related_id=str(registration.pk))
    assert message.status == "writing"

    assert hold_queued(reason="Restauration") >= 1  # perhaps sent from the copy that was lost
    process_due()
    message.refresh_from_db()
    assert message.status == "held" and mailoutbox == []

    outbox_release()  # staff decided it was not sent: the worker writes it, then sends it
    process_due()
    process_due()
    message.refresh_from_db()
    assert message.status == "sent" and workshop.title in message.body
    assert [m.to for m in mailoutbox] == [["personneheld@example.org"]]


def test_the_seat_lock_reads_the_workshop_again_and_locks_it_where_the_database_can(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.core.plainsql import locked_row

    workshop = make_workshop(capacity=2)
    Workshop.objects.filter(pk=workshop.pk).update(capacity=3)  # changed since it was read
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = locked_row(Workshop, workshop.pk)
    assert locked == workshop and locked.capacity == 3
    assert ("FOR UPDATE" in queries[-1]["sql"]) == connection.features.has_select_for_update
    with pytest.raises(Workshop.DoesNotExist):
        locked_row(Workshop, workshop.pk + 1000)


def test_the_duplicate_check_reads_the_people_of_that_name_not_every_registration(db):
    """Asked under the seat lock by every registration of a rush: its cost must not grow with
    the workshop's registrations (the index of names folded, then each one's registrations)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relais.mediation import selectors

    workshop = make_workshop(capacity=2)
    for n in range(5):
        register(workshop, make_person(f"full{n}"))
    twin = make_person("twin", first_name="Camille", last_name="Martin")
    register(workshop, twin)
    same = make_person("other", first_name="CAMILLE", last_name="martin", email=twin.email.upper())
    with CaptureQueriesContext(connection) as queries:
        found = selectors.duplicate_registration(workshop, same)
    assert found is not None and found.person_id == twin.pk  # same name whatever the case, same e-mail
    (query,) = queries.captured_queries
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a test's few rows would be read whole, whatever the indexes
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(explain + query["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "person_name_folded" in plan and "person_id" in plan, plan
    assert "workshop_id_" not in plan and "registration_queue" not in plan, plan
