"""A resident files a request with JavaScript off on a small screen; an agent works it.
axe-core runs on every page visited, error states included."""

import re

from playwright.sync_api import expect

from relais.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.totp_clock import next_code


def test_a_resident_files_a_request_without_javascript(server, no_js_page, axe):
    page = no_js_page
    page.goto(server["url"] + "/demandes/")
    assert axe(page.url) == [], page.url
    page.get_by_role("link", name="Demander un rendez-vous au CCAS").click()
    assert axe(page.url) == [], page.url
    page.get_by_role("button", name="Commencer").click()

    # An answer forgotten: explained beside the field, the summary links to it.
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-summary")).to_contain_text("Choisissez une réponse.")
    expect(page).to_have_title(re.compile("^Erreur :"))
    assert axe(page) == [], page.url
    page.get_by_label("Logement").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Dites-nous en quelques mots").fill("Mon bail se termine en janvier.")
    assert axe(page.url) == [], page.url
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Le matin").check()
    page.get_by_role("button", name="Continuer").click()

    expect(page.locator("h1")).to_have_text("Vos coordonnées")
    page.get_by_label("Prénom").fill("Rose")
    page.get_by_label("Nom", exact=True).fill("Petit")
    page.get_by_label("Courrier postal").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-summary")).to_contain_text("Indiquez l'adresse (numéro et rue)")
    assert axe(page) == [], page.url
    page.get_by_label("Adresse postale").fill("8 rue des Écoles")
    page.get_by_label("Code postal").fill("37500")
    page.get_by_label("Commune").fill("Valbrenne")
    page.get_by_role("button", name="Continuer").click()

    expect(page.locator("h1")).to_contain_text("Vérifiez votre demande")
    expect(page.locator("main")).to_contain_text("Mon bail se termine en janvier.")
    assert axe(page.url) == [], page.url
    page.get_by_role("button", name="Envoyer la demande").click()

    expect(page.locator(".receipt .stat")).to_have_text(re.compile(r"^\d{4}-\d{5}$"))
    expect(page.locator("main")).to_contain_text("Reçue")
    assert axe(page.url) == [], page.url
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le récépissé (PDF)").click(modifiers=["Alt"])
    assert download.value.suggested_filename.startswith("recepisse-")

    # Rose reads on paper: her letter shows a code, not the link. With the code and the
    # one detail Relais knows of her (her postcode), she opens her request again.
    code = _latest_paper_code(server)
    page.goto(server["url"] + "/code/")
    assert axe(page.url) == [], page.url
    page.get_by_label("Votre code").fill(f"{code[:4]} {code[4:8]} {code[8:]}")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Vérifions que c'est bien vous")
    page.get_by_label("Votre code postal").fill("37000")
    page.get_by_role("button", name="Ouvrir ma page").click()
    expect(page.locator(".error-summary")).to_contain_text("pas la bonne réponse")
    assert axe(page) == [], page.url
    page.get_by_label("Votre code postal").fill("37500")
    page.get_by_role("button", name="Ouvrir ma page").click()
    expect(page.locator(".receipt .stat")).to_have_text(re.compile(r"^\d{4}-\d{5}$"))


def _latest_paper_code(server) -> str:
    """The code Relais printed last (on Rose's receipt), read from the server's database."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = "from relais.core.models import AccessCode; print(AccessCode.objects.latest('pk').code)"
    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "shell", "--no-imports", "-c", script],
        env=server["env"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def staff_login(page, server, email):
    page.goto(server["url"] + "/comptes/login/")
    page.get_by_label(re.compile("Courriel|Adresse e-mail", re.I)).fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Connexion", re.I)).click()
    page.get_by_label(re.compile("Code", re.I)).fill(next_code(server["totp_clock"], DEMO_TOTP_SECRET))
    page.get_by_role("button", name=re.compile("Se connecter|Connexion|Valider", re.I)).click()


def test_a_case_worker_works_the_queue(server, page, axe):
    base = server["url"]
    staff_login(page, server, "etat-civil@valbrenne.fr")
    page.goto(base + "/gestion/dossiers/?onglet=toutes")
    expect(page.locator("h1")).to_have_text("Dossiers")
    cookies = page.context.cookies()
    assert axe(page.url, cookies=cookies) == []
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", name="Changer l'état")).to_be_visible()
    assert axe(page.url, cookies=cookies) == []
