"""A paper code expires with its link, and works on the phone: the agent types the code the
resident reads out and lands on what it points to, if their team may open it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import User
from relais.cases.models import Case
from relais.core import access
from relais.core.models import AccessCode, AuditEvent
from relais.mandates.models import Mandate
from relais.mediation.choices import Outcome
from relais.mediation.models import Appointment
from relais.mediation.services import appointments
from tests.conftest import staff_client
from tests.core.test_paper_documents import _case_of, _mandate
from tests.mediation.conftest import make_person
from tests.mediation.test_appointment_types import first_slot, make_opening, make_type
from tests.world import build_world


@pytest.fixture
def case_code(resident_by_letter):
    case = _case_of(resident_by_letter)  # a request to État civil
    return case, access.code_for(person=case.person, target=case.get_tracking_url())


# ---------------------------------------------------------------- expiring with the link


def test_an_appointment_code_stops_working_once_the_appointment_is_over(db):
    appointment = Appointment.objects.filter(ends_at__gt=timezone.now(), person__isnull=False).first()
    code = access.code_for(person=appointment.person, target=appointment.get_resident_url())
    assert access.find(code.code) is not None
    past = timezone.now() - timedelta(days=1)
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=past - timedelta(minutes=30), ends_at=past)
    assert access.find(code.code) is None  # the code itself is still within its days


def test_a_mandate_code_stops_working_once_the_mandate_is_stopped(resident_by_letter, advisor):
    _mandate(resident_by_letter, advisor)
    mandate = Mandate.objects.filter(person=resident_by_letter).latest("pk")
    code = access.code_for(person=resident_by_letter, target=mandate.get_resident_url())
    assert access.find(code.code) is not None
    Mandate.objects.filter(pk=mandate.pk).update(revoked_at=timezone.now())
    assert access.find(code.code) is None


def test_a_request_code_stops_working_once_the_request_is_gone(client, case_code):
    case, code = case_code
    assert access.find(code.code) is not None
    Case.objects.filter(pk=case.pk).update(token="another-token-after-retention")
    assert access.find(code.code) is None
    page = client.post(reverse("core:access_code"), {"code": access.spaced(code.code)})
    assert page.status_code == 400  # "unknown or expired" next to the field, as for a typo


# ---------------------------------------------------------------- typed by an agent


@pytest.fixture
def appointment_code(db):
    appointment = Appointment.objects.filter(ends_at__gt=timezone.now(), person__isnull=False).first()
    return appointment, access.code_for(person=appointment.person, target=appointment.get_resident_url())


@pytest.mark.parametrize("spacing", ["spaced", "plain"])
def test_the_counter_types_the_code_and_opens_what_it_points_to(reception_agent, appointment_code, spacing):
    appointment, code = appointment_code
    typed = access.spaced(code.code) if spacing == "spaced" else code.code
    client = staff_client(reception_agent)
    response = client.get(reverse("people:person_search"), {"q": typed})
    assert response.status_code == 302 and response["Location"] == appointment.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200
    event = AuditEvent.objects.filter(action="core.access_code.staff_lookup").latest("pk")
    assert event.actor_id == reception_agent.pk and event.person_id == appointment.person_id


def test_the_case_queue_search_takes_a_code_too(case_worker, case_code):
    case, code = case_code
    response = staff_client(case_worker).get(reverse("cases:queue"), {"q": access.spaced(code.code)})
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()


def test_an_agent_of_another_team_is_told_it_is_not_theirs(other_case_worker, case_code):
    case, code = case_code
    client = staff_client(other_case_worker)
    page = client.get(reverse("cases:queue"), {"q": code.code}, follow=True)
    assert page.redirect_chain == []  # no redirect at all, to the case or elsewhere
    html = page.content.decode()
    assert "pas suivi par votre équipe" in html
    assert client.get(case.get_absolute_url()).status_code == 404
    event = AuditEvent.objects.filter(action="core.access_code.staff_lookup").latest("pk")
    assert event.actor_id == other_case_worker.pk
    assert event.details == {"opened": False, "refused": "not_in_team"}
    # Nothing shown on screen, but the resident's journal (and access export) tells who tried.
    assert event.person_id == case.person_id


def test_the_find_a_person_page_says_so_too_and_keeps_what_was_typed(moderator, case_code):
    case, code = case_code
    typed = access.spaced(code.code)
    page = staff_client(moderator).get(reverse("people:person_search"), {"q": typed})
    html = page.content.decode()
    assert page.status_code == 200 and "pas suivi par votre équipe" in html and typed in html
    assert case.person.display_name not in html


def test_a_mistyped_code_is_a_plain_person_search(reception_agent, appointment_code):
    appointment, code = appointment_code
    client = staff_client(reception_agent)
    wrong = code.code[:-1] + str((int(code.code[-1]) + 1) % 10)  # the check digit catches it
    page = client.get(reverse("people:person_search"), {"q": wrong})
    html = page.content.decode()
    assert page.status_code == 200 and "Ce code" not in html
    assert not AuditEvent.objects.filter(action="core.access_code.staff_lookup").exists()
    assert AuditEvent.objects.filter(action="core.person.searched").exists()


def test_an_expired_code_says_so_beside_the_field(reception_agent, appointment_code):
    appointment, code = appointment_code
    Appointment.objects.filter(pk=appointment.pk).update(token="gone")
    typed = access.spaced(code.code)
    page = staff_client(reception_agent).get(reverse("people:person_search"), {"q": typed})
    html = page.content.decode()
    assert page.status_code == 200 and "Ce code n&#x27;est plus valable" in html and typed in html
    assert appointment.person.display_name not in html
    event = AuditEvent.objects.filter(action="core.access_code.staff_lookup").latest("pk")
    assert event.details == {"opened": False, "refused": "no_longer_valid"}


# ---------------------------------------------------------------- as long as the page lives


def test_a_request_code_works_as_long_as_its_follow_up_page(client, case_worker, case_code):
    """A request's follow-up page lasts its whole retention: its receipt code too, even
    printed more than a year ago."""
    case, code = case_code
    long_ago = timezone.now() - timedelta(days=400)
    Case.objects.filter(pk=case.pk).update(submitted_at=long_ago)
    AccessCode.objects.filter(pk=code.pk).update(created_at=long_ago, expires_at=long_ago + timedelta(days=365))
    assert access.find(code.code) is not None
    response = staff_client(case_worker).get(reverse("cases:queue"), {"q": code.code})
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    page = client.post(reverse("core:access_code"), {"code": code.code})
    assert page.status_code == 302  # on to the question


def test_a_code_for_a_page_no_app_owns_keeps_its_days(resident_by_letter):
    code = access.code_for(person=resident_by_letter, target="/entraide/")
    assert access.find(code.code) is not None
    AccessCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert access.find(code.code) is None


# ---------------------------------------------------------------- codes that open no record


def test_staff_are_told_a_code_for_a_public_page_opens_no_record(reception_agent, resident_by_letter):
    code = access.code_for(person=resident_by_letter, target="/entraide/")
    page = staff_client(reception_agent).get(reverse("people:person_search"), {"q": code.code})
    html = page.content.decode()
    assert page.status_code == 200 and "pas à un dossier" in html and "pas suivi par votre équipe" not in html
    assert code.code in html


def test_a_resident_without_an_account_is_not_sent_to_the_login_page(client, db):
    world = build_world()
    person = world.conversation.responder
    assert person.user_id is None and not person.birth_year
    code = access.code_for(person=person, target=world.conversation.get_absolute_url())
    url = reverse("core:access_detail", args=[code.code])
    page = client.post(url, {"answer": person.phone[-4:]})
    assert page.status_code == 200 and "avec un compte" in page.content.decode()
    assert AuditEvent.objects.filter(action="core.access_code.used", person_id=person.pk).exists()


# ---------------------------------------------------------------- how many codes an agent types


def test_an_agent_typing_many_codes_is_stopped_and_told_beside_the_field(
    reception_agent, appointment_code, monkeypatch
):
    appointment, code = appointment_code
    monkeypatch.setattr(access, "STAFF_LOOKUPS_PER_HOUR", 2)
    client = staff_client(reception_agent)
    for _ in range(2):
        assert client.get(reverse("people:person_search"), {"q": code.code}).status_code == 302
    page = client.get(reverse("people:person_search"), {"q": code.code})
    html = page.content.decode()
    assert page.status_code == 200 and "Trop de codes tapés" in html and code.code in html
    assert appointment.person.display_name not in html
    event = AuditEvent.objects.filter(action="core.access_code.staff_lookup").latest("pk")
    assert event.actor_id == reception_agent.pk and event.details == {"opened": False, "refused": "too_many"}
    # Another agent is not held back.
    other = staff_client(User.objects.get(email="conseiller@valbrenne.fr"))
    assert other.get(reverse("people:person_search"), {"q": code.code}).status_code in (302, 200)
    assert AuditEvent.objects.filter(details__refused="too_many").count() == 1


# ---------------------------------------------------------------- a moved appointment


def test_a_moved_appointments_code_follows_the_move_and_a_cancelled_ones_dies(reception_agent, db):
    kind = make_type(cap=0)
    opening = make_opening(kind)
    booked = appointments.appointment_book(
        dropin=opening, starts_at=first_slot(opening).starts_at, person=make_person(1), channel="phone",
        actor=reception_agent,
    )  # fmt: skip
    code = access.code_for(person=booked.person, target=booked.get_resident_url())
    moved = appointments.appointment_move(
        appointment=booked, dropin=opening, starts_at=first_slot(opening, days=3).starts_at, actor=reception_agent
    )
    found = access.find(code.code)
    assert found is not None and found.target == moved.get_resident_url()
    response = staff_client(reception_agent).get(reverse("people:person_search"), {"q": code.code})
    assert response["Location"] == moved.get_absolute_url()
    appointments.appointment_cancel(appointment=moved, actor=reception_agent)
    assert access.find(code.code) is None


def test_an_old_code_of_a_moved_appointment_opens_the_new_one_for_staff(reception_agent, db):
    """A code printed before moves followed it (written before this rule): staff land on the
    appointment as it is now, not on the one freed."""
    kind = make_type(cap=0)
    opening = make_opening(kind)
    booked = appointments.appointment_book(
        dropin=opening, starts_at=first_slot(opening).starts_at, person=make_person(2), channel="phone",
        actor=reception_agent,
    )  # fmt: skip
    old_path = booked.get_resident_url()
    moved = appointments.appointment_move(
        appointment=booked, dropin=opening, starts_at=first_slot(opening, days=3).starts_at, actor=reception_agent
    )
    code = access.code_for(person=booked.person, target=old_path)
    response = staff_client(reception_agent).get(reverse("people:person_search"), {"q": code.code})
    assert response["Location"] == moved.get_absolute_url()
    Appointment.objects.filter(pk=moved.pk).update(cancelled_at=timezone.now(), outcome=Outcome.EXCUSED)
    assert access.find(code.code) is None
