"""Paper never hands out a key (core.access): letters and receipts print a short code, and
the code opens the resident's page only with a detail the paper does not show."""

import pytest
from django.conf import settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from relais.cases import services as case_services
from relais.cases.models import Case
from relais.core import access
from relais.core.models import AccessCode, AuditEvent, Person
from relais.notifications import services
from relais.notifications.models import Message


@pytest.fixture
def letter_case(resident_by_letter):
    """A request of Jeanne Martin (born 1941, no phone, letters only)."""
    case = Case.objects.filter(team__slug="etat-civil").first()
    Case.objects.filter(pk=case.pk).update(person=resident_by_letter)
    case.refresh_from_db()
    return case


def _letter_about(case) -> Message:
    return services.notify(
        person=case.person,
        template="case_message",
        context=case_services._message_context(case, message="Il manque un justificatif de domicile."),
        related=case,
    )


# ---------------------------------------------------------------- the code itself


def test_a_new_code_has_12_digits_and_a_valid_check_digit():
    codes = {access.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 12 and c.isdigit() and access.is_well_formed(c) for c in codes)
    assert access.spaced("482177309512") == "4821 7730 9512"
    assert access.normalize(" 4821-7730.9512 ") == "482177309512"


@given(st.integers(min_value=0, max_value=10**11 - 1), st.integers(min_value=0, max_value=11), st.data())
def test_one_wrong_digit_or_two_swapped_digits_are_caught(body, position, data):
    digits = f"{body:011d}"
    code = digits + str(access._damm(digits))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    assert not access.is_well_formed(code[:position] + wrong + code[position + 1 :])
    if position < 11 and code[position] != code[position + 1]:
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        assert not access.is_well_formed(swapped)


def test_the_detail_asked_is_one_the_paper_does_not_show(db):
    assert access.question_for(Person(birth_year=1941, phone="0612345678", postal_code="37500")).kind == "birth_year"
    assert access.question_for(Person(phone="06 12 34 56 78", postal_code="37500")).kind == "phone"
    assert access.question_for(Person(postal_code="37500")).kind == "postal_code"


# ---------------------------------------------------------------- what paper shows


def test_a_letter_prints_a_code_not_the_private_link(letter_case):
    message = _letter_about(letter_case)
    assert message.channel == "letter"
    assert letter_case.token not in message.body
    code = AccessCode.objects.get(person=letter_case.person, target=letter_case.get_tracking_url())
    assert access.spaced(code.code).replace(" ", "\u00a0") in message.body and access.entry_address() in message.body
    assert message.paper_codes == [{"code": code.code, "url": access.code_url(code.code)}]
    html = services.letter_html([message])
    assert letter_case.token not in html and access.spaced(code.code) in html and "data:image/svg+xml" in html
    assert services.letter_pdf(message).startswith(b"%PDF")
    # Every letter about the same request prints the same code.
    assert _letter_about(letter_case).paper_codes == message.paper_codes


def test_an_email_that_fails_goes_on_paper_without_its_link(resident_with_email, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    case = Case.objects.filter(person=resident_with_email).first()
    email = _letter_about(case)
    assert email.channel == "email" and case.token in email.body
    services._give_up(email, "mailbox full")
    letter = Message.objects.get(fallback_of=email)
    assert letter.channel == "letter" and case.token not in letter.body and letter.paper_codes


@pytest.mark.parametrize(
    "url_name",
    ["mediation:appointment_manage", "mediation:registration_manage", "mandates:resident", "mutualaid:renew"],
)
def test_every_kind_of_private_link_becomes_a_code_on_paper(resident_by_letter, url_name):
    path = reverse(url_name, args=["Xk3_private-token-of-the-resident"])
    message = services.notify(
        person=resident_by_letter,
        template="generic",
        context={"subject": "S", "text": f"Votre page : {settings.SITE_URL}{path}."},
    )
    assert path not in message.body and len(message.paper_codes) == 1
    # The sentence keeps its full stop after the code.
    code = access.spaced(message.paper_codes[0]["code"]).replace(" ", "\u00a0")
    assert f"avec le code {code}." in message.body


def test_public_links_stay_as_they_are(resident_by_letter):
    message = services.notify(
        person=resident_by_letter,
        template="generic",
        context={"subject": "S", "text": f"Le programme : {settings.SITE_URL}/ateliers/"},
    )
    # Printed as typed: browsers add "https://" themselves.
    typed = settings.SITE_URL.split("://", 1)[1] + "/ateliers/"
    assert typed in message.body and settings.SITE_URL not in message.body and message.paper_codes == []


def test_the_receipt_prints_a_code_not_the_private_link(letter_case, monkeypatch):
    monkeypatch.setattr("relais.core.pdf.html_to_pdf", lambda html: html.encode())
    html = case_services.receipt_pdf(letter_case).decode()
    code = AccessCode.objects.get(person=letter_case.person, target=letter_case.get_tracking_url())
    assert letter_case.token not in html and access.spaced(code.code) in html


# ---------------------------------------------------------------- opening a page with a code


@pytest.fixture
def jeanne_code(letter_case):
    return access.code_for(person=letter_case.person, target=letter_case.get_tracking_url())


def test_the_code_and_the_birth_year_open_the_page(client, letter_case, jeanne_code):
    response = client.post(reverse("core:access_code"), {"code": access.spaced(jeanne_code.code)})
    assert response["Location"] == reverse("core:access_detail", args=[jeanne_code.code])
    page = client.get(response["Location"]).content.decode()
    assert "Votre année de naissance" in page and "MARTIN" not in page
    response = client.post(reverse("core:access_detail", args=[jeanne_code.code]), {"answer": "1941"})
    assert response.status_code == 302 and response["Location"] == letter_case.get_tracking_url()
    assert client.get(response["Location"]).status_code == 200
    assert AuditEvent.objects.filter(action="core.access_code.used", person_id=letter_case.person_id).exists()


def test_a_wrong_answer_is_refused_and_five_lock_the_code(client, jeanne_code):
    url = reverse("core:access_detail", args=[jeanne_code.code])
    for _ in range(4):
        page = client.post(url, {"answer": "1950"})
        assert page.status_code == 400 and "pas la bonne réponse" in page.content.decode()
    page = client.post(url, {"answer": "1950"}).content.decode()
    assert "bloqué pendant une heure" in page
    # Locked: even the right answer waits, and nothing opens.
    response = client.post(url, {"answer": "1941"})
    assert response.status_code == 400 and "bloqué" in response.content.decode()
    assert AuditEvent.objects.filter(action="core.access_code.refused", person_id=jeanne_code.person_id).count() == 5


def test_typos_and_unknown_codes_get_a_plain_message(client, jeanne_code):
    typo = jeanne_code.code[:5] + str((int(jeanne_code.code[5]) + 1) % 10) + jeanne_code.code[6:]
    page = client.post(reverse("core:access_code"), {"code": typo}).content.decode()
    assert "Un chiffre du code est faux" in page
    assert "12 chiffres" in client.post(reverse("core:access_code"), {"code": "1234"}).content.decode()
    unknown = "12345678901"
    unknown += str(access._damm(unknown))
    page = client.post(reverse("core:access_code"), {"code": unknown})
    assert page.status_code == 400 and "Nous ne trouvons pas ce code" in page.content.decode()
    assert client.get(reverse("core:access_detail", args=[unknown])).status_code == 404
    assert client.get(reverse("core:access_detail", args=["x" * 300])).status_code == 404


def test_one_address_cannot_try_codes_without_end(client, jeanne_code):
    unknown = "98765432109"
    unknown += str(access._damm(unknown))
    for _ in range(access.LOOKUPS_PER_HOUR):
        client.post(reverse("core:access_code"), {"code": unknown})
    page = client.post(reverse("core:access_code"), {"code": jeanne_code.code}).content.decode()
    assert "Trop de codes" in page


def test_an_expired_code_opens_nothing(client, letter_case):
    """A code for a page no app owns (a long public address) lives its days; one whose page
    an app owns lives as long as the page (tests/core/test_paper_code_lookup.py)."""
    code = access.code_for(person=letter_case.person, target="/entraide/")
    AccessCode.objects.filter(pk=code.pk).update(expires_at="2020-01-01T00:00:00Z")
    response = client.post(reverse("core:access_detail", args=[code.code]), {"answer": "1941"})
    assert response.status_code == 404
