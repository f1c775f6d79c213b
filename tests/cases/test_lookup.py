"""/suivi/: a request opened by its reference and one detail the resident gave, and the
staff finding a request by its reference in one search."""

import pytest
from django.urls import reverse

from relais.cases.models import Case, normalize_reference
from relais.core.models import AuditEvent
from tests.conftest import staff_client

URL = "/suivi/"
SAME_MESSAGE = "Ce numéro de demande et cette information ne vont pas ensemble"


@pytest.fixture
def marie_case(db):
    """A request of Marie Dupont (born 1984, phone 06 12 34 56 78)."""
    return Case.objects.filter(person__email="marie.dupont@example.org", team__slug="etat-civil").first()


def _try(client, reference, detail):
    return client.post(URL, {"reference": reference, "detail": detail})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-00123", "2026-00123"),
        (" 2026 00123 ", "2026-00123"),
        ("2026-OO123", "2026-00123"),
        ("2026/123", "2026-00123"),
        ("202600123", "2026-00123"),
        ("2026-o0l23", "2026-00123"),
        ("2026-123456", "2026-123456"),
        ("Dupont", ""),
        ("2026", ""),
        ("37500", ""),
        ("2026-１２３", ""),
    ],
)
def test_a_reference_is_read_as_people_type_it(typed, stored):
    assert normalize_reference(typed) == stored


def test_the_reference_and_the_birth_year_open_the_follow_up_page(client, marie_case):
    response = _try(client, marie_case.reference.replace("-", " ").replace("0", "O"), "1984")
    assert response.status_code == 302 and response["Location"] == marie_case.get_tracking_url()
    assert AuditEvent.objects.filter(
        action="cases.case.looked_up", object_id=str(marie_case.pk), person_id=marie_case.person_id
    ).exists()


def test_the_last_four_digits_of_the_phone_open_it_too(client, marie_case):
    response = _try(client, marie_case.reference, "56 78")
    assert response["Location"] == marie_case.get_tracking_url()


def test_a_wrong_detail_and_an_unknown_reference_get_the_same_answer(client, marie_case):
    wrong = _try(client, marie_case.reference, "1985")
    unknown = _try(client, "2026-99999", "1984")
    assert wrong.status_code == unknown.status_code == 400
    assert SAME_MESSAGE in wrong.content.decode() and SAME_MESSAGE in unknown.content.decode()
    # What was typed stays in the form.
    assert f'value="{marie_case.reference}"' in wrong.content.decode()
    assert AuditEvent.objects.filter(action="cases.case.lookup_failed").count() == 2


def test_the_postcode_opens_it_only_when_relais_knows_neither_birth_year_nor_phone(client, marie_case):
    person = marie_case.person
    person.postal_code = "37500"
    person.save(update_fields=["postal_code"])
    assert _try(client, marie_case.reference, "37500").status_code == 400  # everyone in town has it
    type(person).objects.filter(pk=person.pk).update(birth_year=None, phone="")
    assert _try(client, marie_case.reference, "37500")["Location"] == marie_case.get_tracking_url()


def test_a_malformed_reference_or_detail_is_explained_beside_the_field(client):
    response = _try(client, "Dupont", "19")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Un numéro de demande s&#x27;écrit comme 2026-00123" in page
    assert "Tapez 4 chiffres" in page
    assert 'value="Dupont"' in page


def test_a_reference_is_tried_at_most_five_times_a_day_whoever_tries(marie_case):
    from django.test import Client

    for i in range(5):
        assert _try(Client(REMOTE_ADDR=f"203.0.113.{i}"), marie_case.reference, "1900").status_code == 400
    late = _try(Client(REMOTE_ADDR="203.0.113.99"), marie_case.reference, "1984")
    assert late.status_code == 429 and "Trop d&#x27;essais" in late.content.decode()


def test_a_connection_tries_at_most_ten_references_an_hour(client, db):
    for n in range(10):
        assert _try(client, f"2026-9{n:04d}", "1984").status_code == 400
    assert _try(client, "2026-98888", "1984").status_code == 429


def test_the_page_not_found_can_prefill_the_reference(client):
    page = client.get(URL + "?reference=2026-00042").content.decode()
    assert 'value="2026-00042"' in page


# ---------------------------------------------------------------- staff


def test_a_worker_goes_straight_to_a_case_typed_loosely_in_the_queue_search(case_worker, marie_case):
    client = staff_client(case_worker)
    typed = marie_case.reference.replace("-", " ").lower().replace("0", "o")
    response = client.get(reverse("cases:queue"), {"onglet": "nouvelles", "q": typed})
    assert response.status_code == 302 and response["Location"] == marie_case.get_absolute_url()
    assert AuditEvent.objects.filter(action="cases.case.found_by_reference", actor=case_worker).exists()


def test_another_teams_reference_is_not_found_in_the_queue(other_case_worker, marie_case):
    response = staff_client(other_case_worker).get(
        reverse("cases:queue"), {"onglet": "toutes", "q": marie_case.reference}
    )
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0
    assert "Aucun dossier ici." in response.content.decode()


def test_the_people_search_of_the_counter_goes_to_the_case_or_to_the_person(reception_agent, advisor, marie_case):
    url = reverse("people:person_search")
    counter = staff_client(reception_agent)
    # Recorded at the counter by this agent: they follow it.
    assert counter.get(url, {"q": marie_case.reference})["Location"] == marie_case.get_absolute_url()
    # Sent online to the school service: the person's page says where it is.
    school = Case.objects.get(form__slug="inscription-scolaire", person=marie_case.person)
    response = counter.get(url, {"q": school.reference.replace("-", "")})
    assert response["Location"] == school.person.get_absolute_url()
    # An advisor may not open it: a plain people search, which finds nobody.
    assert staff_client(advisor).get(url, {"q": school.reference}).status_code == 200


def test_the_receipt_names_the_follow_up_page(marie_case):
    from django.template.loader import render_to_string

    from relais.cases.services import receipt_pdf

    assert receipt_pdf(marie_case).startswith(b"%PDF")
    html = render_to_string("cases/pdf/receipt.html", {"case": marie_case, "lookup_address": "relais.test/suivi/"})
    assert 'Ou sur <span class="nowrap">relais.test/suivi/</span>' in html
