"""Follow a request by its reference with a wrong then a right detail, the town's 404 that
leads there, and a correction of one answer from the agent's request to "correction reçue"
in the queue. JavaScript off and 320 px for the resident; axe-core on every page."""

import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_cases import staff_login

ROOT = Path(__file__).resolve().parents[2]


def _shell(server, script: str) -> str:
    """Run `script` in the server's database (a separate process, like an operator would)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", script],
        env=server["env"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _case(server, form_slug: str) -> tuple[str, str]:
    """(reference, follow-up address) of Marie Dupont's request of that form."""
    script = (
        "from relais.cases.models import Case; "
        f"c = Case.objects.filter(form__slug='{form_slug}', person__email='marie.dupont@example.org')"
        ".order_by('pk').first(); print(c.reference, c.get_tracking_url())"
    )
    reference, url = _shell(server, script).split()
    return reference, url


def test_a_resident_follows_a_request_by_its_reference(server, no_js_page, axe):
    page = no_js_page
    reference, tracking = _case(server, "inscription-scolaire")
    # A link copied wrong: the town's page, which suggests following the request by its number.
    page.goto(server["url"] + f"/suivi/{reference}/lien-coupe")
    expect(page.locator("h1")).to_have_text("Page introuvable")
    assert axe(page) == [], page.url
    page.get_by_role("link", name="Suivre cette demande avec son numéro").click()
    expect(page.get_by_label("Numéro de votre demande")).to_have_value(reference)
    assert axe(page.url) == [], page.url

    # Typed as read over the phone, with a wrong detail (her birth year: she gave a phone, so
    # its last digits are asked): one message, nothing revealed, the other ways named.
    detail = page.get_by_label("Les 4 derniers chiffres de votre téléphone")
    page.get_by_label("Numéro de votre demande").fill(reference.replace("-", " ").replace("0", "O"))
    detail.fill("1984")
    page.get_by_role("button", name="Voir ma demande").click()
    expect(page.locator(".error-summary")).to_contain_text("ne vont pas ensemble")
    expect(page.locator(".error-summary")).to_contain_text("le code à 12 chiffres de votre courrier")
    expect(page).to_have_title(re.compile("^Erreur :"))
    assert axe(page) == [], page.url

    detail.fill("56 78")
    page.get_by_role("button", name="Voir ma demande").click()
    # A read-only page, never the private link.
    expect(page.locator(".receipt .stat")).to_have_text(reference)
    assert page.url.endswith(f"/suivi/{reference}/") and tracking not in page.url
    expect(page.locator("#lecture-seule")).to_contain_text("utilisez le lien reçu avec votre récépissé")
    expect(page.get_by_role("button", name="Envoyer au service")).to_have_count(0)
    assert tracking.split("/")[-2] not in page.content()
    assert axe(page) == [], page.url


def test_a_correction_of_one_answer_from_the_request_to_correction_received(server, page, no_js_page, axe):
    base = server["url"]
    reference, tracking = _case(server, "attestation-accueil")

    # The case worker points at one answer and says why.
    staff_login(page, server, "etat-civil@valbrenne.fr")
    page.goto(base + f"/gestion/dossiers/{reference}/")
    cookies = page.context.cookies()
    page.get_by_role("button", name="Demander la correction").click()
    expect(page.locator("#correction-title ~ form .error-summary")).to_contain_text("Dites à l'habitant")
    assert axe(page) == [], page.url
    page.get_by_label("Réponse à corriger").select_option(label="Sa nationalité")
    page.get_by_label("Ce qui ne va pas").fill("Indiquez la nationalité écrite sur le passeport.")
    page.get_by_role("button", name="Demander la correction").click()
    expect(page.locator(".messages")).to_contain_text("La demande de correction part")
    expect(page.locator("#historique ~ .timeline")).to_contain_text("Correction demandée")

    # The resident's follow-up page leads to just that question.
    resident = no_js_page
    resident.goto(base + tracking)
    assert axe(resident.url) == [], resident.url
    resident.get_by_role("link", name="Corriger « Sa nationalité »").click()
    expect(resident.locator("h1")).to_have_text("Sa nationalité")
    expect(resident.locator("main")).to_contain_text("Indiquez la nationalité écrite sur le passeport.")
    assert axe(resident.url) == [], resident.url
    resident.get_by_label("Sa nationalité").fill("")
    resident.get_by_role("button", name="Envoyer ma réponse corrigée").click()
    expect(resident.locator(".error-summary")).to_contain_text("Répondez à cette question.")
    assert axe(resident) == [], resident.url
    resident.get_by_label("Sa nationalité").fill("Sénégalaise")
    resident.get_by_role("button", name="Envoyer ma réponse corrigée").click()
    expect(resident.locator(".messages")).to_contain_text("Votre réponse corrigée est envoyée")
    expect(resident.locator(".timeline")).to_contain_text("Votre correction")

    # The queue shows it, and filters it.
    page.goto(base + "/gestion/dossiers/?onglet=toutes&correction=on")
    row = page.locator("tr", has_text=reference)
    expect(row).to_contain_text("correction reçue")
    assert axe(page.url, cookies=cookies) == []
    row.get_by_role("link", name=reference).click()
    expect(page.locator("main")).to_contain_text("avant : Sénégalaise")
