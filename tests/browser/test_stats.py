"""The statistics pages in a real browser, with axe-core on each: a manager's pages, the
council report form, the share links, an elected official's view, and a partner opening a
share link on a 320 px phone with JavaScript off."""

import re

from playwright.sync_api import expect

from tests.browser.test_rights_and_outbox_pages import staff_login

AUDIENCES = ["mediation", "demandes", "entraide", "envois", "frequentation", "demarches"]


def test_a_manager_reads_every_statistics_page_and_shares_one(server, page, no_js_page, axe):
    base = server["url"]
    staff_login(page, server, "responsable@valbrenne.fr")
    page.goto(base + "/gestion/statistiques/")
    expect(page.locator("h1")).to_have_text("Statistiques")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    for audience in AUDIENCES:
        page.goto(f"{base}/gestion/statistiques/{audience}/?period=this_year")
        expect(page.locator("h1")).to_contain_text("Statistiques :")
        expect(page.get_by_role("heading", name="Chiffres clés")).to_be_visible()
        assert axe(page.url) == [], page.url
    # Every chart says what it shows in words, and has its table.
    page.goto(base + "/gestion/statistiques/mediation/?period=this_year")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 10
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("aria-labelledby")
    # Reversed dates: the message beside the field, the dates kept, no figures.
    page.get_by_label("Période", exact=True).select_option("custom")
    page.get_by_label("Du", exact=True).fill("2026-05-10")
    page.get_by_label("Au", exact=True).fill("2026-05-01")
    page.get_by_role("button", name="Afficher").click()
    end = page.locator(".field", has=page.get_by_label("Au", exact=True))
    expect(end.locator(".error-message")).to_contain_text("Le dernier jour est avant le premier")
    expect(page.get_by_label("Du", exact=True)).to_have_value("2026-05-10")
    expect(page.get_by_role("heading", name="Chiffres clés")).to_have_count(0)
    assert axe(page) == [], page.url
    page.goto(base + "/gestion/statistiques/rapport/")
    assert axe(page.url) == [], page.url

    # Share the mediation figures with a partner.
    page.goto(base + "/gestion/statistiques/mediation/?period=last_year")
    page.get_by_label("Pour qui", exact=True).fill("Conseil départemental")
    page.get_by_role("button", name="Créer le lien").click()
    expect(page.locator("h1")).to_have_text("Lien de partage créé")
    url = page.get_by_label("Lien", exact=True).input_value()
    assert axe(page) == [], page.url
    page.goto(base + "/gestion/statistiques/partages/")
    expect(page.get_by_role("row", name=re.compile("Conseil départemental"))).to_be_visible()
    assert axe(page.url) == [], page.url

    # The partner, on a small phone without JavaScript.
    no_js_page.goto(url)
    expect(no_js_page.locator("h1")).to_contain_text("Statistiques")
    expect(no_js_page.locator("main")).to_contain_text("Conseil départemental")
    assert axe(url) == [], url


def test_an_elected_official_reads_the_whole_town(server, page, axe):
    base = server["url"]
    staff_login(page, server, "elu@valbrenne.fr")
    page.goto(base + "/gestion/statistiques/demandes/")
    expect(page.locator("h1")).to_have_text("Statistiques : Demandes")
    expect(page.get_by_role("button", name="Créer le lien")).to_have_count(0)  # read-only
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    page.goto(base + "/gestion/statistiques/frequentation/")
    assert axe(page.url) == [], page.url


def test_the_open_data_page_passes_axe_at_320_px(server, no_js_page, axe):
    no_js_page.goto(server["url"] + "/donnees/")
    expect(no_js_page.locator("h1")).to_have_text("Données ouvertes")
    assert axe(server["url"] + "/donnees/") == []


def test_an_administrator_reads_the_procedures_to_simplify(server, page, axe):
    """The demo's funnel counts and page answers: the ranking, a form's page with its
    funnel, reasons and comments, and the links to edit the form and its fiche."""
    base = server["url"]
    staff_login(page, server, "admin@valbrenne.fr")
    page.goto(base + "/gestion/statistiques/")
    page.get_by_role("link", name="Démarches à simplifier").first.click()
    expect(page.locator("h1")).to_have_text("Démarches à simplifier")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    ranking = page.get_by_role("region", name="Démarches classées par indice")
    first = ranking.locator("tbody tr").first.locator("th a")
    title = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_role("heading", name="Parcours de la demande en ligne")).to_be_visible()
    expect(page.get_by_role("heading", name="Derniers commentaires")).to_be_visible()
    expect(page.get_by_role("link", name="Modifier le formulaire")).to_be_visible()
    assert axe(page.url) == [], page.url
