"""The pages issue 17 added, in a real browser with axe-core: the API's documentation (public,
JavaScript off, 320 px), the administrator's partner-application screens (a form refused then
accepted, the key shown once, the application's page, a webhook form) and the counter's list of
identities to check."""

import re

from playwright.sync_api import expect

from tests.browser.test_rights_and_outbox_pages import staff_login


def test_the_api_documentation_reads_without_javascript_on_a_small_screen(server, no_js_page, axe):
    no_js_page.goto(server["url"] + "/api/v1/docs/")
    expect(no_js_page.locator("h1")).to_be_visible()
    expect(no_js_page.locator("#validation")).to_be_attached()
    expect(no_js_page.get_by_role("link", name=re.compile("openapi.json"))).to_be_visible()
    assert axe(no_js_page.url) == [], no_js_page.url


def test_an_administrator_connects_a_partner_application(server, page, axe):
    base = server["url"]
    staff_login(page, server, "admin@valbrenne.fr")
    page.goto(base + "/gestion/applications/")
    expect(page.locator("h1")).to_have_text("Applications partenaires")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url

    page.get_by_role("link", name="Ajouter une application").click()
    expect(page.locator("h1")).to_have_text("Ajouter une application partenaire")
    page.get_by_label("Nom de l'application").fill("Bornes de la médiathèque")
    # No right chosen: refused beside the rights, the name kept.
    page.get_by_role("button", name="Créer l'application et sa clé").click()
    expect(page.locator(".error-message").first).to_be_visible()
    expect(page.get_by_label("Nom de l'application")).to_have_value("Bornes de la médiathèque")
    assert axe(page) == [], page.url

    page.get_by_label(re.compile("Prendre des rendez-vous et inscrire")).check()
    page.get_by_role("button", name="Créer l'application et sa clé").click()
    expect(page.locator("h1")).to_have_text("Clé de l'application")
    expect(page.get_by_label("Clé", exact=True)).to_have_value(re.compile(r"^rls_\w+_"))
    assert axe(page) == [], page.url

    page.get_by_role("link", name=re.compile("Bornes de la médiathèque|Voir l'application")).first.click()
    expect(page.locator("h1")).to_have_text("Bornes de la médiathèque")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    page.get_by_role("link", name="Ajouter une adresse de rappel").click()
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url


def test_the_counter_lists_identities_to_check(server, page, axe):
    staff_login(page, server, "accueil@valbrenne.fr")
    page.goto(server["url"] + "/gestion/identites/")
    expect(page.locator("h1")).to_have_text("Identités à vérifier")
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
