"""Residents book an appointment and register for a workshop with JavaScript off, on a
320 px screen, without an account; axe-core runs on every page visited (the pages with
errors too)."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import AXE_SOURCE


def axe_here(page) -> list[str]:
    """axe-core on the page as it is now (used with a JavaScript-enabled context)."""
    page.add_script_tag(content=AXE_SOURCE)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})" for v in result["violations"]]


def fill_contact(page, last_name, email):
    page.get_by_label("Nom", exact=True).fill(last_name)
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Par courriel").check()
    page.get_by_label("Adresse électronique").fill(email)


def test_a_resident_books_moves_and_cancels_an_appointment_without_javascript(server, no_js_page, axe):
    page = no_js_page
    visited = []
    page.goto(server["url"] + "/aide-numerique/")
    visited.append(page.url)
    expect(page.locator("h1")).to_have_text("Se faire aider avec le numérique")
    expect(page.locator(".sessions").first).to_contain_text(re.compile(r"de \d+ h"))
    page.get_by_role("link", name="Prendre rendez-vous").first.click()
    visited.append(page.url)
    page.locator(".cards .card-link").first.click()
    visited.append(page.url)
    page.locator(".slots a").first.click()
    visited.append(page.url)
    expect(page.get_by_role("heading", name="Votre rendez-vous")).to_be_visible()

    # Forgetting the e-mail: the error is beside the field, the summary on top, values kept.
    page.get_by_label("Nom", exact=True).fill("Lebrun")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Par courriel").check()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator(".error-summary")).to_contain_text("Indiquez une adresse électronique")
    expect(page.get_by_label("Nom", exact=True)).to_have_value("Lebrun")
    page.get_by_label("Adresse électronique").fill("camille.lebrun@example.org")
    page.get_by_label("Pour quoi venez-vous ?").fill("Créer mon compte Ameli")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()

    expect(page.locator("[data-appointment-status]")).to_have_attribute("data-appointment-status", "active")
    manage_url = page.url
    visited.append(manage_url)
    page.get_by_role("link", name="Changer d'horaire").click()
    visited.append(page.url)
    page.locator(".slots a").nth(1).click()
    visited.append(page.url)
    page.get_by_role("button", name="Confirmer ce nouvel horaire").click()
    expect(page.locator(".notice-success").first).to_be_visible()
    moved_url = page.url
    assert moved_url != manage_url
    page.get_by_role("link", name="Annuler le rendez-vous").click()
    visited.append(page.url)
    page.get_by_role("button", name="Oui, annuler").click()
    expect(page.locator("[data-appointment-status]")).to_have_attribute("data-appointment-status", "cancelled")
    visited.append(page.url)
    for url in visited:
        assert axe(url) == [], url


def test_registration_with_a_waitlist_and_a_promotion_without_javascript(server, browser, no_js_page, axe):
    page = no_js_page
    visited = []
    page.goto(server["url"] + "/ateliers/")
    visited.append(page.url)
    page.get_by_role("link", name="Premiers pas avec le smartphone").click()
    visited.append(page.url)
    expect(page.get_by_role("heading", name="S'inscrire")).to_be_visible()
    fill_contact(page, "Premier", "premier@example.org")
    page.get_by_role("button", name=re.compile("M'inscrire")).click()
    expect(page.locator("[data-registration-status]")).to_have_attribute("data-registration-status", "confirmed")
    first_url = page.url
    visited.append(first_url)

    # The last seat is gone: the next resident goes to the waitlist and sees her position.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640}, locale="fr-FR")
    other = context.new_page()
    other.goto(visited[1])
    expect(other.get_by_text("L'atelier est complet.")).to_be_visible()
    fill_contact(other, "Second", "second@example.org")
    other.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    expect(other.locator("[data-registration-status]")).to_have_attribute("data-registration-status", "waitlisted")
    expect(other.locator(".notice")).to_contain_text("en position 1")
    second_url = other.url
    visited.append(second_url)

    # Registering again with the same e-mail is refused kindly.
    other.goto(visited[1])
    fill_contact(other, "Second", "second@example.org")
    other.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    expect(other.get_by_role("heading", name="Votre demande n'a pas été enregistrée")).to_be_visible()
    context.close()

    # The first cancels: the second gets the seat.
    page.goto(first_url)
    page.get_by_role("link", name="Annuler mon inscription").click()
    visited.append(page.url)
    page.get_by_role("button", name="Oui, annuler").click()
    expect(page.locator("[data-registration-status]")).to_have_attribute("data-registration-status", "cancelled")
    page.goto(second_url)
    expect(page.locator("[data-registration-status]")).to_have_attribute("data-registration-status", "confirmed")
    for url in visited:
        assert axe(url) == [], url


def test_pages_with_errors_and_refusals_pass_axe(server, browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640}, locale="fr-FR")
    page = context.new_page()
    page.goto(server["url"] + "/ateliers/reperer-un-courriel-frauduleux/")
    assert axe_here(page) == []  # registration not open yet
    page.goto(server["url"] + "/rendez-vous/")
    page.locator(".cards .card-link").first.click()
    page.locator(".slots a").first.click()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe_here(page) == []
    context.close()
