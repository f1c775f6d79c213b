"""A neighbour, JavaScript off on a small screen, finds that the broken lamp is already
reported before reporting it, and says "moi aussi": counted, no new case. The team sees
close reports grouped and publishes one. axe-core runs on every page visited."""

import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_cases import staff_login

ROOT = Path(__file__).resolve().parents[2]


def _count(server, model: str) -> int:
    script = f"from relais.cases.models import {model}; print({model}.objects.count())"
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", script],
        env=server["env"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.strip())


def test_a_neighbour_finds_the_report_before_reporting_and_says_me_too(server, no_js_page, axe):
    page = no_js_page
    base = server["url"]
    cases_before = _count(server, "Case")

    page.goto(base + "/signalements/")
    assert axe(page.url) == [], page.url
    expect(page.locator("main")).to_contain_text("Lampadaire éteint")
    expect(page.locator("main")).not_to_contain_text("Karim")  # who reported it is never shown
    expect(page.get_by_role("link", name=re.compile("^Lampadaire éteint – Rue Jules-Ferry"))).to_have_count(1)

    page.goto(base + "/demandes/signalement-voirie/")
    page.get_by_role("button", name="Commencer").click()
    page.get_by_label("Éclairage").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Décrivez le problème").fill("Le lampadaire devant l'école est éteint le soir.")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Continuer").click()  # no photo
    expect(page.locator("h1")).to_have_text("Où est-ce ?")
    page.get_by_label("Où est-ce ?").fill("Rue Jules Ferry")
    page.get_by_role("button", name="Continuer").click()

    expect(page.locator("h1")).to_have_text("Déjà signalé ?")
    assert axe(page.url) == [], page.url
    card = page.locator(".card", has_text="Lampadaire éteint")
    expect(card).to_contain_text("3 autres personnes")
    card.get_by_role("button", name="Moi aussi").click()

    expect(page.locator(".messages")).to_contain_text("c'est compté")
    expect(page.locator("#me-too-count")).to_have_text("4 autres personnes")
    assert axe(page) == [], page.url
    page.goto(page.url)  # once per browser: the button is gone, the count stays
    expect(page.get_by_role("button", name="Moi aussi")).to_have_count(0)
    expect(page.locator("#me-too-count")).to_have_text("4 autres personnes")
    assert _count(server, "Case") == cases_before


def test_the_team_sees_close_reports_grouped_and_publishes_one(server, page, axe):
    base = server["url"]
    staff_login(page, server, "urbanisme@valbrenne.fr")
    cookies = page.context.cookies()
    page.goto(base + "/gestion/dossiers/?onglet=toutes")
    group = page.get_by_role("link", name=re.compile(r"\d signalements proches")).first
    expect(group).to_be_visible()
    assert axe(page.url, cookies=cookies) == []

    page.goto(base + "/gestion/dossiers/?onglet=nouvelles")
    page.locator("table a", has_text=re.compile(r"^\d{4}-\d{5}$")).first.click()
    expect(page.get_by_role("heading", name="Signalement")).to_be_visible()
    assert axe(page.url, cookies=cookies) == []
    page.get_by_role("link", name="Relire et publier").click()
    assert axe(page.url, cookies=cookies) == []
    page.get_by_label("Titre public").fill("")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("Donnez un titre public")
    page.get_by_label("Titre public").fill("Panneau stop tombé")
    page.get_by_label("Emplacement public").fill("Rue des Lilas")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("publié")
    page.get_by_role("link", name="Voir la page publique").click()
    expect(page.locator("h1")).to_have_text("Panneau stop tombé")


def test_an_administrator_sees_the_town_plan_page(server, page, axe):
    staff_login(page, server, "admin@valbrenne.fr")
    page.goto(server["url"] + "/gestion/signalements/plan/")
    expect(page.locator("h1")).to_have_text("Plan de la commune")
    assert axe(page.url, cookies=page.context.cookies()) == []


def test_on_a_solved_report_a_neighbour_is_sent_to_report_it_again(server, no_js_page, axe):
    page = no_js_page
    page.goto(server["url"] + "/signalements/?etat=resolu")
    page.get_by_role("link", name="Dépôt sauvage").first.click()
    expect(page.locator("h1")).to_have_text("Dépôt sauvage")
    expect(page.get_by_role("button", name="Moi aussi")).to_have_count(0)
    assert axe(page.url) == [], page.url
    page.get_by_role("link", name="Le problème est revenu ? Signalez-le").click()
    expect(page.get_by_role("button", name="Commencer")).to_be_visible()
