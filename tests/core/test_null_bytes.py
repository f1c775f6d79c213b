"""A NUL character never reaches the database (PostgreSQL refuses it in text and JSON)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from relais.cases.models import Case
from relais.core.audit import audit_log
from relais.core.models import AuditEvent, Person
from tests.conftest import staff_client


def assert_plain_bad_request(response):
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nous n'avons pas pu lire cette adresse" in page
    assert "Valbrenne" in page  # the town's layout, not Django's "Bad Request (400)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/suivi/2026-00001/%00/",  # a tracking link: str converters reach the query
        "/mandats/%00/",
        "/rendez-vous/suivi/abc%00def/",
        "/ateliers/inscription/%00/",
        "/agenda/conseiller/%00.ics",
        "/recherche/?q=%00",
        "/entraide/?q=caf%00&quartier=1",
    ],
)
def test_a_nul_in_the_address_or_the_query_gets_a_plain_page(client, url):
    assert_plain_bad_request(client.get(url))


def test_a_nul_in_a_filter_written_to_the_journal_gets_a_plain_page(case_worker):
    before = AuditEvent.objects.count()
    response = staff_client(case_worker).get(reverse("cases:export", args=["csv"]), {"onglet": "\x00"})
    assert_plain_bad_request(response)
    assert AuditEvent.objects.count() == before


def test_a_nul_in_a_form_field_gets_a_plain_page_and_saves_nothing(reception_agent):
    person = Person.objects.get(email="marie.dupont@example.org")
    response = staff_client(reception_agent).post(
        reverse("people:person_edit", args=[person.pk]),
        {"last_name": "Du\x00pont", "first_name": "Marie", "preferred_channel": "email", "email": person.email},
    )
    assert_plain_bad_request(response)
    person.refresh_from_db()
    assert person.last_name == "Dupont"


def test_a_nul_in_an_uploaded_file_name_is_dropped_with_the_other_unprintable_characters(client, db):
    case = Case.objects.filter(person__email="marie.dupont@example.org").first()
    upload = SimpleUploadedFile("pie\x00ce.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(case.get_tracking_url(), {"text": "Voici la pièce.", "document": upload})
    assert response.status_code == 302
    assert case.documents.order_by("-pk").first().name == "piece.pdf"


def test_a_nul_inside_a_file_is_the_file_checks_business(client, db):
    """Contents are not text: the upload checks judge them (here, not a PDF)."""
    case = Case.objects.filter(person__email="marie.dupont@example.org").first()
    upload = SimpleUploadedFile("piece.pdf", b"\x00\x00\x00", content_type="application/pdf")
    response = client.post(case.get_tracking_url(), {"text": "Voici la pièce.", "document": upload})
    assert response.status_code == 200 and response.context["reply_form"].errors


@pytest.mark.django_db
def test_a_session_cookie_carrying_a_nul_is_dropped_not_an_error(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get(reverse("directory:home")).status_code == 200


@pytest.mark.django_db
def test_the_journal_keeps_an_entry_without_its_nul_characters():
    event = audit_log(
        actor=None,
        action="core.person.searched",
        reason="cherch\x00é",
        details={"q": "caf\x00", "li\x00st": ["a\x00", 1, None], "nested": {"x": "\x00"}},
    )
    event.refresh_from_db()
    assert event.reason == "cherché"
    assert event.details == {"q": "caf", "list": ["a", 1, None], "nested": {"x": ""}}


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_any_other_unreadable_request_gets_the_same_plain_page(client):
    response = client.post(reverse("directory:search"), {f"f{i}": "x" for i in range(10)})
    assert_plain_bad_request(response)
