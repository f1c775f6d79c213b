"""Who may do what: mediation powers belong to advisors and managers of mediation teams
only; reception agents book and register at the counter without seeing topics or
accompaniments; finding a person follows the rule of people:person_search; every screen
showing people journals each of them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Membership, Role, Team
from relais.core.http import OutOfReach
from relais.core.models import AuditEvent, Channel, Person
from relais.mediation.models import Accompaniment, Appointment, DropIn, Workshop
from relais.mediation.services import accompaniments, dropins, workshops
from tests.conftest import make_member, staff_client
from tests.mediation.conftest import make_dropin, make_person, make_workshop


@pytest.fixture
def civil_manager(db):
    """The head of État civil: a manager, but of a municipal service."""
    return make_member("chef.etat-civil@valbrenne.fr", "etat-civil", Role.MANAGER)


@pytest.fixture
def booked(db, resident_with_email):
    dropin = make_dropin()
    appointment = Appointment.objects.create(
        dropin=dropin, team=dropin.team, place=dropin.place, person=resident_with_email, topic="Mes impôts en ligne",
        starts_at=timezone.now() + datetime.timedelta(days=2), ends_at=timezone.now() + datetime.timedelta(days=2, minutes=30),
    )  # fmt: skip
    return appointment


MEDIATION_SCREENS = [
    "mediation:staff_home",
    "mediation:staff_dropins",
    "mediation:staff_dropin_create",
    "mediation:staff_workshops",
    "mediation:staff_workshop_create",
    "mediation:staff_accompaniments",
    "mediation:accompaniment_create",
    "mediation:staff_holidays",
]


def test_a_manager_of_another_kind_of_team_gets_404_everywhere_in_mediation(civil_manager, resident_with_email):
    client = staff_client(civil_manager)
    for name in MEDIATION_SCREENS:
        assert client.get(reverse(name)).status_code == 404, name
    # État civil takes appointments (its identity-card counter): its agents have the calendar feed.
    assert client.get(reverse("mediation:staff_calendar")).status_code == 200
    book = reverse("mediation:staff_appointment_book")
    assert client.get(book, {"q": "dupont"}).status_code == 404
    # …and books its appointments for the people its team knows (Marie's request is État civil's),
    # without looking anyone else up.
    assert client.get(book, {"person": resident_with_email.pk}).status_code == 200
    assert not AuditEvent.objects.filter(actor=civil_manager, action="core.person.searched").exists()


def test_the_demo_administrator_manager_of_reception_cannot_look_residents_up(admin_client, resident_with_email):
    # Manager of "Accueil" (a reception team): same answer as people:person_search, a 404.
    assert admin_client.get(reverse("people:person_search"), {"q": "dupont"}).status_code == 404
    book = reverse("mediation:staff_appointment_book")
    response = admin_client.get(book, {"q": "dupont"})
    assert response.status_code == 404 and b"marie.dupont" not in response.content
    assert admin_client.get(book, {"person": resident_with_email.pk}).status_code == 404
    assert admin_client.get(reverse("mediation:accompaniment_create")).status_code == 404


def test_a_manager_of_another_kind_of_team_cannot_create_sessions_or_workshops_for_it(civil_manager):
    civil = Team.objects.get(slug="etat-civil")
    dropin = DropIn(
        team=civil, place_id=make_dropin().place_id, booking="walk_in", rrule="FREQ=WEEKLY;BYDAY=TU",
        start_date=timezone.localdate(), start_time=datetime.time(14), end_time=datetime.time(17),
    )  # fmt: skip
    with pytest.raises(OutOfReach):
        dropins.dropin_save(dropin=dropin, actor=civil_manager)
    workshop = make_workshop(team_slug="etat-civil")
    workshop.capacity = 5
    with pytest.raises(OutOfReach):
        workshops.workshop_save(workshop=workshop, actor=civil_manager)
    with pytest.raises(OutOfReach):
        workshops.workshop_cancel(workshop=workshop, notice="", actor=civil_manager)
    assert issubclass(OutOfReach, Http404) and not issubclass(OutOfReach, OSError)  # a 404, never a 500
    with pytest.raises(ValidationError):
        accompaniments.accompaniment_create(
            advisor=civil_manager, team=civil, data={"duration": 30, "themes": ["email"], "place_type": "a_distance"}
        )


def test_a_mediation_advisor_with_another_team_is_offered_only_mediation_teams(advisor):
    Membership.objects.create(user=advisor, team=Team.objects.get(slug="ccas"), role=Role.MANAGER)
    client = staff_client(advisor)
    for name in ("mediation:staff_workshop_create", "mediation:staff_dropin_create", "mediation:accompaniment_create"):
        form = client.get(reverse(name)).context["form"]
        assert [t.slug for t in form.fields["team"].queryset] == ["mediation"], name
    workshop = make_workshop(team_slug="ccas")
    assert client.get(reverse("mediation:staff_workshop", args=[workshop.pk])).status_code == 404


def test_reception_never_sees_topics_nor_accompaniments(reception_client, reception_agent, booked, advisor, team):
    record = Accompaniment.objects.create(
        team=team, advisor=advisor, duration=30, themes=["email"], place_type="a_distance", person=booked.person
    )
    detail = reception_client.get(reverse("mediation:staff_appointment", args=[booked.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "Marie" in html and "Mes impôts en ligne" not in html
    listing = reception_client.get(reverse("mediation:staff_appointments")).content.decode()
    assert "Marie" in listing and "Mes impôts en ligne" not in listing
    assert reception_client.get(reverse("mediation:staff_accompaniments")).status_code == 404
    assert reception_client.get(reverse("mediation:accompaniment_edit", args=[record.pk])).status_code == 404
    assert reception_client.get(reverse("mediation:accompaniment_create")).status_code == 404
    # The advisor of the team sees what it is for.
    advisor_html = staff_client(advisor).get(reverse("mediation:staff_appointment", args=[booked.pk])).content
    assert "Mes impôts en ligne" in advisor_html.decode()


def test_a_mediation_manager_is_no_people_role_and_cannot_look_people_up(manager_client, resident_with_email):
    """A manager reaches only the people their team booked or accompanied, never by search."""
    workshop = make_workshop()
    stranger = Person.objects.create(first_name="Inès", last_name="Dupont", phone="0611223344")
    for url in (
        reverse("mediation:staff_appointment_book"),
        reverse("mediation:staff_workshop_register", args=[workshop.pk]),
    ):
        assert manager_client.get(url, {"q": "dupont"}).status_code == 404, url
        assert manager_client.get(url, {"person": stranger.pk}).status_code == 404, url
    assert manager_client.get(reverse("mediation:staff_workshop", args=[workshop.pk])).status_code == 200


def test_an_advisor_looks_people_up_and_each_person_opened_is_journaled(advisor_client, advisor, resident_with_email):
    url = reverse("mediation:staff_appointment_book")
    advisor_client.get(url, {"q": "dupont"})
    assert AuditEvent.objects.filter(actor=advisor, action="core.person.searched").exists()
    advisor_client.get(url, {"person": resident_with_email.pk})
    assert AuditEvent.objects.filter(
        actor=advisor, action="core.person.viewed", person_id=resident_with_email.pk
    ).exists()


@pytest.mark.parametrize(
    "name",
    ["mediation:staff_workshop_pick", "mediation:staff_workshop_register", "mediation:accompaniment_create"],
)
def test_opening_someone_by_id_on_a_staff_screen_is_journaled(advisor_client, advisor, resident_by_letter, name):
    args = [make_workshop().pk] if name == "mediation:staff_workshop_register" else []
    assert advisor_client.get(reverse(name, args=args), {"person": resident_by_letter.pk}).status_code == 200
    assert AuditEvent.objects.filter(
        actor=advisor, action="core.person.viewed", person_id=resident_by_letter.pk
    ).exists()


def test_the_dashboard_journals_each_person_it_shows(advisor_client, advisor, booked):
    advisor_client.get(reverse("mediation:staff_home"))
    shown = set(
        AuditEvent.objects.filter(actor=advisor, action="mediation.appointment.list_viewed").values_list(
            "person_id", flat=True
        )
    )
    assert booked.person_id in shown
    past = Appointment.objects.filter(team__slug="mediation", starts_at__lt=timezone.now(), outcome="unknown")
    assert set(past.filter(cancelled_at__isnull=True).values_list("person_id", flat=True)) <= shown


def test_the_appointment_and_accompaniment_lists_journal_each_person(advisor_client, advisor, booked, team):
    advisor_client.get(reverse("mediation:staff_appointments"))
    assert AuditEvent.objects.filter(
        actor=advisor, action="mediation.appointment.list_viewed", person_id=booked.person_id
    ).exists()
    Accompaniment.objects.create(
        team=team, advisor=advisor, duration=30, themes=["email"], place_type="a_distance", person=booked.person
    )
    advisor_client.get(reverse("mediation:staff_accompaniments"))
    assert AuditEvent.objects.filter(
        actor=advisor, action="mediation.accompaniment.list_viewed", person_id=booked.person_id
    ).exists()


def test_an_advisor_of_another_mediation_team_gets_404_on_drop_in_edit_and_cancel(db):
    from relais.accounts.models import TeamKind

    dropin = make_dropin(booking="walk_in")
    Team.objects.create(name="Médiation de Bellerive", slug="mediation-bellerive", kind=TeamKind.MEDIATION)
    outsider = staff_client(make_member("c2@bellerive.fr", "mediation-bellerive", Role.ADVISOR))
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    assert outsider.get(reverse("mediation:staff_dropin_edit", args=[dropin.pk])).status_code == 404
    assert outsider.post(reverse("mediation:staff_dropin_edit", args=[dropin.pk]), {"title": "x"}).status_code == 404
    cancel = reverse("mediation:staff_dropin_cancel", args=[dropin.pk])
    assert outsider.post(cancel, {"date": day, "notice": "Non"}).status_code == 404
    assert outsider.post(reverse("mediation:staff_dropin_restore", args=[dropin.pk]), {"date": day}).status_code == 404
    assert not dropin.cancellations.exists()


def test_reception_cancels_a_registration_at_the_counter_and_the_first_waiting_gets_the_seat(
    reception_client, resident_by_letter
):
    workshop = make_workshop(capacity=1)
    seat = workshops.registration_create(
        workshop=workshop, person=resident_by_letter, channel=Channel.COUNTER, actor=None
    )
    waiting = workshops.registration_create(
        workshop=workshop, person=make_person("w"), channel=Channel.ONLINE, actor=None
    )
    url = reverse("mediation:staff_registration_cancel", args=[seat.pk])
    # the page says who gets the seat, and nothing changes before it is confirmed
    page = reception_client.get(url).content.decode()
    assert "La place est donnée tout de suite à" in page and waiting.person.display_name in page
    assert "premier(ère)" in page  # no civility recorded: both forms
    assert reception_client.post(url, {}).status_code == 200
    seat.refresh_from_db()
    assert seat.status == "confirmed"
    response = reception_client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert seat.status == "cancelled" and waiting.status == "confirmed"
    assert Workshop.objects.get(pk=workshop.pk).confirmed_count == 1
    again = reception_client.post(url, {"confirm": "yes"}, follow=True)
    assert again.status_code == 200 and "ne peut plus être annulée" in again.content.decode()


def test_a_manager_corrects_the_record_of_an_advisor_who_left_the_team(manager):
    from tests.mediation.test_accompaniments import form_data

    colleague = make_member("parti@valbrenne.fr", "mediation", "advisor")
    record = Accompaniment.objects.create(
        team=Team.objects.get(slug="mediation"), advisor=colleague, duration=30, themes=["email"],
        place_type="a_distance",
    )  # fmt: skip
    Membership.objects.filter(user=colleague).delete()
    client = staff_client(manager)
    url = reverse("mediation:accompaniment_edit", args=[record.pk])
    response = client.post(url, form_data(client, url, duration_choice="60"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.duration == 60 and record.team.slug == "mediation"


def test_odd_ids_and_slot_keys_are_not_server_errors(reception_client, db):
    dropin = make_dropin()
    for key in ("000101010000", "999912312359"):
        assert reception_client.get(f"/rendez-vous/creneau/{dropin.pk}/{key}/").status_code == 404
    # "²" is a digit to Python, and 20 digits overflow a database integer: both mean "nobody".
    for odd in ("²", "9" * 20):
        response = reception_client.get(reverse("mediation:staff_appointment_book"), {"person": odd})
        assert response.status_code == 200 and response.context.get("person") is None
