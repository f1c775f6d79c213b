"""A resident finds a procedure by an everyday word, opens it, finds the nearest
place that helps, and prints it — with JavaScript off, on a 320 px screen, and
axe-core run on every page visited."""

import re

from playwright.sync_api import expect


def test_find_open_get_help_and_print_without_javascript(server, no_js_page, axe):
    page = no_js_page
    visited = []

    page.goto(server["url"] + "/")
    visited.append(page.url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Que voulez-vous faire ?").fill("carte grise")
    page.get_by_role("button", name="Chercher").click()

    expect(page).to_have_url(re.compile(r"/recherche/\?q=carte\+grise"))
    visited.append(page.url)
    first = page.locator(".cards .card-link").first
    expect(first).to_contain_text(re.compile("immatriculation|carte grise|véhicule", re.I))
    first.click()

    expect(page.locator("h1")).to_be_visible()
    visited.append(page.url)
    expect(page.get_by_role("heading", name="Où se faire aider près de chez vous")).to_be_visible()
    help_places = page.locator("#aide ~ .cards .card-link")
    expect(help_places.first).to_be_visible()
    procedure_url = page.url
    help_places.first.click()

    visited.append(page.url)
    expect(page.get_by_role("heading", name="Horaires")).to_be_visible()
    expect(page.locator(".open-now")).to_contain_text(re.compile("Ouvert|Fermé"))

    page.goto(procedure_url)
    page.get_by_role("link", name="Version à imprimer").click()
    visited.append(page.url)
    expect(page.get_by_role("heading", name="Où se faire aider")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000

    for url in visited:
        assert axe(url) == [], url


def test_places_filter_works_without_javascript(server, no_js_page, axe):
    page = no_js_page
    page.goto(server["url"] + "/lieux/")
    page.get_by_label("Votre quartier").select_option(index=1)
    page.get_by_role("button", name="Afficher les lieux").click()
    expect(page).to_have_url(re.compile(r"quartier="))
    expect(page.locator(".cards .card").first).to_be_visible()
    assert axe(page.url) == []


def test_keyboard_reaches_the_search_through_the_skip_link(server, page):
    page.goto(server["url"] + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_arabic_home_page_is_right_to_left_and_accessible(server, browser, axe):
    cookie = [{"name": "django_language", "value": "ar", "url": server["url"]}]
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(cookie)
    page = context.new_page()
    page.goto(server["url"] + "/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    assert axe(server["url"] + "/", cookies=cookie) == []


def test_every_resident_page_passes_axe(server, axe):
    for path in ["/demarches/", "/lieux/", "/accessibilite/", "/donnees-personnelles/", "/comptes/login/"]:
        assert axe(server["url"] + path) == [], path
