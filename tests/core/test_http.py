"""Addresses sent back by visitors ("next") and ids typed into links and forms."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from relais.cases.models import Case
from relais.core.http import id_param, safe_next
from relais.core.models import Person
from relais.directory.models import Place
from relais.mediation.models import Registration
from tests.conftest import staff_client

# ---------------------------------------------------------------- safe next


@pytest.mark.parametrize("value", ["/lieux/", "/gestion/dossiers/?onglet=retard&page=2", "/fiches/état-civil/"])
def test_a_path_of_this_site_is_where_the_visitor_goes_back(value):
    assert safe_next(RequestFactory().get("/"), value, "/") == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "x",  # a view name to redirect(): NoReverseMatch, a server error
        "directory:home",
        "9223372036854775808",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/a\nLocation: https://evil.example/",  # a header cannot carry it
        "/a\x00b",
        "/" + "x" * 5000,
        ["/lieux/"],
    ],
)
def test_anything_else_goes_to_the_default(value):
    request = RequestFactory().get("/")
    assert safe_next(request, value, "/") == "/"
    assert safe_next(request, value, "cases:queue") == reverse("cases:queue")


def test_a_language_link_with_an_odd_next_lands_on_the_home_page(client):
    response = client.get(reverse("core:language", args=["en"]), {"next": "x"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "en"
    back = client.get(reverse("core:language", args=["fr"]), {"next": "/lieux/?page=2"})
    assert back["Location"] == "/lieux/?page=2"


def test_a_bulk_change_with_an_odd_next_is_saved_and_goes_back_to_the_queue(case_worker):
    case = Case.objects.filter(team__slug="etat-civil", status="submitted").first()
    response = staff_client(case_worker).post(
        reverse("cases:bulk"), {"cases": [case.pk], "action": "status:in_progress", "next": "x"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("cases:queue")
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_unregistering_from_a_workshop_with_an_odd_next_goes_to_the_person(advisor):
    registration = Registration.objects.filter(status="confirmed").select_related("person").first()
    response = staff_client(advisor).post(
        reverse("mediation:staff_registration_cancel", args=[registration.pk]), {"next": "x", "confirm": "yes"}
    )
    assert response.status_code == 302 and response["Location"] == registration.person.get_absolute_url()


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1.0", " 1", "x", "", None, "9" * 19, str(2**63)])
def test_what_is_not_an_id_is_none(value):
    assert id_param(value) is None


def test_an_id_is_an_int():
    assert id_param("42") == 42 and id_param(42) == 42


@pytest.mark.django_db
def test_ids_no_database_integer_holds_match_nothing():
    """SQLite cannot even bind 2**63: such ids are left out of `in`, as Django does for `=`."""
    person = Person.objects.first()
    huge = [2**63, 2**64, 10**30, -(2**63) - 1]
    assert list(Person.objects.filter(pk__in=huge)) == []
    assert list(Person.objects.filter(pk__in=[*huge, person.pk])) == [person]
    assert list(Case.objects.filter(person__in=huge)) == []  # through a foreign key
    assert Case.objects.filter(person_id__in=[*huge, person.pk]).count() == Case.objects.filter(person=person).count()
    assert list(Person.objects.exclude(pk__in=huge).filter(pk=person.pk)) == [person]


def test_a_bulk_change_naming_huge_ids_is_refused_beside_the_list(case_worker):
    case = Case.objects.filter(team__slug="etat-civil", status="submitted").first()
    client = staff_client(case_worker)
    response = client.post(
        reverse("cases:bulk"),
        {"cases": [case.pk, str(2**63), str(2**64)], "action": "status:in_progress"},
        follow=True,
    )
    assert response.status_code == 200
    assert "choix valide" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted"


@pytest.mark.parametrize("odd", [str(2**63), str(2**64), "1" + "0" * 30, "²", "-1"])
def test_a_team_naming_an_odd_place_is_refused_and_keeps_what_was_typed(administrator, odd):
    place = Place.objects.first()
    response = staff_client(administrator).post(
        reverse("accounts:team_create"),
        {"name": "Équipe du quartier Nord", "slug": "quartier-nord", "kind": "service", "places": [place.pk, odd]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["places"]
    assert "Équipe du quartier Nord" in response.content.decode()
