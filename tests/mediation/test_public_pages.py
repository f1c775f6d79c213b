"""Resident pages of digital mediation: "get help", the workshop list, calendars."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from relais.mediation.models import DropIn, Workshop
from tests.bidi import unisolated
from tests.mediation.conftest import make_workshop


def test_get_help_page_lists_next_sessions_in_plain_french(client, db):
    response = client.get(reverse("mediation:help"))
    html = unisolated(response.content.decode())
    assert response.status_code == 200
    assert "Relais citoyen Nord" in html
    assert "de 14 h à 17 h" in html and "sans rendez-vous" in html
    assert reverse("mediation:book_start") in html


def test_get_help_page_shows_a_cancelled_session_with_its_notice(client, db):
    html = client.get(reverse("mediation:help")).content.decode()
    assert "annulée" in html and "le conseiller est en formation" in html


def test_workshop_list_shows_free_seats_and_waitlists(client, db):
    html = client.get(reverse("mediation:workshops")).content.decode()
    assert "Premiers pas avec le smartphone" in html and "1 place libre" in html
    assert "Ma déclaration d&#x27;impôts en ligne" in html and "Complet : liste d'attente" in html
    assert "Créer son adresse courriel" not in html  # past


def test_workshop_page_before_opening_says_when_registration_opens(client, db):
    workshop = Workshop.objects.get(slug="reperer-un-courriel-frauduleux")
    html = client.get(workshop.get_absolute_url()).content.decode()
    assert "Les inscriptions ouvrent le" in html and '<form method="post"' not in html
    assert "Club des entreprises du Val de Brenne" in html


def test_place_calendar_feed_has_sessions_and_marks_cancellations(client, db):
    response = client.get(reverse("mediation:place_ics", args=["relais-citoyen-nord"]))
    assert response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) > 5
    assert any(str(e["STATUS"]) == "CANCELLED" for e in events)
    assert all(e["DTSTART"].dt.tzinfo is not None for e in events)


def test_workshops_feed_lists_every_session_without_the_people_registered(client, resident_with_email):
    from relais.core.models import Channel
    from relais.mediation.services import workshops

    workshop = make_workshop(sessions=2)
    workshops.registration_create(workshop=workshop, person=resident_with_email, channel=Channel.ONLINE, actor=None)
    response = client.get(reverse("mediation:workshops_ics"))
    events = [e for e in Calendar.from_ical(response.content).walk("VEVENT") if workshop.title in str(e["SUMMARY"])]
    assert len(events) == 2 and all(e["DTSTART"].dt.tzinfo is not None for e in events)
    text = response.content.decode()
    assert "Dupont" not in text and "marie.dupont" not in text and "ATTENDEE" not in text


def test_a_place_feed_reads_only_its_own_workshops(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    here = make_workshop(place_slug="relais-citoyen-nord", title="Ici")
    elsewhere = make_workshop(place_slug="mediatheque", title="Ailleurs")
    with CaptureQueriesContext(connection) as queries:
        text = client.get(reverse("mediation:place_ics", args=["relais-citoyen-nord"])).content.decode()
    assert here.title in text and elsewhere.title not in text
    workshop_reads = [q["sql"] for q in queries.captured_queries if 'FROM "mediation_workshop"' in q["sql"]]
    assert workshop_reads and all(
        '"mediation_workshop"."place_id" =' in sql.split(" WHERE ", 1)[-1] for sql in workshop_reads
    )  # filtered by the database, not in Python after loading every workshop


def test_a_session_stays_at_14h_local_time_across_the_clock_change(db):
    dropin = DropIn.objects.get(place__slug="relais-citoyen-nord", title="Permanence numérique")
    start = timezone.make_aware(datetime.datetime(2027, 3, 1))
    occurrences = dropin.occurrences(start, start + datetime.timedelta(days=45), holidays=[], cancellations={})
    assert {timezone.localtime(o.starts_at).hour for o in occurrences} == {14}
    # 13:00 UTC in winter, 12:00 UTC after the last Sunday of March.
    assert {o.starts_at.astimezone(datetime.UTC).hour for o in occurrences} == {12, 13}


def test_the_place_tag_lists_the_next_sessions_and_the_booking_link(db):
    from django.template import Context, Template

    from relais.directory.models import Place

    html = unisolated(
        Template("{% load mediation_tags %}{% next_sessions place %}").render(
            Context({"place": Place.objects.get(slug="relais-citoyen-nord")})
        )
    )
    assert "Prochaines permanences" in html and "de 14 h à 17 h" in html
    assert reverse("mediation:book_place", args=["relais-citoyen-nord"]) in html
    empty = Template("{% load mediation_tags %}{% next_sessions place %}").render(
        Context({"place": Place.objects.get(slug="hotel-de-ville")})
    )
    assert empty.strip() == ""


def test_the_home_tag_lists_workshops_with_free_seats(db):
    from django.template import Context, Template

    html = Template("{% load mediation_tags %}{% upcoming_workshops %}").render(Context({}))
    assert "Premiers pas avec le smartphone" in html and "impôts" not in html


def test_the_advisor_feed_needs_its_secret_and_shows_initials_and_place_only(client, advisor, resident_with_email):
    from relais.core.models import AuditEvent
    from relais.mediation.models import Appointment
    from relais.mediation.services import calendar

    token = calendar.calendar_token_for(user=advisor)
    appointment = Appointment.objects.filter(advisor=advisor, person=resident_with_email).first()
    assert appointment is not None  # the demo booked Marie with Yanis
    Appointment.objects.filter(pk=appointment.pk).update(topic="Ma déclaration de revenus")
    text = client.get(reverse("mediation:advisor_ics", args=[token.token]), REMOTE_ADDR="203.0.113.5").content.decode()
    assert "RDV M. D." in text and appointment.place.nom in text
    assert "Dupont" not in text and "marie.dupont" not in text and "déclaration de revenus" not in text
    fetch = AuditEvent.objects.get(action="mediation.advisor_feed.fetched")
    assert fetch.actor == advisor and fetch.ip == "203.0.113.5" and resident_with_email.pk in fetch.details["people"]
    assert client.get(reverse("mediation:advisor_ics", args=["guess"])).status_code == 404
    old = token.token
    calendar.calendar_token_renew(user=advisor)
    assert client.get(reverse("mediation:advisor_ics", args=[old])).status_code == 404


def test_the_feed_of_a_deactivated_advisor_stops(client, advisor):
    from relais.mediation.services import calendar

    url = reverse("mediation:advisor_ics", args=[calendar.calendar_token_for(user=advisor).token])
    assert client.get(url).status_code == 200
    advisor.is_active = False
    advisor.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_the_feed_of_an_advisor_who_left_the_team_stops(client, advisor):
    from relais.accounts.models import Membership, Role, Team
    from relais.mediation.services import calendar

    url = reverse("mediation:advisor_ics", args=[calendar.calendar_token_for(user=advisor).token])
    advisor.memberships.all().delete()
    assert client.get(url).status_code == 404
    # Now at the town hall's reception desk: still staff, but no mediation role.
    Membership.objects.create(user=advisor, team=Team.objects.get(slug="accueil"), role=Role.RECEPTION)
    assert client.get(url).status_code == 404


def test_plain_french_rules():
    from relais.mediation import text
    from relais.mediation.models import DropIn

    def rule(rrule, skip=False):
        dropin = DropIn(rrule=rrule, start_time=datetime.time(14), end_time=datetime.time(17, 30),
                        start_date=datetime.date(2026, 9, 1), skip_school_holidays=skip)  # fmt: skip
        return text.rule_text(dropin)

    assert rule("FREQ=WEEKLY;BYDAY=TU", skip=True) == (
        "tous les mardis, de 14 h à 17 h 30, sauf pendant les vacances scolaires"
    )
    assert rule("FREQ=WEEKLY;BYDAY=MO,TH") == "tous les lundis et jeudis, de 14 h à 17 h 30"
    assert rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA") == "un samedi sur deux, de 14 h à 17 h 30"
    assert rule("FREQ=MONTHLY;BYDAY=1WE") == "le premier mercredi du mois, de 14 h à 17 h 30"


def test_a_workshop_read_for_a_registration_is_published_by_the_same_rule_as_the_list(db):
    """`workshop_public(for_page=False)` reads one row in plain SQL and applies
    `Workshop.is_published`: the same workshops as `Workshop.objects.published()`."""
    from relais.mediation.models import Workshop
    from relais.mediation.selectors import workshop_public
    from tests.mediation.conftest import make_workshop

    shown, hidden, cancelled = make_workshop(sessions=2), make_workshop(), make_workshop()
    Workshop.objects.filter(pk=hidden.pk).update(published=False)
    Workshop.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    published = set(Workshop.objects.published().values_list("slug", flat=True))
    for workshop in (shown, hidden, cancelled):
        try:
            read = workshop_public(workshop.slug, for_page=False)
        except Workshop.DoesNotExist:
            read = None
        assert (read is not None) == (workshop.slug in published)
    assert shown.slug in published and {hidden.slug, cancelled.slug}.isdisjoint(published)
    read = workshop_public(shown.slug, for_page=False)
    assert [s.pk for s in read.session_list()] == [s.pk for s in shown.session_list()]
    with pytest.raises(Workshop.DoesNotExist):
        workshop_public("no-such-workshop", for_page=False)


def test_the_registration_page_reads_the_registration_its_workshop_place_and_sessions_at_once(
    client, db, django_assert_num_queries
):
    from relais.mediation.services import workshops
    from tests.mediation.conftest import contact, make_workshop

    workshop = make_workshop(capacity=1, sessions=2)
    workshops.registration_create_online(workshop=workshop, user=None, contact=contact("seat"))
    waiting = workshops.registration_create_online(workshop=workshop, user=None, contact=contact("waits"))
    client.get(waiting.get_resident_url())  # the caches every page reads (the pages' version…) filled
    with django_assert_num_queries(3):  # the registration with its workshop and place, the sessions, the position
        html = client.get(waiting.get_resident_url()).content.decode()
    assert "en position <strong>1</strong>" in html
    assert workshop.title in html and workshop.place.nom in html
    assert html.count("<li>") >= 2  # both sessions
    missing = client.get(waiting.get_resident_url().replace(waiting.token, "x" * len(waiting.token)))
    assert missing.status_code == 404 and "Page introuvable" in missing.content.decode()
