""" "Cette page vous a-t-elle été utile ?" with JavaScript off, on a 320 px wide screen, with
the keyboard only: a resident answers "Non" under a fiche, says they need someone to help
them, and is shown, right there, the places where someone can (with opening hours) and the
town's phone. axe-core runs on every page visited."""

import re

from playwright.sync_api import expect


def _tab_to(page, selector: str, limit: int = 300) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.locator(f"{selector}:focus").count() == 1:
            return
    raise AssertionError(f"{selector} never got the focus with Tab")


def test_no_then_need_someone_with_the_keyboard_shows_where_to_find_a_person(server, no_js_page, axe):
    page = no_js_page
    base = server["url"]
    page.goto(base + "/fiches/carte-identite/")
    assert axe(page.url) == [], page.url
    expect(page.get_by_role("heading", name="Cette page vous a-t-elle été utile ?")).to_be_visible()

    _tab_to(page, 'button[name="useful"][value="non"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/avis/[^/]+/$"))
    expect(page.locator("h1")).to_have_text("Qu'est-ce qui n'a pas marché ?")
    assert axe(page.url) == [], page.url

    # The radios: Tab reaches the group, the arrows choose.
    _tab_to(page, 'input[name="reason"]')
    for _ in range(10):
        if page.locator('input[value="need_someone"]:focus').count():
            break
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("J'ai besoin qu'une personne m'aide")).to_be_checked()
    _tab_to(page, 'button[type="submit"]:text("Envoyer")')
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Merci, votre réponse est enregistrée")
    main = page.locator("main")
    expect(main).to_contain_text("Où se faire aider près de chez vous")
    expect(main.locator(".card").first).to_be_visible()
    expect(main.locator(".open-now").first).to_be_visible()  # when: open now or next opening
    expect(main.get_by_role("link", name="Voir tous les lieux d'aide")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("02 47 00 00 00")  # the town's phone
    assert axe(page.url) == [], page.url
    assert axe(page) == [], page.url

    _tab_to(page, 'a:text("Revenir à la page")')
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + "/fiches/carte-identite/")


def test_an_error_is_shown_beside_the_field_keeping_the_comment(server, no_js_page, axe):
    page = no_js_page
    base = server["url"]
    page.goto(base + "/fiches/passeport/")
    page.get_by_role("button", name="Non").click()
    page.get_by_label("Votre commentaire").fill("Je ne trouve pas le formulaire.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#id_reason-error")).to_contain_text("Choisissez une raison.")
    expect(page.get_by_label("Votre commentaire")).to_have_value("Je ne trouve pas le formulaire.")
    assert axe(page) == [], page.url
