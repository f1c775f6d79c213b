"""A person is shown to the roles that look people up (reception, advisors, moderators), or
to staff whose team has a record with them — and every page showing someone says so in the
journal, under their name, even a list page."""

import pytest
from django.urls import reverse

from relais.cases.models import Case
from relais.core.models import AuditEvent, Person
from relais.core.selectors import journal
from tests.conftest import staff_client


@pytest.fixture
def stranger(db):
    """A resident none of the demo teams has any record with."""
    return Person.objects.create(first_name="Inès", last_name="Inconnue", phone="0611223344")


@pytest.fixture
def civil_case(db):
    return Case.objects.filter(team__slug="etat-civil").select_related("person").first()


def _pages_for(person):
    return [
        reverse("people:person_detail", args=[person.pk]),
        reverse("cases:record_start", args=[person.pk]),
        reverse("cases:record", args=[person.pk, "attestation-accueil"]) + "?canal=counter",
        reverse("mandates:create", args=[person.pk]),
    ]


def test_staff_without_a_relation_get_404_and_learn_no_name(stranger, case_worker, manager, administrator):
    for user in (case_worker, manager, administrator):
        client = staff_client(user)
        for url in _pages_for(stranger):
            response = client.get(url)
            assert response.status_code == 404, (user.email, url)
            assert "Inconnue" not in response.content.decode()


def test_a_case_worker_reaches_the_person_of_their_teams_case(civil_case, case_worker):
    client = staff_client(case_worker)
    person = civil_case.person
    for url in _pages_for(person)[:3]:
        assert client.get(url).status_code == 200, url
    reasons = set(
        AuditEvent.objects.filter(action="core.person.viewed", person_id=person.pk, actor=case_worker).values_list(
            "reason", flat=True
        )
    )
    assert reasons == {"", "record a request"}


def test_the_counter_and_advisors_look_anyone_up_and_it_is_journaled(stranger, reception_agent, advisor):
    assert staff_client(reception_agent).get(reverse("cases:record_start", args=[stranger.pk])).status_code == 200
    assert staff_client(advisor).get(reverse("mandates:create", args=[stranger.pk])).status_code == 200
    viewed = AuditEvent.objects.filter(action="core.person.viewed", person_id=stranger.pk)
    assert {e.actor_id for e in viewed} == {reception_agent.pk, advisor.pk}


def test_a_case_worker_cannot_record_a_request_for_a_stranger(stranger, case_worker):
    url = reverse("cases:record", args=[stranger.pk, "attestation-accueil"]) + "?canal=phone"
    response = staff_client(case_worker).post(url, {"submission_key": "not-used"})
    assert response.status_code == 404
    assert not Case.objects.filter(person=stranger).exists()


def test_list_pages_name_the_people_they_show_in_the_journal(civil_case, case_worker, reception_agent):
    staff_client(case_worker).get(reverse("cases:queue") + "?onglet=toutes")
    staff_client(case_worker).get(reverse("cases:export", args=["csv"]))
    staff_client(reception_agent).get(reverse("people:person_search"), {"q": civil_case.person.last_name})
    actions = set(journal(person_id=civil_case.person_id).values_list("action", flat=True))
    assert {"cases.queue.viewed", "cases.queue.exported", "core.person.searched"} <= actions
