"""Arabic pages: values read left to right, arrows point the way of reading, and the
language switcher names each language in itself."""

import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from relais.core.bidi import isolate, isolate_plain, isolate_within, isolate_within_plain
from tests.bidi import bare_values


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_a_phone_number_is_isolated_left_to_right_and_escaped():
    assert isolate("02 47 00 00 00") == '<bdi dir="ltr">02 47 00 00 00</bdi>'
    assert isolate("<b>") == '<bdi dir="ltr">&lt;b&gt;</bdi>'
    assert isolate("") == ""


def test_values_inside_a_sentence_are_each_isolated():
    html = isolate_within("Mardi, de 14 h à 17 h 30 : appelez le 02 47 00 00 00 (demande 2026-00123, 37500 Valbrenne).")
    assert bare_values(html) == []
    for value in ("14 h", "17 h 30", "02 47 00 00 00", "2026-00123", "37500"):
        assert f'<bdi dir="ltr">{value}</bdi>' in html


def test_isolating_a_sentence_escapes_it_and_leaves_tags_and_entities_alone():
    html = isolate_within("<script>l'été 2026-00123</script>")
    assert "<script>" not in html
    assert "&#x27;" in html
    from django.utils.safestring import mark_safe

    linked = isolate_within(mark_safe('<a href="/suivi/2026-00123/">demande</a>'))
    assert linked == '<a href="/suivi/2026-00123/">demande</a>'


def test_plain_text_gets_unicode_isolates_instead_of_elements():
    assert isolate_plain("2026-00123") == "\u20662026-00123\u2069"
    assert isolate_within_plain("Demande 2026-00123") == "Demande \u20662026-00123\u2069"
    assert bare_values("<title>Demande \u20662026-00123\u2069</title>") == []
    assert bare_values("<title>Demande 2026-00123</title>") != []


def test_the_filters_isolate_in_templates():
    html = render("{{ phone|ltr }} · {{ hours|ltr_within }} · {{ day|bdi }}", phone="02 47 00 00 00",
                  hours="de 8 h 30 à 17 h", day="5 décembre 2026")  # fmt: skip
    assert bare_values(html) == []
    assert "<bdi>5 décembre 2026</bdi>" in html


def test_the_arrow_points_the_way_of_reading():
    with translation.override("fr"):
        assert render('{% arrow "next" %} {% arrow "previous" %}') == "→ ←"
    with translation.override("ar"):
        assert render('{% arrow "next" %} {% arrow "previous" %}') == "← →"


def test_css_separators_and_arrows_mirror_themselves_on_arabic_pages():
    """A glyph in CSS `content` is drawn mirrored in a right-to-left line only when Unicode
    says it mirrors (› does, → does not): an arrow that does not mirror would point back."""
    css = Path(settings.BASE_DIR, "static", "relais", "relais.css").read_text()
    glyphs = {ch for value in re.findall(r'content:\s*"([^"]*)"', css) for ch in value}
    arrows = {ch for ch in glyphs if unicodedata.category(ch) in ("Sm", "So", "Pi", "Pf") or ch in "<>›‹"}
    arrows -= {"☐"}  # a box, not a direction
    assert arrows, "the breadcrumb separator is in the stylesheet"
    assert {ch for ch in arrows if not unicodedata.mirrored(ch)} == set()


def _switcher(html: str) -> str:
    return html[html.index('class="lang-switch"') :]


def test_the_language_switcher_names_each_language_in_itself(db):
    client = Client()
    for code in ("fr", "en", "ar"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        switcher = _switcher(client.get("/").content.decode())
        for own, direction, name in (("fr", "ltr", "Français"), ("en", "ltr", "English"), ("ar", "rtl", "العربية")):
            assert re.search(f'lang="{own}" hreflang="{own}" dir="{direction}"[^>]*>{name}</a>', switcher), (code, own)
        assert "Anglais" not in switcher and "Arabe" not in switcher


def test_the_town_phone_reads_left_to_right_on_an_arabic_page(db):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = client.get("/").content.decode()
    assert 'dir="rtl"' in html
    assert f'<bdi dir="ltr">{settings.RELAIS["TOWN_PHONE"]}</bdi>' in html
