"""The mutual-aid board in a real browser: browsing, posting and answering with JavaScript off
on a 320 px screen, moderation screens, and axe-core on every page visited."""

import re

from django.core import signing
from playwright.sync_api import expect

from relais.accounts.demo import DEMO_TOTP_SECRET
from relais.mutualaid.services.links import RENEW_SALT
from tests.browser.totp_clock import next_code


def log_in(page, base, email, totp_clock=None):
    page.goto(base + "/comptes/login/")
    page.get_by_label(re.compile("Adresse e-mail|E-mail|Courriel", re.I)).fill(email)
    page.get_by_label(re.compile("Mot de passe", re.I)).fill("relais-demo")
    page.get_by_role("button", name=re.compile("Connexion", re.I)).click()
    if totp_clock:
        expect(page.get_by_label(re.compile("Code", re.I))).to_be_visible()
        page.get_by_label(re.compile("Code", re.I)).fill(next_code(totp_clock, DEMO_TOTP_SECRET))
        page.get_by_role("button", name=re.compile("Se connecter|Connexion|Valider|Confirmer", re.I)).click()


def test_browse_filter_search_and_read_the_board_without_javascript(server, no_js_page, axe):
    page, base, visited = no_js_page, server["url"], []
    page.goto(base + "/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Entraide").click()
    expect(page.locator("h1")).to_have_text("Entraide entre voisins")
    visited.append(page.url)

    page.get_by_label("Type").select_option(label="Demande")
    page.get_by_label("Quartier").select_option(label="Centre-ville")
    page.get_by_role("button", name="Afficher les annonces").click()
    expect(page).to_have_url(re.compile(r"kind=request.*quartier=centre-ville"))
    visited.append(page.url)
    expect(page.locator(".listing-card").first).to_contain_text("Centre-ville")
    expect(page.locator(".listing-card", has_text="Une visite de temps en temps")).to_be_visible()

    page.get_by_label("Rechercher").fill("perceuse")
    page.get_by_label("Type").select_option(label="Offres et demandes")
    page.get_by_label("Quartier").select_option(label="Tous les quartiers")
    page.get_by_role("button", name="Afficher les annonces").click()
    visited.append(page.url)
    expect(page.locator(".listing-card")).to_have_count(1)
    page.locator(".listing-card .card-link").first.click()

    expect(page.locator("h1")).to_have_text("Je prête perceuse, escabeau et tondeuse")
    expect(page.get_by_text("Le Port", exact=True)).to_be_visible()
    visited.append(page.url)
    page.get_by_role("link", name=re.compile("Signaler cette annonce")).click()
    expect(page.locator("h1")).to_have_text("Signaler une annonce")
    visited.append(page.url)

    page.goto(base + "/entraide/")
    page.get_by_role("link", name=re.compile("Comment ça marche")).click()
    expect(page.get_by_role("heading", name="Avant une première rencontre")).to_be_visible()
    visited.append(page.url)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    for url in visited:
        assert axe(url) == [], url


def test_a_resident_answers_a_listing_without_javascript(server, no_js_page, axe):
    page, base, visited = no_js_page, server["url"], []
    log_in(page, base, "marie.dupont@example.org")
    page.goto(base + "/entraide/?q=ordinateur+t%C3%A9l%C3%A9phone")
    page.get_by_role("link", name="Aide pour l'ordinateur et le téléphone").click()
    page.get_by_role("link", name="Répondre à Thomas G.").click()
    expect(page.get_by_role("heading", name="Avant une première rencontre")).to_be_visible()
    visited.append(page.url)

    # Errors first: nothing typed, advice not acknowledged, then a phone number in the message.
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator(".error-summary")).to_contain_text("Écrivez votre message.")
    expect(page.locator(".error-summary")).to_contain_text("Lisez les conseils de sécurité")
    assert axe(page) == []  # the error state itself, as the POST answered it
    page.get_by_label("Votre message").fill("Bonjour, appelez-moi au 06 12 34 56 78")
    page.get_by_label("J'ai lu les conseils de sécurité ci-dessus.").check()
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator(".error-summary")).to_contain_text("N'écrivez ni numéro de téléphone")
    expect(page.get_by_label("Votre message")).to_have_value("Bonjour, appelez-moi au 06 12 34 56 78")
    assert axe(page) == []

    page.get_by_label("Votre message").fill("Bonjour Thomas, ma voisine voudrait apprendre les appels vidéo.")
    page.get_by_label("J'ai lu les conseils de sécurité ci-dessus.").check()
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator("h1")).to_have_text("Conversation avec Thomas G.")
    expect(page.locator(".messages-list")).to_contain_text("ma voisine voudrait apprendre")
    expect(page.locator("main")).not_to_contain_text("thomas.garnier@example.org")
    visited.append(page.url)

    page.get_by_role("button", name="J'accepte d'échanger mes coordonnées").click()
    expect(page.locator(".messages")).to_contain_text("seulement si l'autre personne accepte aussi")
    expect(page.locator("main")).not_to_contain_text("06 11 22 33 44")
    expect(page.locator("main")).not_to_contain_text("0611223344")
    visited.append(page.url)

    page.get_by_role("link", name="Remercier Thomas G.").click()
    visited.append(page.url)
    page.goto(base + "/entraide/mes-annonces/")
    expect(page.locator("#conversations ~ ul")).to_contain_text("Thomas G.")
    visited.append(page.url)
    page.goto(base + "/compte/")
    expect(page.get_by_role("heading", name="Entraide entre voisins")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    cookies = page.context.cookies()
    for url in visited:
        assert axe(url, cookies=cookies) == [], url


def test_a_resident_posts_a_listing_without_javascript(server, no_js_page, axe):
    page, base = no_js_page, server["url"]
    log_in(page, base, "marie.dupont@example.org")
    page.goto(base + "/entraide/")
    page.get_by_role("link", name="Déposer une annonce").first.click()
    form_url = page.url
    page.get_by_role("button", name="Envoyer mon annonce").click()
    expect(page.locator(".error-summary")).to_contain_text("Donnez un titre à votre annonce.")
    error_url = page.url
    assert axe(page) == []  # the form with its errors, as the POST answered it

    page.get_by_label("Je propose de l'aide").check()
    page.get_by_label("Catégorie").select_option(label="Jardinage")
    page.get_by_label("Quartier").select_option(label="Les Tilleuls")
    page.get_by_label("Titre de l'annonce").fill("Arroser les plantes pendant les vacances")
    page.get_by_label("Votre annonce").fill("Je peux arroser vos plantes et relever le courrier pendant vos vacances.")
    page.get_by_label("Quand êtes-vous disponible ?").fill("En juillet et en août")
    page.get_by_label(re.compile("J'ai lu « Comment ça marche »")).check()
    page.get_by_role("button", name="Envoyer mon annonce").click()

    expect(page.locator("h1")).to_have_text("Arroser les plantes pendant les vacances")
    expect(page.locator(".messages")).to_contain_text("L'équipe d'entraide la relit")
    expect(page.locator("main")).to_contain_text("En attente de relecture")
    assert error_url == form_url
    visited = [page.url]
    page.get_by_role("link", name="Modifier").click()
    expect(page.locator("h1")).to_have_text("Modifier mon annonce")
    visited.append(page.url)
    # The one-click renewal link of a reminder e-mail (signed with the server's key), for the
    # expiry it was sent for: none yet, the listing is not published.
    listing_id = int(re.search(r"/annonces/(\d+)/", visited[0]).group(1))
    token = signing.dumps(
        {"listing": listing_id, "expires": None}, key=server["env"]["SECRET_KEY"], salt=RENEW_SALT, compress=True
    )
    page.goto(f"{base}/entraide/prolonger/{token}/")
    expect(page.locator("main")).to_contain_text("ne peut pas être prolongée")  # still waiting for moderation
    visited.append(page.url)
    page.goto(base + "/entraide/mes-annonces/")
    page.get_by_role("link", name="Courses le samedi matin").click()
    page.get_by_role("link", name="Terminer l'annonce").click()
    expect(page.get_by_text("Est-ce que ça a marché ?")).to_be_visible()
    visited.append(page.url)
    cookies = page.context.cookies()
    for url in visited:
        assert axe(url, cookies=cookies) == [], url


def test_moderation_screens_pass_axe(server, page, axe):
    base = server["url"]
    log_in(page, base, "moderation@valbrenne.fr", totp_clock=server["totp_clock"])
    page.goto(base + "/gestion/entraide/")
    expect(page.locator("h1")).to_have_text("Entraide : à traiter")
    visited = [page.url]
    page.locator("#a-relire ~ .table-wrap a").first.click()
    expect(page.get_by_role("heading", name="Décision", exact=True)).to_be_visible()
    visited.append(page.url)
    page.goto(base + "/gestion/entraide/")
    page.locator("#signalements ~ .table-wrap a").first.click()
    visited.append(page.url)
    page.goto(base + "/gestion/entraide/relais/")
    page.get_by_role("link", name="MARTIN Jeanne").click()
    expect(page.locator(".panel").first).to_contain_text("Marie D.")
    visited.append(page.url)
    page.get_by_role("link", name="Saisir sa réponse").first.click()
    expect(page.get_by_role("heading", name=re.compile("Écrire la réponse de MARTIN Jeanne"))).to_be_visible()
    visited.append(page.url)
    # Her history, then the error states of the suspension form and of closing for her.
    page.locator("main").get_by_role("link", name="MARTIN Jeanne").first.click()
    expect(page.locator("h1")).to_have_text("Entraide : MARTIN Jeanne")
    visited.append(page.url)
    page.get_by_text("Suspendre sa participation").click()
    page.get_by_role("button", name="Suspendre", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("Expliquez la suspension")
    assert axe(page) == []
    page.get_by_role("link", name="Une visite de temps en temps", exact=True).click()
    page.get_by_text("Terminer l'annonce pour la personne").click()
    page.get_by_role("button", name="Terminer", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("Dites-nous si ça a marché.")
    assert axe(page) == []
    for path in ["/gestion/entraide/annonces/", "/gestion/entraide/reglages/", "/gestion/entraide/deposer/"]:
        visited.append(base + path)
    cookies = page.context.cookies()
    for url in visited:
        assert axe(url, cookies=cookies) == [], url
