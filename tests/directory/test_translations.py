"""Administrators translate a catalogue entry; residents read it in their language."""

import pytest
from django.test import override_settings
from django.urls import reverse

from relais.core.models import AuditEvent
from relais.directory.models import Procedure, Theme
from tests.conftest import staff_client


@pytest.fixture
def fiche(db):
    return Procedure.objects.get(slug="carte-identite")


def url(proc, lang="en"):
    return reverse("directory:catalogue_translate", args=["fiches", proc.pk, lang])


def test_an_administrator_translates_a_fiche_and_the_journal_says_so(admin_client, administrator, fiche):
    page = admin_client.get(reverse("directory:catalogue_edit", args=["fiches", fiche.pk])).content.decode()
    assert url(fiche, "ar") in page  # the "Traductions" section of the edit page
    response = admin_client.post(url(fiche), {"title": "Renew your ID card", "summary": "The town hall takes it."})
    assert response.status_code == 302
    fiche.refresh_from_db()
    assert fiche.translations == {"en": {"title": "Renew your ID card", "summary": "The town hall takes it."}}
    event = AuditEvent.objects.get(action="directory.procedure.translated", object_id=str(fiche.pk))
    assert event.actor == administrator and event.details == {"lang": "en", "fields": ["summary", "title"]}


def test_sending_the_translation_twice_keeps_one_translation(admin_client, fiche):
    data = {"title": "Renew your ID card"}
    first = admin_client.post(url(fiche), data)
    second = admin_client.post(url(fiche), data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    fiche.refresh_from_db()
    assert fiche.translations == {"en": {"title": "Renew your ID card"}}


def test_a_too_long_translation_is_explained_and_what_was_typed_stays(admin_client, fiche):
    response = admin_client.post(url(fiche), {"title": "x" * 201, "summary": "Kept summary"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kept summary" in html and "Erreur" in html
    fiche.refresh_from_db()
    assert fiche.translations == {}


def test_a_language_not_offered_is_not_found(admin_client, fiche):
    assert admin_client.get(url(fiche, "tr")).status_code == 404
    assert admin_client.get(url(fiche, "fr")).status_code == 404
    with override_settings(RELAIS_CONTENT_LANGUAGES=["tr"]):
        assert admin_client.get(url(fiche, "tr")).status_code == 200


def test_staff_who_cannot_edit_the_catalogue_get_404(case_worker, fiche):
    client = staff_client(case_worker)
    assert client.get(url(fiche)).status_code == 404
    assert client.post(url(fiche), {"title": "Nope"}).status_code == 404
    fiche.refresh_from_db()
    assert fiche.translations == {}


def test_a_resident_reads_the_translation_in_english_and_the_rest_is_marked_french(client, fiche):
    fiche.translations = {"en": {"title": "Renew your ID card"}}
    fiche.save(update_fields=["translations"])
    page = client.get(fiche.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Renew your ID card</h1>" in page
    assert f'<p class="lead" lang="fr">{fiche.summary}' in page.replace("&#x27;", "'")


def test_a_page_without_translation_says_it_exists_only_in_french(client, fiche):
    page = client.get(fiche.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'class="notice"' in page and 'lang="fr" dir="ltr"' in page
    french = client.get(fiche.get_absolute_url()).content.decode()
    main = french.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'class="notice"' not in main and 'lang="fr" dir="ltr"' not in main


@override_settings(RELAIS_CONTENT_LANGUAGES=["tr"])
def test_a_content_only_language_is_read_from_the_link_on_the_fiche(client, fiche):
    fiche.translations = {"tr": {"title": "Kimlik kartını yenilemek", "summary": "Belediye başvuruyu alır."}}
    fiche.save(update_fields=["translations"])
    page = client.get(fiche.get_absolute_url()).content.decode()
    assert f'href="{fiche.get_absolute_url()}?langue=tr"' in page and "Türkçe" in page
    turkish = client.get(fiche.get_absolute_url() + "?langue=tr").content.decode()
    assert '<h1 lang="tr">Kimlik kartını yenilemek</h1>' in turkish
    assert '<p class="lead" lang="tr">Belediye başvuruyu alır.</p>' in turkish
    assert '<html lang="fr"' in turkish


def test_a_theme_translation_is_shown_on_the_theme_page(admin_client, client):
    theme = Theme.objects.first()
    admin_client.post(
        reverse("directory:catalogue_translate", args=["themes", theme.pk, "en"]), {"label": "Papers and rights"}
    )
    page = client.get(theme.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Papers and rights</h1>" in page


def test_a_search_in_english_finds_the_fiche_translated_by_an_administrator(admin_client, fiche):
    from relais.directory.search import search

    assert fiche.pk not in search("wombatish").ids
    admin_client.post(url(fiche), {"title": "Renew your wombatish ID card"})
    assert search("wombatish").ids[:1] == [fiche.pk]  # the index was rebuilt with the translation


def test_two_administrators_translating_into_two_languages_both_keep_theirs(administrator, fiche):
    from relais.directory.services import catalogue_translate

    seen_by_first = Procedure.objects.get(pk=fiche.pk)  # read before the other one saved
    catalogue_translate(obj=fiche, lang="ar", texts={"title": "تجديد بطاقة الهوية"}, actor=administrator)
    catalogue_translate(obj=seen_by_first, lang="en", texts={"title": "Renew your ID card"}, actor=administrator)
    fiche.refresh_from_db()
    assert fiche.translations == {"ar": {"title": "تجديد بطاقة الهوية"}, "en": {"title": "Renew your ID card"}}
