"""The one mechanism for town-written content in several languages (core.content_language)."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils import translation

from relais.core import content_language as cl
from relais.directory.models import Procedure


def procedure(**translations):
    return Procedure(
        title="Refaire sa carte d'identité", summary="La mairie prend la demande.", translations=translations
    )


def test_a_translation_is_used_in_its_language_and_says_so():
    text = cl.localized(procedure(en={"title": "Renew your ID card"}), "title", "en", page="en")
    assert (text.text, text.lang, text.foreign) == ("Renew your ID card", "en", False)
    assert str(text.html) == "Renew your ID card"


def test_without_a_translation_the_french_text_is_marked_french():
    text = cl.localized(procedure(en={"title": "Renew your ID card"}), "summary", "en", page="en")
    assert (text.text, text.lang) == ("La mairie prend la demande.", "fr")
    assert str(text.html) == '<span lang="fr">La mairie prend la demande.</span>'


def test_an_empty_translation_falls_back_to_french():
    text = cl.localized(procedure(en={"title": "   "}), "title", "en", page="en")
    assert text.text == "Refaire sa carte d'identité" and text.lang == "fr"


def test_french_on_an_arabic_page_is_marked_left_to_right():
    text = cl.localized(procedure(), "title", "ar", page="ar")
    assert str(text.lang_attr) == ' lang="fr" dir="ltr"'


def test_french_on_a_french_page_is_not_marked():
    assert str(cl.localized(procedure(), "title", "fr", page="fr").html) == "Refaire sa carte d&#x27;identité"


def test_text_is_escaped():
    assert "<b>" not in str(cl.localized("<b>gras</b>", page="en").html)


@override_settings(RELAIS_CONTENT_LANGUAGES=["tr"])
def test_a_content_only_language_is_offered_and_named_in_itself():
    assert ("tr", "Türkçe") in cl.offered_languages()
    assert cl.content_only_languages() == [("tr", "Türkçe")]
    cl.TranslationsValidator(Procedure.TRANSLATED_FIELDS)({"tr": {"title": "Kimlik kartı"}})


def test_an_unknown_language_is_refused():
    with pytest.raises(ValidationError):
        cl.TranslationsValidator(Procedure.TRANSLATED_FIELDS)({"tr": {"title": "Kimlik kartı"}})
    with pytest.raises(ValidationError):
        cl.set_translations(procedure(), "xx", {"title": "?"})
    with pytest.raises(ValidationError):
        cl.TranslationsValidator(Procedure.TRANSLATED_FIELDS)({"en": {"slug": "nope"}})


def test_saving_a_translation_drops_empty_texts_and_says_what_changed():
    proc = procedure(en={"title": "Old", "cost": "Free"})
    changed = cl.set_translations(proc, "en", {"title": "New", "cost": "", "summary": "  "})
    assert proc.translations == {"en": {"title": "New"}}
    assert changed == ["cost", "title"]
    assert cl.set_translations(proc, "en", {"title": ""}) == ["title"]
    assert proc.translations == {}


@override_settings(RELAIS_CONTENT_LANGUAGES=["tr"])
def test_the_tag_shows_a_content_only_language_asked_in_the_address():
    proc = procedure(tr={"title": "Kimlik kartını yenilemek"})
    template = Template('{% load content_lang %}{% content proc "title" %}|{% content proc "summary" %}')
    request = RequestFactory().get("/fiches/x/?langue=tr")
    with translation.override("en"):
        html = template.render(Context({"proc": proc, "request": request}))
    assert html == '<span lang="tr">Kimlik kartını yenilemek</span>|<span lang="fr">La mairie prend la demande.</span>'


def test_the_note_says_when_a_page_exists_only_in_french():
    template = Template("{% load content_lang %}{% french_only_note proc %}")
    request = RequestFactory().get("/")
    with translation.override("en"):
        # The sentence is in the page's language once translated (locale/): look for the note.
        assert 'class="notice"' in template.render(Context({"proc": procedure(), "request": request}))
        assert template.render(Context({"proc": procedure(en={"title": "T"}), "request": request})) == ""
    assert template.render(Context({"proc": procedure(), "request": request})) == ""


def test_a_content_language_code_longer_than_a_language_field_stops_the_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from relais.core.env import envlangs

    monkeypatch.setenv("RELAIS_CONTENT_LANGUAGES", "tr,zhx-abcdefgh")
    with pytest.raises(ImproperlyConfigured):
        envlangs("RELAIS_CONTENT_LANGUAGES")
    monkeypatch.setenv("RELAIS_CONTENT_LANGUAGES", "tr,zh-hant")
    assert envlangs("RELAIS_CONTENT_LANGUAGES") == ["tr", "zh-hant"]
