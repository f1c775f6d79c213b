"""A paper code expires with its link, and works on the phone: the agent types the code the
resident reads out and lands on what it points to, if their team may open it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.cases.models import Case
from relais.core import access
from relais.core.models import AuditEvent
from relais.mandates.models import Mandate
from relais.mediation.models import Appointment
from tests.conftest import staff_client
from tests.core.test_paper_documents import _case_of, _mandate


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
    assert case.get_absolute_url() not in page.redirect_chain
    assert "pas suivi par votre équipe" in page.content.decode()
    assert client.get(case.get_absolute_url()).status_code == 404
    event = AuditEvent.objects.filter(action="core.access_code.staff_lookup").latest("pk")
    assert event.actor_id == other_case_worker.pk and event.details == {"opened": False}


def test_the_find_a_person_page_says_so_too_and_keeps_what_was_typed(moderator, case_code):
    case, code = case_code
    typed = access.spaced(code.code)
    page = staff_client(moderator).get(reverse("people:person_search"), {"q": typed})
    html = page.content.decode()
    assert page.status_code == 200 and "pas suivi par votre équipe" in html and typed in html
    assert case.person.display_name not in html


def test_an_expired_or_mistyped_code_opens_nothing_for_the_agent(reception_agent, appointment_code):
    appointment, code = appointment_code
    client = staff_client(reception_agent)
    wrong = code.code[:-1] + str((int(code.code[-1]) + 1) % 10)
    response = client.get(reverse("people:person_search"), {"q": wrong})
    assert response.status_code == 200  # a plain (empty) person search
    Appointment.objects.filter(pk=appointment.pk).update(token="gone")
    assert client.get(reverse("people:person_search"), {"q": code.code}).status_code == 200
