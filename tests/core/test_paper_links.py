"""No document sent on paper prints a link nobody can type: every message an app can send,
written as a letter, and every document handed over (receipt, mandate form, certificate)
prints links of at most ~40 characters — a private page becomes the short address, a code
and a QR code (core.access)."""

import html
import re

import pytest
from django.utils.html import strip_tags

from relais.core import access
from relais.notifications import services, texts
from tests.core.test_paper_documents import _case_of, _certificate, _mandate, _text

# Anything a reader would take for an address to type.
ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
SITE = "https://relais.valbrenne.fr"


@pytest.fixture
def town_site(settings):
    settings.SITE_URL = SITE


def _addresses(text: str) -> list[str]:
    return [a.rstrip(".,;:!?)»") for a in ADDRESS.findall(text)]


def _as_letter(person, default) -> str:
    """The default text of `default`, its sample links made links of this site, sent by post."""
    sample = {
        key: re.sub(r"https://(relais\.example\.fr|example\.org)", SITE, value) if isinstance(value, str) else value
        for key, value in default.sample.items()
    }
    message = services.notify(person=person, template=default.code, context=sample, channel="letter")
    assert message.channel == "letter"
    return html.unescape(strip_tags(services.letter_html([message])))


@pytest.mark.parametrize("code", sorted(texts.all_defaults()))
def test_no_letter_prints_a_link_longer_than_40_characters(code, resident_by_letter, town_site):
    text = _as_letter(resident_by_letter, texts.all_defaults()[code])
    too_long = [a for a in _addresses(text) if len(a) > access.PAPER_LINK_MAX]
    assert not too_long, text
    assert "https://" not in text  # this site's links are printed as typed


def test_a_long_link_to_a_page_needing_login_becomes_a_code(resident_by_letter, town_site):
    text = _as_letter(resident_by_letter, texts.all_defaults()["mutualaid_new_message"])
    assert "entraide/conversations" not in text and "relais.valbrenne.fr/code/" in text


@pytest.mark.parametrize("kind", ["receipt", "mandate", "certificate"])
def test_documents_handed_over_print_no_long_link(kind, resident_by_letter, advisor, town_site, tmp_path):
    from relais.cases.services import receipt_pdf

    pdf = {
        "receipt": lambda: receipt_pdf(_case_of(resident_by_letter)),
        "mandate": lambda: _mandate(resident_by_letter, advisor),
        "certificate": lambda: _certificate(resident_by_letter, advisor),
    }[kind]()
    text = _text(pdf, tmp_path)
    assert not [a for a in _addresses(text) if len(a) > access.PAPER_LINK_MAX], text
