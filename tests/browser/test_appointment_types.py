"""An identity-card appointment, end to end in a real browser: a resident books it online
from the catalogue's fiche (JavaScript off, 320 px, a code typed before the slot is held),
two agents at the counter book the two counters of one time in parallel while a third
booking of that time is refused, then the resident moves to another place. axe-core runs
on every page."""

import json
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_cases import staff_login

ROOT = Path(__file__).resolve().parents[2]

# Run in the server's database: a second counter agent (second factor enrolled), and the
# people the counter books for.
SETUP = """
import json
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from relais.accounts.demo import DEMO_TOTP_SECRET
from relais.accounts.models import Membership, Role, Team, User
from relais.core.demo import DEMO_PASSWORD
from relais.core.models import Person
from relais.mediation.models import AppointmentType
for email, team, role in (("guichet2@valbrenne.fr", "accueil", Role.RECEPTION),
                          ("chef.etatcivil@valbrenne.fr", "etat-civil", Role.MANAGER)):
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": email.split("@")[0]})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.create(user=user, team=Team.objects.get(slug=team), role=role)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        TOTP.activate(user, DEMO_TOTP_SECRET)
people = [Person.objects.get_or_create(last_name=name, first_name="Dominique",
          defaults={"email": name.lower() + "@example.org", "preferred_channel": "email"})[0].pk
          for name in ("Guichetun", "Guichetdeux", "Guichettrois")]
kind = AppointmentType.objects.get(slug="carte-identite-passeport")
print(json.dumps({"people": people, "type": kind.pk, "fiche": kind.procedure.get_absolute_url()}))
"""

# The code went by e-mail (the test cannot read a mailbox): set a known one for this request.
KNOWN_CODE = """
from relais.mediation.models import BookingCode
from relais.mediation.services.appointments import _code_hash
hold = BookingCode.objects.get(token={token!r})
BookingCode.objects.filter(pk=hold.pk).update(code_hash=_code_hash(hold.token, "482913"))
print("ok")
"""


def _shell(server, script: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", script],
        env=server["env"], cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1]


def test_identity_card_online_at_two_counters_then_moved_to_another_place(server, browser, no_js_page, axe):
    base = server["url"]
    facts = json.loads(_shell(server, SETUP))
    page = no_js_page
    problems = {}

    def check(target=None):
        found = axe(page.url if target is None else target)
        if found:
            problems[page.url] = found

    # The resident, from the catalogue's fiche: "Prendre rendez-vous" leads to the type.
    page.goto(base + facts["fiche"])
    page.get_by_role("link", name=re.compile("Prendre rendez-vous")).click()
    expect(page.locator("h1")).to_contain_text("Carte d'identité et passeport")
    expect(page.locator(".checklist")).to_contain_text("photo d'identité")
    check()
    page.locator(".slots a").first.click()
    expect(page.get_by_role("heading", name="Votre rendez-vous")).to_be_visible()
    check()
    page.get_by_label("Nom", exact=True).fill("Lemaire")
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Par courriel").check()
    page.get_by_label("Adresse électronique").fill("ines.lemaire@example.org")
    page.get_by_role("button", name="Recevoir le code").click()
    expect(page.locator("h1")).to_have_text("Tapez le code reçu")
    check()
    token = page.url.rstrip("/").rsplit("/", 1)[1]
    _shell(server, KNOWN_CODE.format(token=token))
    page.get_by_label("Code reçu").fill("000000")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator(".error-summary")).to_contain_text("ne correspond pas")
    check(page)
    page.get_by_label("Code reçu").fill("482 913")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator("[data-appointment-status]")).to_have_attribute("data-appointment-status", "active")
    expect(page.locator(".facts")).to_contain_text("Hôtel de ville")
    manage_url = page.url
    check()

    # Two agents at the counter, in parallel, and a third booking of the same time.
    agents = []
    for email in ("accueil@valbrenne.fr", "guichet2@valbrenne.fr"):
        context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="fr-FR")
        agent = context.new_page()
        staff_login(agent, server, email)
        agents.append(agent)
    third = agents[0].context.new_page()
    pages = [agents[0], agents[1], third]
    slot_value = None
    for agent, person in zip(pages, facts["people"], strict=True):
        agent.goto(
            f"{base}/gestion/mediation/rendez-vous/prendre/?person={person}&type={facts['type']}&lieu=hotel-de-ville"
        )
        expect(agent.locator("h1")).to_contain_text("Rendez-vous pour")
        if slot_value is None:
            slot_value = agent.locator("input[name=slot]").nth(3).get_attribute("value")
        agent.locator(f'input[name=slot][value="{slot_value}"]').check()
        agent.get_by_label("Au guichet").check()
    assert axe(agents[0].url, cookies=agents[0].context.cookies()) == []
    for agent in agents:
        agent.get_by_role("button", name="Prendre ce rendez-vous").click()
        expect(agent.locator("h1")).to_contain_text("Rendez-vous du")
    counters = sorted(agent.locator(".facts").inner_text() for agent in agents)
    assert "guichet 1" in counters[0] + counters[1] and "guichet 2" in counters[0] + counters[1]
    third.get_by_role("button", name="Prendre ce rendez-vous").click()
    expect(third.locator(".error-summary")).to_contain_text("vient d'être pris")

    # The day's list, printable, shows each counter.
    agents[0].goto(f"{base}/gestion/rendez-vous/journee/")
    expect(agents[0].locator("h1")).to_contain_text("Rendez-vous du")
    assert axe(agents[0].url, cookies=agents[0].context.cookies()) == []
    for agent in agents:
        agent.context.close()

    # The resident moves to another place from their link.
    page.goto(manage_url)
    page.get_by_role("link", name="Changer d'horaire ou de lieu").click()
    check()
    page.get_by_role("link", name="Relais citoyen Sud – Le Port", exact=True).click()
    page.locator(".slots a").first.click()
    expect(page.get_by_role("button", name="Confirmer ce nouvel horaire")).to_be_visible()
    page.get_by_role("button", name="Confirmer ce nouvel horaire").click()
    expect(page.locator("[data-appointment-status]")).to_have_attribute("data-appointment-status", "active")
    expect(page.locator(".facts")).to_contain_text("Relais citoyen Sud")
    check()
    assert problems == {}


def test_a_manager_defines_the_types_and_their_openings(server, page, axe):
    base = server["url"]
    _shell(server, SETUP)
    staff_login(page, server, "chef.etatcivil@valbrenne.fr")
    page.goto(base + "/gestion/rendez-vous/types/")
    expect(page.locator("h1")).to_have_text("Types de rendez-vous")
    visited = [page.url]
    page.get_by_role("link", name="Carte d'identité et passeport").click()
    expect(page.locator("table")).to_contain_text("Hôtel de ville")
    visited.append(page.url)
    page.get_by_role("link", name="Modifier", exact=True).click()
    expect(page.get_by_label("Titre")).to_have_value("Carte d'identité et passeport")
    visited.append(page.url)
    page.go_back()
    page.get_by_role("link", name="Nouvelle ouverture").click()
    expect(page.get_by_label("Guichets")).to_have_value("1")
    visited.append(page.url)
    cookies = page.context.cookies()
    assert {url: found for url in visited if (found := axe(url, cookies=cookies))} == {}
