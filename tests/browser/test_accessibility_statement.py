"""The accessibility statement and the acronyms spelled out, as a resident and an
administrator see them: JavaScript off, 320 px, axe-core on every page."""

import re

from playwright.sync_api import expect

from tests.browser.test_rights_and_outbox_pages import staff_login


def test_the_statement_is_reached_from_the_footer_and_reads_without_javascript(server, no_js_page, axe):
    page = no_js_page
    page.goto(server["url"] + "/")
    page.get_by_role("link", name="Accessibilité : non conforme").click()
    expect(page.locator("h1")).to_have_text("Déclaration d'accessibilité")
    expect(page.locator("main")).to_contain_text("est non conforme avec le référentiel général")
    expect(page.locator("main")).to_contain_text("Aucun audit de conformité n'a encore été réalisé")
    expect(page.get_by_role("heading", name="Non-conformités")).to_be_visible()
    expect(page.get_by_role("heading", name="Stratégie et actions")).to_be_visible()
    expect(page.get_by_role("link", name="accessibilite@valbrenne.fr")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Libre réponse 71120")
    assert axe(page.url) == [], page.url


def test_a_procedure_spells_out_its_acronyms_once(server, no_js_page, axe):
    page = no_js_page
    page.goto(server["url"] + "/fiches/rsa/")
    abbr = page.locator("main abbr", has_text=re.compile("^CCAS$"))
    expect(abbr.first).to_have_attribute("title", "centre communal d'action sociale")
    # once in the procedure's texts, once in its easy-to-read version
    expect(abbr).to_have_count(2)
    assert axe(page.url) == [], page.url


def test_the_administrator_edits_the_statement_and_acronyms_under_axe(server, page, axe):
    base = server["url"]
    staff_login(page, server, "admin@valbrenne.fr")
    page.goto(base + "/gestion/declaration-accessibilite/")
    expect(page.locator("h1")).to_have_text("Déclaration d'accessibilité")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    page.get_by_label("Taux de conformité (%)").fill("150")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    rate = page.locator(".field", has=page.get_by_label("Taux de conformité (%)"))
    expect(rate.locator(".error-message")).to_contain_text("entre 0 et 100")
    expect(page.get_by_label("Taux de conformité (%)")).to_have_value("150")
    assert axe(page) == [], page.url
    for path in ("/gestion/catalogue/sigles/", "/gestion/catalogue/sigles/a-verifier/"):
        page.goto(base + path)
        assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    # An acronym added by mistake is removed after a confirmation (the server is shared: a
    # new one, not one of the demo's).
    page.goto(base + "/gestion/catalogue/sigles/nouveau/")
    page.get_by_label("Sigle").fill("PQZ")
    page.get_by_label("Forme complète").fill("point de quartier Zola")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Retirer PQZ").click()
    expect(page.locator("h1")).to_have_text("Retirer le sigle PQZ de la liste ?")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    page.get_by_role("button", name="Oui, retirer PQZ").click()
    expect(page.locator("body")).to_contain_text("Le sigle « PQZ » est retiré de la liste.")
    expect(page.get_by_role("link", name="Retirer PQZ")).to_have_count(0)
