"""A new agent logs in, types the invitation code the administrator handed over, is made
to enrol a second factor, then reaches the staff pages."""

import re

from playwright.sync_api import expect

from relais.accounts.demo import DEMO_INVITATION_CODE
from tests.browser.totp_clock import next_code


def test_new_agent_enrols_totp_before_any_staff_page(server, page, axe):
    base = server["url"]
    page.goto(base + "/gestion/")
    expect(page).to_have_url(re.compile(r"/comptes/login/"))
    login_url = page.url
    page.get_by_label(re.compile("Adresse e-mail|E-mail|Courriel", re.I)).fill("nouvel.agent@valbrenne.fr")
    page.get_by_label(re.compile("Mot de passe", re.I)).fill("relais-demo")
    page.get_by_role("button", name=re.compile("Connexion", re.I)).click()

    # No enrolment before the invitation code: a leaked password alone is not enough.
    expect(page).to_have_url(re.compile(r"/compte/code-invitation/"))
    page.goto(base + "/comptes/2fa/totp/activate/")
    expect(page).to_have_url(re.compile(r"/compte/code-invitation/"))
    page.get_by_label("Code d'invitation").fill("ABCD-EFGH-JKMN")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-message")).to_contain_text("Ce code n'est pas le bon")
    assert axe(page) == []
    page.get_by_label("Code d'invitation").fill(DEMO_INVITATION_CODE)
    page.get_by_role("button", name="Continuer").click()

    expect(page).to_have_url(re.compile(r"/2fa/totp/activate/"))
    activation_url = page.url
    assert axe(login_url) == []
    assert axe(activation_url, cookies=page.context.cookies()) == []
    # Staff pages stay closed until the factor is enrolled.
    page.goto(base + "/gestion/personnes/")
    expect(page).to_have_url(re.compile(r"/2fa/totp/activate/"))
    # Each display of the page draws a new secret: read the one shown last.
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16

    code = next_code(server["totp_clock"], secret)
    page.get_by_label(re.compile("Code", re.I)).fill(code)
    page.get_by_role("button", name=re.compile("Activer", re.I)).click()

    page.goto(base + "/gestion/")
    expect(page.locator("h1")).to_contain_text("Bonjour")
    page.goto(base + "/gestion/personnes/")
    expect(page.locator("h1")).to_have_text("Trouver une personne")

    for url in [base + "/gestion/", base + "/gestion/personnes/?q=martin"]:
        assert axe(url, cookies=page.context.cookies()) == [], url
