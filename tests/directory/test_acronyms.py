"""Acronyms spelled out on first use on resident pages, and the editor's warnings."""

import re

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe

from relais.core.models import AuditEvent
from relais.directory.acronyms import Entry, Reading, spell_out
from relais.directory.models import Acronym, Organisation, Procedure, Theme
from tests.directory.test_catalogue_admin import procedure_data

CAF = "caisse d&#x27;allocations familiales"
CAF_ABBR = f'<abbr title="{CAF}">CAF</abbr>'


def _procedure(slug="essai-sigles", **texts):
    defaults = {"summary": "", "easy_read": "", "audience": "", "documents": "", "cost": "", "delay": "", "how_to": ""}
    proc = Procedure.objects.create(
        slug=slug,
        title="Essai des sigles",
        organisation=Organisation.objects.get(slug="mairie"),
        **{**defaults, **texts},
    )
    proc.themes.set([Theme.objects.first()])
    return proc


def _page(client, proc) -> str:
    response = client.get(reverse("directory:procedure", args=[proc.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _main(html: str) -> str:
    """The procedure's texts, before the FALC section."""
    main = html.split('id="contenu"', 1)[1]
    return main.split('id="facile-a-lire"', 1)[0]


def test_the_first_use_is_spelled_out_and_later_uses_stay_plain(client, db):
    proc = _procedure(
        summary="Demandez à la CAF.",
        documents="Un RIB\nL'attestation de la CAF",
        how_to="Écrivez à la CAF.\nEnvoyez votre RIB.",
    )
    main = _main(_page(client, proc))
    assert main.count(f"{CAF_ABBR} ({CAF})") == 1
    assert main.count("<abbr") == 2  # CAF and RIB, once each
    assert '<abbr title="relevé d&#x27;identité bancaire">RIB</abbr> (relevé d&#x27;identité bancaire)' in main
    assert "Écrivez à la CAF." in main
    assert "Envoyez votre RIB." in main


def test_an_expansion_already_given_beside_the_acronym_is_not_repeated(client, db):
    proc = _procedure(summary="La caisse d’allocations familiales (CAF) verse l'aide. La CAF répond sous 1 mois.")
    main = _main(_page(client, proc))
    assert main.count("allocations familiales") == 2  # the text's own, and the abbr's title
    assert f"({CAF_ABBR})" in main
    proc = _procedure(slug="essai-sigles-2", summary="La CAF (Caisse d'allocations familiales) verse l'aide.")
    main = _main(_page(client, proc))
    assert f"{CAF_ABBR} (Caisse d&#x27;allocations familiales) verse" in main
    assert main.count("allocations familiales") == 2


def test_the_easy_read_version_spells_out_its_own_first_use_in_words(client, db):
    proc = _procedure(summary="Demandez à la CAF.", easy_read="La CAF vous aide.\nAllez à la CAF.")
    html = _page(client, proc)
    falc = html.split('id="facile-a-lire"', 1)[1]
    assert f"La {CAF_ABBR} ({CAF}) vous aide." in falc
    assert "Allez à la CAF." in falc
    print_page = client.get(reverse("directory:procedure_print", args=[proc.slug])).content.decode()
    assert print_page.count(f"{CAF_ABBR} ({CAF})") == 2  # the procedure's texts, then the FALC version


def test_only_whole_words_in_capitals_are_acronyms(client, db):
    proc = _procedure(summary="Le café CAFÉ et la caf et CAFS et www.caf.fr restent tels quels.")
    main = _main(_page(client, proc))
    assert "<abbr" not in main
    assert "www.caf.fr" in main


def test_hostile_text_and_expansions_are_escaped(client, db):
    Acronym.objects.create(abbreviation="XSS", expansion='"><script>alert(1)</script>')
    proc = _procedure(summary="<img src=x onerror=alert(1)> XSS <b>gras</b>", how_to="<a href='javascript:x'>CAF</a>")
    html = _page(client, proc)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "<b>gras</b>" not in html
    assert '<abbr title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">XSS</abbr>' in html
    assert f"&lt;a href=&#x27;javascript:x&#x27;&gt;{CAF_ABBR} ({CAF})&lt;/a&gt;" in html


def test_markup_of_another_filter_is_kept_and_links_are_left_alone():
    reading = Reading([Entry("CAF", "caisse d'allocations familiales")])
    html = spell_out(mark_safe('<span lang="fr"><a href="/caf/">la CAF</a> puis la CAF &amp; co</span>'), reading)
    assert html == (f'<span lang="fr"><a href="/caf/">la CAF</a> puis la {CAF_ABBR} ({CAF}) &amp; co</span>')


def test_a_town_acronym_added_by_the_editor_is_spelled_out_at_once(admin_client, administrator, client, db):
    proc = _procedure(summary="Passez à la MDH des Tilleuls.")
    response = admin_client.post(
        reverse("directory:catalogue_create", args=["sigles"]),
        {"abbreviation": "MDH", "expansion": "maison des habitants"},
    )
    assert response.status_code == 302
    acronym = Acronym.objects.get(abbreviation="MDH")
    assert AuditEvent.objects.filter(
        action="directory.acronym.created", object_id=str(acronym.pk), actor=administrator
    ).exists()
    assert '<abbr title="maison des habitants">MDH</abbr> (maison des habitants)' in _page(client, proc)
    response = admin_client.post(
        reverse("directory:catalogue_edit", args=["sigles", acronym.pk]),
        {"abbreviation": "MDH", "expansion": "Maison des habitants"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="directory.acronym.updated", object_id=str(acronym.pk)).exists()


def test_an_acronym_with_a_digit_between_its_capitals_can_be_added_and_edited(admin_client, client, db):
    Acronym.objects.filter(abbreviation="C2S").delete()
    proc = _procedure(summary="Demandez la C2S.")
    response = admin_client.post(
        reverse("directory:catalogue_create", args=["sigles"]),
        {"abbreviation": "C2S", "expansion": "complémentaire santé solidaire"},
    )
    assert response.status_code == 302
    acronym = Acronym.objects.get(abbreviation="C2S")
    response = admin_client.post(
        reverse("directory:catalogue_edit", args=["sigles", acronym.pk]),
        {"abbreviation": "C2S", "expansion": "Complémentaire santé solidaire"},
    )
    assert response.status_code == 302
    assert '<abbr title="Complémentaire santé solidaire">C2S</abbr>' in _page(client, proc)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"abbreviation": "CAF", "expansion": "autre chose"}, "abbreviation", "déjà dans la liste"),
        ({"abbreviation": "C.A.F", "expansion": "caisse"}, "abbreviation", "sans espace ni point"),
        ({"abbreviation": "caf", "expansion": "caisse"}, "abbreviation", "avec ses majuscules"),
        ({"abbreviation": "ZZT", "expansion": "zzt"}, "expansion", "pas le sigle lui-même"),
        ({"abbreviation": "ZZT", "expansion": ""}, "expansion", "Écrivez les mots que le sigle remplace, par exemple"),
    ],
)
def test_a_bad_acronym_is_explained_beside_the_field_and_kept(admin_client, data, field, message):
    response = admin_client.post(reverse("directory:catalogue_create", args=["sigles"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert f'value="{data["abbreviation"]}"' in html
    assert Acronym.objects.filter(abbreviation=data["abbreviation"]).count() == (data["abbreviation"] == "CAF")


def test_an_administrator_removes_an_acronym_after_a_confirmation(
    admin_client, administrator, client, django_capture_on_commit_callbacks, db
):
    proc = _procedure(summary="Envoyez un RIB.")
    assert "<abbr" in _page(client, proc)  # now in the page cache
    rib = Acronym.objects.get(abbreviation="RIB")
    listing = admin_client.get(reverse("directory:catalogue_list", args=["sigles"])).content.decode()
    url = reverse("directory:acronym_delete", args=[rib.pk])
    assert f'href="{url}"' in listing
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "Retirer le sigle RIB de la liste ?" in confirm.content.decode()
    assert Acronym.objects.filter(pk=rib.pk).exists()  # a GET removes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("directory:catalogue_list", args=["sigles"])
    assert not Acronym.objects.filter(abbreviation="RIB").exists()
    event = AuditEvent.objects.get(action="directory.acronym.deleted")
    assert event.actor == administrator and event.object_id == str(rib.pk)
    assert event.details["abbreviation"] == "RIB"
    assert "Le sigle « RIB » est retiré de la liste." in admin_client.get(response.url).content.decode()
    page = _page(client, proc)
    assert "<abbr" not in _main(page) and "Envoyez un RIB." in page  # the cached page was forgotten
    assert admin_client.post(url).status_code == 404  # already removed


def test_acronym_screens_are_404_for_staff_who_are_not_administrators(reception_client, client, db):
    for url in (
        reverse("directory:catalogue_list", args=["sigles"]),
        reverse("directory:catalogue_create", args=["sigles"]),
        reverse("directory:acronym_check"),
        reverse("directory:acronym_delete", args=[Acronym.objects.get(abbreviation="CAF").pk]),
    ):
        assert reception_client.get(url).status_code == 404
        assert reception_client.post(url, {"abbreviation": "ABC", "expansion": "a b c"}).status_code == 404
        assert client.get(url).status_code == 302  # to the login page
    assert not Acronym.objects.filter(abbreviation="ABC").exists()
    assert Acronym.objects.filter(abbreviation="CAF").exists()


def _warnings(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-warning" id="id_(\w+)-warning">(.*?)</p>', html, re.S))


def test_the_editor_is_warned_beside_the_field_but_the_procedure_is_saved(admin_client, db):
    data = procedure_data(
        summary="La CAF verse l'aide.",
        documents="Un relevé d’identité bancaire (RIB)",
        easy_read="Allez au CCAS.",
        how_to="Appelez la CAF.",
    )
    response = admin_client.post(reverse("directory:catalogue_create", args=["fiches"]), data)
    proc = Procedure.objects.get(slug="place-en-creche")
    edit = reverse("directory:catalogue_edit", args=["fiches", proc.pk])
    assert response.status_code == 302 and response.url == edit
    html = admin_client.get(edit).content.decode()
    warnings = _warnings(html)
    assert set(warnings) == {"summary", "easy_read"}
    assert "CAF (caisse d&#x27;allocations familiales)" in warnings["summary"]
    assert "CCAS (centre communal d&#x27;action sociale)" in warnings["easy_read"]
    assert 'aria-describedby="id_summary-warning"' in html
    assert "Des sigles sont écrits sans leur forme complète" in html


def test_warnings_follow_what_was_typed_when_the_form_has_an_error(admin_client, db):
    data = procedure_data(summary="Le CCAS vous reçoit.", title="")
    response = admin_client.post(reverse("directory:catalogue_create", args=["fiches"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le CCAS vous reçoit." in html
    assert set(_warnings(html)) == {"summary"}
    data = procedure_data(summary="Le centre communal d’action sociale (CCAS) vous reçoit.")
    response = admin_client.post(reverse("directory:catalogue_create", args=["fiches"]), data)
    assert response.status_code == 302
    assert response.url == reverse("directory:catalogue_list", args=["fiches"])


def test_the_editor_lists_the_procedures_to_reread(admin_client, db):
    check = reverse("directory:acronym_check")
    assert "Aucune fiche n'emploie un sigle" in admin_client.get(check).content.decode()  # the demo is clean
    proc = _procedure(summary="Demandez un RIB.", easy_read="Allez à la CAF.")
    html = admin_client.get(check).content.decode()
    assert reverse("directory:catalogue_edit", args=["fiches", proc.pk]) in html
    row = html.split(proc.title, 1)[1].split("</tr>", 1)[0]
    assert "Résumé en français simple : " in row and ">RIB</abbr>" in row
    assert "Version facile à lire et à comprendre (FALC) : " in row and ">CAF</abbr>" in row
    assert "1 fiche à relire" in html


def test_the_demo_catalogue_gives_the_full_forms_where_an_editor_would(db):
    from relais.directory.selectors import procedures_with_unexpanded_acronyms

    assert procedures_with_unexpanded_acronyms() == []
    assert Acronym.objects.get(abbreviation="ANTS").expansion == "Agence nationale des titres sécurisés"
    assert Acronym.objects.get(abbreviation="CCAS").expansion == "centre communal d'action sociale"


def test_a_plural_is_a_use_spelled_out_once_and_warned_about():
    reading = Reading([Entry("CAF", "caisse d'allocations familiales")])
    html = spell_out("Les CAFs et la CAF.", reading)
    assert html == f'Les <abbr title="{CAF}">CAFs</abbr> ({CAF}) et la CAF.'
    from relais.directory.acronyms import missing_expansions

    warnings = missing_expansions({"summary": "Écrivez aux CAFs."}, reading.entries)
    assert [e.abbreviation for e in warnings["summary"]] == ["CAF"]


def test_an_acronym_in_brackets_after_other_words_gets_no_brackets_within_brackets(client, db):
    proc = _procedure(
        summary="Demandez à la caisse (CAF) du département.",
        easy_read="Votre caisse (CAF) vous aide.",
    )
    html = _page(client, proc)
    main, falc = _main(html), html.split('id="facile-a-lire"', 1)[1]
    assert f"la caisse ({CAF_ABBR}, {CAF}) du département." in main
    assert f"Votre caisse ({CAF_ABBR}, {CAF}) vous aide." in falc  # reads well in FALC too
    assert "))" not in main.split("</main>")[0] and "))" not in falc.split("</main>")[0]
    reading = Reading([Entry("CCAS", "centre communal d'action sociale")])
    assert spell_out("Une aide (voir le CCAS de la ville).", reading) == (
        'Une aide (voir le <abbr title="centre communal d&#x27;action sociale">CCAS</abbr>, '
        "centre communal d&#x27;action sociale, de la ville)."
    )


def test_the_title_is_the_first_use_marked_in_the_h1_and_spelled_out_just_below(client, db):
    proc = _procedure(summary="La CAF verse l'aide. Écrivez à la CAF.")
    proc.title = "Aide de la CAF"
    proc.save()
    html = _page(client, proc)
    assert f"<h1>Aide de la {CAF_ABBR}</h1>" in html  # a heading stays short
    main = _main(html)
    assert f"La {CAF_ABBR} ({CAF}) verse l&#x27;aide. Écrivez à la CAF." in main
    from relais.directory.acronyms import missing_expansions
    from relais.directory.selectors import acronym_entries

    entries = acronym_entries()
    # The editor is warned where the words are missing: below the title...
    assert set(missing_expansions({"title": proc.title, "summary": proc.summary}, entries)) == {"summary"}
    # ... or on the title, when the texts never use the acronym again.
    warnings = missing_expansions({"title": "Aide de la CAF", "summary": "Une aide au logement."}, entries)
    assert set(warnings) == {"title"} and warnings["title"][0].abbreviation == "CAF"
    # A title that gives the full form is the spelling out: the texts below stay plain.
    texts = {"title": "Aide de la caisse d'allocations familiales (CAF)", "summary": "La CAF verse l'aide."}
    proc = _procedure(slug="essai-sigles-titre", summary=texts["summary"])
    proc.title = texts["title"]
    proc.save()
    html = _page(client, proc)
    assert "La CAF verse l&#x27;aide." in _main(html)
    assert missing_expansions(texts, entries) == {}
