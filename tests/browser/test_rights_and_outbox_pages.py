"""The personal-data rights pages, the could-not-reach list and the held messages in a real
browser, with axe-core on each: staff (logged in with their second factor) and residents
(JavaScript off, 320 px wide, by keyboard)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from relais.accounts.demo import DEMO_TOTP_SECRET
from relais.core.demo import DEMO_PASSWORD
from tests.browser.totp_clock import next_code

ROOT = Path(__file__).resolve().parents[2]

# Run in the server's database: one SMS that failed on every try (nothing replaced it) and
# one e-mail held back after a restore; print what the test needs, as JSON.
SETUP = """
import json
from relais.core.models import ContactChannel, Person
from relais.notifications.models import Message, MessageStatus
karim = Person.objects.get(last_name="Benali", first_name="Karim")
marie = Person.objects.get(email="marie.dupont@example.org")
failed = Message.objects.create(
    person=karim, channel=ContactChannel.SMS, to_phone=karim.phone, template="browser-test",
    subject="Votre rendez-vous est confirmé", body="Rendez-vous confirmé.", sms_body="Rendez-vous confirmé.",
    status=MessageStatus.FAILED, attempts=5, last_error="SMS refused by the carrier: invalid number",
)
held = Message.objects.create(
    person=marie, channel=ContactChannel.EMAIL, to_email=marie.email, template="browser-test",
    subject="Votre demande avance", body="Votre demande avance.",
    status=MessageStatus.HELD, held_reason="Restauration de la sauvegarde de la nuit",
)
lucienne = Person.objects.get(last_name__iexact="Garnier", first_name="Lucienne")
print(json.dumps({"messages": [failed.pk, held.pk], "lucienne": lucienne.pk}))
"""

TEARDOWN = """
from relais.notifications.models import Message
Message.objects.filter(pk__in={pks!r}).delete()
"""


def _shell(server, script: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", script],
        env=server["env"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.fixture
def world(server):
    """A failed SMS and a held e-mail in the server's outbox, removed afterwards so that the
    other browser tests see the demo's settled outbox."""
    data = json.loads(_shell(server, SETUP))
    yield data
    _shell(server, TEARDOWN.format(pks=data["messages"]))


def staff_login(page, server, email):
    page.goto(server["url"] + "/comptes/login/")
    page.get_by_label(re.compile("Adresse e-mail|E-mail|Courriel", re.I)).fill(email)
    page.get_by_label(re.compile("Mot de passe", re.I)).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Connexion", re.I)).click()
    expect(page.get_by_label(re.compile("Code", re.I))).to_be_visible()
    page.get_by_label(re.compile("Code", re.I)).fill(next_code(server["totp_clock"], DEMO_TOTP_SECRET))
    page.get_by_role("button", name=re.compile("Se connecter|Connexion|Valider|Confirmer", re.I)).click()


def test_the_could_not_reach_list_passes_axe(server, world, page, axe):
    base = server["url"]
    staff_login(page, server, "accueil@valbrenne.fr")  # the counter sees every envelope

    page.goto(base + "/gestion/courriers/injoignables/")
    expect(page.locator("h1")).to_have_text("Injoignables")
    nobody = page.locator("#personne ~ .table-wrap").first
    row = nobody.get_by_role("row", name=re.compile("BENALI Karim"))
    expect(row).to_contain_text("Votre rendez-vous est confirmé")
    expect(row).to_contain_text("Le numéro a été refusé")
    expect(row.get_by_role("button", name="Renvoyer le message à BENALI Karim")).to_be_visible()
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    # "Tout renvoyer" with no date: the message is beside the field.
    page.get_by_role("button", name="Renvoyer ces messages").click()
    since = page.locator(".field", has=page.get_by_label("Messages en échec depuis le"))
    expect(since.locator(".error-message")).to_contain_text("Indiquez depuis quand renvoyer les messages.")
    assert axe(page) == [], page.url


def test_the_held_messages_pass_axe(server, world, page, axe):
    base = server["url"]
    staff_login(page, server, "admin@valbrenne.fr")
    page.goto(base + "/gestion/messages/retenus/")
    expect(page.locator("h1")).to_have_text("Messages retenus")
    expect(page.locator("main")).to_contain_text("1 message attend votre décision.")
    expect(page.locator("main")).to_contain_text("Restauration de la sauvegarde de la nuit")
    expect(page.get_by_role("group", name="Que faire des messages retenus ?")).to_be_visible()
    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
    # Validating without a choice sends nothing and says why, beside the choices.
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".error-message")).to_contain_text("Choisissez d'envoyer ou non les messages retenus.")
    expect(page.locator("main")).to_contain_text("1 message attend votre décision.")
    assert axe(page) == [], page.url


def test_rights_pages_pass_axe(server, world, page, axe):
    base, pk = server["url"], world["lucienne"]
    staff_login(page, server, "admin@valbrenne.fr")
    visited = []

    page.goto(base + "/gestion/donnees-personnelles/")
    expect(page.locator("h1")).to_have_text("Droits sur les données")
    visited.append(page.url)
    # An unknown number: said beside the field.
    page.get_by_label("Numéro de la fiche").fill("999999")
    page.get_by_label("Numéro de la fiche").press("Enter")
    number = page.locator(".field", has=page.get_by_label("Numéro de la fiche"))
    expect(number.locator(".error-message")).to_contain_text("Aucune fiche ne porte ce numéro.")
    assert axe(page) == [], page.url
    page.get_by_label("Numéro de la fiche").fill(str(pk))
    page.get_by_label("Numéro de la fiche").press("Enter")

    expect(page).to_have_url(re.compile(rf"/gestion/personnes/{pk}/donnees/$"))
    expect(page.locator("h1")).to_have_text("Données de GARNIER Lucienne")
    expect(page.get_by_role("group", name="Format")).to_be_visible()
    expect(page.get_by_label("Motif de l'export")).to_be_visible()
    visited.append(page.url)

    page.get_by_role("link", name="Corriger ses informations").click()
    expect(page.locator("h1")).to_have_text("Corriger les informations de GARNIER Lucienne")
    visited.append(page.url)
    # A correction without its reason: refused, the error beside the reason, the values kept.
    page.get_by_label("Prénom").fill("Lucie")
    page.get_by_role("button", name="Enregistrer la correction").click()
    reason = page.locator(".field", has=page.get_by_label("Motif de la rectification"))
    expect(reason.locator(".error-message")).to_contain_text(re.compile(r"\w"))
    message = reason.locator(".error-message").inner_text().replace("Erreur :", "").strip()
    # The summary at the top says the same thing and leads to the field.
    summary_link = page.locator(".error-summary").get_by_role("link", name=message)
    expect(summary_link).to_have_attribute("href", "#id_reason")
    expect(page.get_by_label("Motif de la rectification")).to_have_attribute("aria-describedby", re.compile(r"error"))
    expect(page.get_by_label("Prénom")).to_have_value("Lucie")
    assert axe(page) == [], page.url

    page.goto(base + f"/gestion/personnes/{pk}/donnees/")
    page.get_by_role("link", name="Effacer ses données").click()
    expect(page.locator("h1")).to_have_text("Effacer les données de GARNIER Lucienne")
    expect(page.get_by_role("heading", name="Ce qui est encore en cours")).to_be_visible()
    open_items = page.locator("h2:has-text('Ce qui est encore en cours') ~ ul").first
    expect(open_items).to_contain_text("Inscription à l'atelier « Premiers pas avec le smartphone »")
    expect(page.get_by_label("Clore ou annuler d'abord ce qui est en cours (liste ci-dessus)")).to_be_visible()
    visited.append(page.url)

    page.goto(base + "/gestion/registre-des-traitements/")
    expect(page.locator("h1")).to_have_text("Registre des traitements")
    expect(page.get_by_role("link", name="Télécharger le registre (PDF)")).to_be_visible()
    visited.append(page.url)

    cookies = page.context.cookies()
    for url in visited:
        assert axe(url, cookies=cookies) == [], url


def test_a_resident_downloads_their_data_by_keyboard_without_javascript(server, no_js_page, axe):
    page, base = no_js_page, server["url"]

    # The privacy page, reached from the footer, lists how long each thing is kept.
    page.goto(base + "/")
    page.get_by_role("link", name="Données personnelles", exact=True).click()
    expect(page.locator("h1")).to_have_text("Vos données personnelles")
    periods = page.locator("h2:has-text('Combien de temps vos informations sont gardées') + ul > li")
    assert periods.count() >= 3
    expect(periods.first).to_contain_text(re.compile(r"\d+ (an|ans|mois|jours?)\b"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(page.url) == [], page.url

    # Marie logs in and lands on her account page.
    page.goto(base + "/comptes/login/")
    page.get_by_label(re.compile("Adresse e-mail|E-mail|Courriel", re.I)).fill("marie.dupont@example.org")
    page.get_by_label(re.compile("Mot de passe", re.I)).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Connexion", re.I)).click()
    expect(page.locator("h1")).to_have_text("Mon compte")
    expect(page.get_by_role("heading", name="Vos données personnelles")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The links answer with the right kind of file (her session, the page's own cookies).
    pdf = page.get_by_role("link", name="Télécharger mes données (PDF, à lire ou imprimer)")
    json_link = page.get_by_role("link", name="Télécharger mes données (JSON, pour un logiciel)")
    response = page.request.get(base + pdf.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    response = page.request.get(base + json_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "Dupont" in response.text()

    # By keyboard: Tab reaches the PDF link, Enter downloads it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Télécharger mes données (PDF"):
            break
    else:
        pytest.fail("the PDF link cannot be reached with Tab")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")

    assert axe(page.url, cookies=page.context.cookies()) == [], page.url
