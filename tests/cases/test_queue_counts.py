"""The queue's tab counts are kept in the cache between clicks: every change shows at the
next click, and the queue's cost does not grow with the team's cases."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relais.cases import services
from relais.cases.models import DONE_STATUSES, OPEN_STATUSES, Case, Form
from relais.core.models import Channel, Person
from tests.conftest import make_member, staff_client


@pytest.fixture
def worker_client(case_worker):
    return staff_client(case_worker)


def tab_counts(client) -> dict[str, int]:
    page = client.get(reverse("cases:queue") + "?onglet=toutes").content.decode()
    return {
        tab: int(n) for tab, n in re.findall(r'href="\?onglet=(\w+)"[^>]*>[^<]*<span class="tag[^"]*">(\d+)<', page)
    }


def test_the_tab_counts_are_those_of_the_database(worker_client, case_worker):
    counts = tab_counts(worker_client)
    team = Case.objects.filter(team__slug="etat-civil")
    assert counts["toutes"] == team.count()
    assert counts["nouvelles"] == team.filter(status="submitted").count()
    assert counts["miennes"] == team.filter(assignee=case_worker, status__in=OPEN_STATUSES).count()
    assert counts["traitees"] == team.filter(status__in=DONE_STATUSES).count()


def test_a_status_change_a_new_case_and_an_assignment_show_in_the_counts_at_once(worker_client, case_worker):
    before = tab_counts(worker_client)  # counted, then kept
    case = Case.objects.filter(team__slug="etat-civil", status="submitted").first()
    worker_client.post(
        case.get_absolute_url(),
        {"action": "status", "status": "in_progress", "message": "", "correction_seen": ""},
    )
    assert Case.objects.get(pk=case.pk).status == "in_progress"
    after = tab_counts(worker_client)
    assert after["nouvelles"] == before["nouvelles"] - 1
    assert after["toutes"] == before["toutes"]

    services.case_submit(
        form=Form.objects.get(slug="listes-electorales"),
        person=Person.objects.get(first_name="Jeanne", last_name="Martin"),
        answers={"naissance": "1980-01-02", "lieu_naissance": "Valbrenne", "nationalite": "Français"},
        channel=Channel.COUNTER,
        recorded_by=case_worker,
        submission_key=uuid.uuid4(),
    )
    arrived = tab_counts(worker_client)
    assert arrived["toutes"] == after["toutes"] + 1
    assert arrived["nouvelles"] == after["nouvelles"] + 1

    mine = arrived["miennes"]
    worker_client.post(case.get_absolute_url(), {"action": "assign", "assignee": case_worker.pk})
    assert Case.objects.get(pk=case.pk).assignee == case_worker
    assert tab_counts(worker_client)["miennes"] == mine + 1


def test_a_colleague_sees_the_change_made_by_another_at_their_next_click(case_worker, worker_client):
    colleague = staff_client(make_member("collegue@valbrenne.fr", "etat-civil", "case_worker"))
    before = tab_counts(colleague)
    case = Case.objects.filter(team__slug="etat-civil", status="submitted").first()
    worker_client.post(
        case.get_absolute_url(),
        {"action": "status", "status": "in_progress", "message": "", "correction_seen": ""},
    )
    assert tab_counts(colleague)["nouvelles"] == before["nouvelles"] - 1


def test_the_queue_costs_the_same_queries_whatever_the_number_of_cases(worker_client):
    url = reverse("cases:queue") + "?onglet=toutes"
    worker_client.get(url)
    with CaptureQueriesContext(connection) as few:
        worker_client.get(url)
    model = Case.objects.filter(team__slug="etat-civil").first()
    for _ in range(60):  # more than a page
        model.pk = None
        model.reference = f"2099-{uuid.uuid4().hex[:8]}"
        model.token = uuid.uuid4().hex
        model.submission_key = None
        model.save()
    worker_client.get(url)
    with CaptureQueriesContext(connection) as many:
        worker_client.get(url)
    assert len(many) <= len(few)
