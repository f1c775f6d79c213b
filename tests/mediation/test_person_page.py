"""A person's staff page shows their mediation records to staff who may see them, and each
view is journaled; a resident's account lists their own bookings."""

from django.urls import reverse

from relais.core.models import AuditEvent, Channel
from relais.mediation import person as person_module
from relais.mediation.models import Accompaniment
from relais.mediation.services import workshops
from tests.mediation.conftest import make_workshop


def test_the_staff_sections_show_appointments_registrations_and_accompaniments(advisor, resident_by_letter):
    workshop = make_workshop(capacity=2)
    workshops.registration_create(workshop=workshop, person=resident_by_letter, channel=Channel.COUNTER, actor=None)
    [section] = person_module.sections(person=resident_by_letter, user=advisor)
    assert [r.workshop for r in section.context["registrations"]] == [workshop]
    assert section.context["appointments"]  # the demo gives Jeanne appointments
    assert section.context["can_record"] is True
    event = AuditEvent.objects.filter(action="mediation.person.records_viewed", person_id=resident_by_letter.pk).get()
    assert event.actor == advisor and event.details["registrations"]


def test_reception_sees_bookings_but_not_accompaniments(reception_agent, resident_by_letter, advisor, team):
    Accompaniment.objects.create(team=team, advisor=advisor, duration=30, themes=["email"], place_type="a_distance",
                                 person=resident_by_letter)  # fmt: skip
    [section] = person_module.sections(person=resident_by_letter, user=reception_agent)
    assert section.context["accompaniments"] == [] and section.context["can_record"] is False


def test_a_case_worker_of_a_team_taking_no_appointments_sees_no_section(resident_by_letter):
    from relais.accounts.models import User

    urbanisme = User.objects.get(email="urbanisme@valbrenne.fr")
    assert person_module.sections(person=resident_by_letter, user=urbanisme) == []


def test_an_agent_of_a_team_taking_appointments_sees_them(case_worker, resident_by_letter):
    # État civil publishes the identity-card appointments (demo): its agents see its bookings.
    [section] = person_module.sections(person=resident_by_letter, user=case_worker)
    assert str(section.title) == "Rendez-vous" and section.context["accompaniments"] == []


def test_the_section_renders_with_its_actions(advisor, resident_by_letter):
    # Rendered alone: the person page (core) also holds other apps' sections.
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    [section] = person_module.sections(person=resident_by_letter, user=advisor)
    request = RequestFactory().get("/")
    request.user = advisor  # the links show when the reader may open them
    html = render_to_string(section.template, {"person": resident_by_letter, "ctx": section.context}, request=request)
    assert "Prendre un rendez-vous" in html and "Noter un accompagnement" in html


def test_the_account_page_lists_the_residents_appointments(client, resident_with_email):
    client.force_login(resident_with_email.user)
    html = client.get(reverse("core:account")).content.decode()
    assert "Mes rendez-vous et ateliers" in html and "Rendez-vous numérique le" in html
