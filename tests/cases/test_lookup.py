"""/suivi/: a request opened by its reference and one detail the resident gave, and the
staff finding a request by its reference in one search."""

import pytest
from django.urls import reverse
from django.utils import timezone

from relais.cases.models import Case, normalize_reference
from relais.core.models import AuditEvent
from tests.conftest import staff_client

URL = "/suivi/"
SAME_MESSAGE = "Ce numéro de demande et cette information ne vont pas ensemble"


@pytest.fixture
def marie_case(db):
    """A request of Marie Dupont (born 1984, phone 06 12 34 56 78: 5678 opens it)."""
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


def _read_only_url(case):
    return reverse("cases:lookup_track", args=[case.reference])


def test_the_last_four_digits_of_the_phone_open_a_read_only_page_without_the_token(client, marie_case):
    response = _try(client, marie_case.reference.replace("-", " ").replace("0", "O"), "56 78")
    assert response.status_code == 302 and response["Location"] == _read_only_url(marie_case)
    assert marie_case.token not in response["Location"]
    assert AuditEvent.objects.filter(
        action="cases.case.looked_up", object_id=str(marie_case.pk), person_id=marie_case.person_id
    ).exists()
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and marie_case.reference in html
    assert marie_case.token not in html  # no link that would hand the private address out
    assert "Pour répondre, corriger ou télécharger un document, utilisez le lien reçu" in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # no reply form, nothing to post
    assert "recepisse.pdf" not in html and "/documents/" not in html and "/corriger/" not in html
    assert 'id="historique"' in html  # the timeline, as on the follow-up page
    assert AuditEvent.objects.filter(action="cases.case.viewed_by_reference", object_id=str(marie_case.pk)).exists()


def test_the_read_only_page_lists_documents_without_links_and_no_corrections(client, case_worker):
    from relais.cases import services

    case = Case.objects.get(form__slug="attestation-accueil", status="in_progress")
    services.correction_request(case=case, field_key="date_arrivee", reason="La date est passée.", actor=case_worker)
    person = case.person
    detail = person.phone and "".join(c for c in person.phone if c.isdigit())[-4:] or str(person.birth_year)
    html = client.get(_try(client, case.reference, detail)["Location"]).content.decode()
    document = case.documents.first()
    assert document.name in html
    assert reverse("cases:track_document", args=[case.reference, case.token, document.pk]) not in html
    assert "Le service vous demande de corriger" not in html and "La date est passée." in html  # said, not linked


def test_the_birth_year_opens_it_only_when_no_phone_was_given(client, marie_case):
    assert _try(client, marie_case.reference, "1984").status_code == 400  # she gave a phone: its digits
    type(marie_case.person).objects.filter(pk=marie_case.person_id).update(phone="")
    assert _try(client, marie_case.reference, "1984")["Location"] == _read_only_url(marie_case)


def test_the_postcode_never_opens_it_and_without_phone_or_birth_year_nothing_does(client, marie_case):
    type(marie_case.person).objects.filter(pk=marie_case.person_id).update(
        postal_code="37500", birth_year=None, phone=""
    )
    assert "Tapez 4 chiffres" in _try(client, marie_case.reference, "37500").content.decode()
    for detail in ("3750", "1984", "0000"):
        response = _try(client, marie_case.reference, detail)
        assert response.status_code == 400 and SAME_MESSAGE in response.content.decode()
    assert not AuditEvent.objects.filter(action="cases.case.looked_up").exists()


def test_a_wrong_detail_and_an_unknown_reference_get_the_same_answer_naming_the_other_ways(client, marie_case):
    wrong = _try(client, marie_case.reference, "1985")
    unknown = _try(client, "2026-99999", "5678")
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        page = response.content.decode()
        assert SAME_MESSAGE in page and "le code à 12 chiffres de votre courrier (page Accès par code)" in page
    errors = [r.context["form"].non_field_errors() for r in (wrong, unknown)]
    assert errors[0] == errors[1]
    # What was typed stays in the form.
    assert f'value="{marie_case.reference}"' in wrong.content.decode()
    assert AuditEvent.objects.filter(action="cases.case.lookup_failed").count() == 2


def test_the_form_asks_for_the_phone_digits_or_the_birth_year_not_the_postcode(
    client, db
):  # the footer reads the accessibility statement
    page = client.get(URL).content.decode()
    assert "4 derniers chiffres de votre téléphone" in page and "année de naissance" in page
    assert "code postal" not in page


def test_the_read_only_page_needs_this_sessions_grant_for_that_case(client, marie_case):
    from django.test import Client

    other = Case.objects.exclude(pk=marie_case.pk).first()
    assert _try(client, marie_case.reference, "5678").status_code == 302
    # Another browser, or another case of the same session: back to /suivi/, the reference typed in.
    stranger = Client().get(_read_only_url(marie_case))
    assert stranger.status_code == 302 and stranger["Location"] == f"{URL}?reference={marie_case.reference}"
    assert client.get(_read_only_url(other))["Location"] == f"{URL}?reference={other.reference}"
    # A reference that does not exist answers the same.
    assert client.get("/suivi/2026-99999/")["Location"] == f"{URL}?reference=2026-99999"
    assert client.get(_read_only_url(marie_case)).status_code == 200


def test_the_grant_lasts_thirty_minutes(client, marie_case):
    from relais.cases import services

    _try(client, marie_case.reference, "5678")
    session = client.session
    grants = session[services.LOOKUP_GRANTS]
    assert set(grants) == {str(marie_case.pk)}
    assert 29 * 60 < grants[str(marie_case.pk)] - timezone.now().timestamp() <= 30 * 60
    session[services.LOOKUP_GRANTS] = {str(marie_case.pk): timezone.now().timestamp() - 1}
    session.save()
    assert client.get(_read_only_url(marie_case)).status_code == 302


def test_a_malformed_reference_or_detail_is_explained_beside_the_field(
    client, db
):  # the footer reads the accessibility statement
    response = _try(client, "Dupont", "37500")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Un numéro de demande s&#x27;écrit comme 2026-00123" in page
    assert "Tapez 4 chiffres" in page  # a postcode is not one of the details
    assert 'value="Dupont"' in page


def test_a_reference_fails_at_most_five_times_a_day_whoever_tries(marie_case):
    from django.test import Client

    for i in range(5):
        assert _try(Client(REMOTE_ADDR=f"203.0.113.{i}"), marie_case.reference, "1900").status_code == 400
    late = _try(Client(REMOTE_ADDR="203.0.113.99"), marie_case.reference, "5678")
    page = late.content.decode()
    assert late.status_code == 429 and "Trop d&#x27;essais" in page and "appelez la mairie" in page


def test_a_reference_fails_at_most_fifteen_times_in_thirty_days(marie_case):
    from django.test import Client

    from relais.core import ratelimit

    for day in range(3):
        ratelimit.reset("cases:lookup:reference:day", marie_case.reference)  # another day
        for i in range(5):
            assert _try(Client(REMOTE_ADDR=f"203.0.{day}.{i}"), marie_case.reference, "1900").status_code == 400
    ratelimit.reset("cases:lookup:reference:day", marie_case.reference)
    assert _try(Client(REMOTE_ADDR="198.51.100.7"), marie_case.reference, "5678").status_code == 429


def test_successes_do_not_use_the_limits_up(client, marie_case):
    for _i in range(12):
        assert _try(client, marie_case.reference, "5678").status_code == 302


def test_a_connection_fails_at_most_ten_times_an_hour(client, db):
    for n in range(10):
        assert _try(client, f"2026-9{n:04d}", "1984").status_code == 400
    assert _try(client, "2026-98888", "1984").status_code == 429


def test_an_ipv6_site_counts_as_one_visitor_by_its_48(marie_case):
    from django.test import Client

    from relais.core.ratelimit import address_block

    assert address_block("2001:db8:1:2::5", ipv6_prefix=48) == "2001:db8:1::/48"
    assert address_block("2001:db8:1:2::5") == "2001:db8:1:2::/64"  # the other doors keep /64
    for n in range(10):
        visitor = Client(REMOTE_ADDR=f"2001:db8:1:{n}::1")
        assert _try(visitor, f"2026-9{n:04d}", "1984").status_code == 400
    assert _try(Client(REMOTE_ADDR="2001:db8:1:ff::1"), "2026-98888", "1984").status_code == 429
    assert _try(Client(REMOTE_ADDR="2001:db8:2::1"), "2026-98888", "1984").status_code == 400


def test_the_page_not_found_can_prefill_the_reference(client, db):  # the footer reads the accessibility statement
    page = client.get(URL + "?reference=2026-00042").content.decode()
    assert 'value="2026-00042"' in page


# ---------------------------------------------------------------- staff


def test_a_worker_goes_straight_to_a_case_typed_loosely_in_the_queue_search(case_worker, marie_case):
    client = staff_client(case_worker)
    typed = marie_case.reference.replace("-", " ").lower().replace("0", "o")
    response = client.get(reverse("cases:queue"), {"onglet": "nouvelles", "q": typed})
    assert response.status_code == 302 and response["Location"] == marie_case.get_absolute_url()
    assert AuditEvent.objects.filter(action="cases.case.found_by_reference", actor=case_worker).exists()


def test_the_queue_jumps_only_on_a_whole_reference_and_lists_the_ones_a_start_begins(case_worker, marie_case):
    client = staff_client(case_worker)
    start = marie_case.reference[:-1]  # "2026-0000" of "2026-00006": the start of ten references
    response = client.get(reverse("cases:queue"), {"onglet": "toutes", "q": start})
    assert response.status_code == 200  # not padded into "2026-00000" and opened
    listed = {c.reference for c in response.context["page_obj"]}
    team = Case.objects.filter(team=marie_case.team).values_list("reference", flat=True)
    assert marie_case.reference in listed
    assert listed == {r for r in team if r.startswith(start) or r == normalize_reference(start)}
    # "2026-6" is not padded into 2026-00006 and opened: listed.
    short = f"{marie_case.reference[:4]}-{int(marie_case.reference[5:])}"
    response = client.get(reverse("cases:queue"), {"onglet": "toutes", "q": short})
    assert response.status_code == 200 and marie_case.reference in {c.reference for c in response.context["page_obj"]}
    whole = client.get(reverse("cases:queue"), {"onglet": "toutes", "q": marie_case.reference.replace("-", " ")})
    assert whole.status_code == 302 and whole["Location"] == marie_case.get_absolute_url()


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
