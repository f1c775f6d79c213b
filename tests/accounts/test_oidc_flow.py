"""FranceConnect and ProConnect, end to end, against a real OpenID provider.

The provider is django-oauth-toolkit in OIDC mode (tests/oidc_provider/), served with Relais
by pytest-django's live server: Relais is reached as http://127.0.0.1:PORT and the provider as
http://localhost:PORT/o, so that the two keep separate cookies like two sites. A visitor
(`requests.Session`) clicks the button on Relais' login page, logs in at the provider's own
page, consents, comes back through allauth's callback and is, or is not, logged in to Relais.
Nothing of allauth is mocked: discovery, token, userinfo, keys and the ID token are real.

The server runs in a thread on the test's own database connection (tests/oidc_provider/server.py),
so each test is rolled back like any other.
"""

from __future__ import annotations

import html
import re

import pytest
import requests
from django.contrib.sessions.models import Session
from django.urls import reverse
from oauth2_provider.models import Application

from relais.accounts import oidc_config
from relais.accounts.models import IdentityLinkRequest, Membership, Role, Team, User
from relais.core.models import AuditEvent, Person
from tests.conftest import staff_client
from tests.oidc_provider.validator import CLAIMS

SECRET = "test-client-secret-0123456789"
PASSWORD = "provider-password-0123"


@pytest.fixture(autouse=True)
def _claims():
    CLAIMS.clear()
    yield
    CLAIMS.clear()


class Site:
    """Relais and its test provider on one live server, under two host names."""

    def __init__(self, live_server: str, settings, *, accepted_acr=()):
        port = live_server.rsplit(":", 1)[1]
        self.relais = f"http://127.0.0.1:{port}"
        self.issuer = f"http://localhost:{port}/o"
        apps = []
        for provider_id, build, scopes in [
            ("franceconnect", oidc_config.franceconnect_app, oidc_config.FRANCECONNECT_SCOPES),
            ("proconnect", oidc_config.proconnect_app, oidc_config.PROCONNECT_SCOPES),
        ]:
            Application.objects.create(
                name=provider_id,
                client_id=f"relais-{provider_id}",
                client_secret=SECRET,
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                redirect_uris=f"{self.relais}/comptes/oidc/{provider_id}/login/callback/",
                algorithm=Application.RS256_ALGORITHM,
                skip_authorization=False,
            )
            apps.append(
                build(client_id=f"relais-{provider_id}", secret=SECRET, issuer=self.issuer, scopes=scopes.split(","))
            )
        settings.ROOT_URLCONF = "tests.oidc_provider.urls"
        settings.OIDC_APPS = apps
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": apps}
        }
        settings.PROCONNECT_ACCEPTED_ACR = list(accepted_acr)

    def identity(self, key: str, **claims) -> str:
        """A person known to the provider, asserting `claims`; returns their login there."""
        login = f"idp-{key}@idp.test"
        User.objects.create_user(email=login, password=PASSWORD)
        CLAIMS[login] = claims
        return login

    def login_with(self, button: str, provider_login: str, browser: requests.Session | None = None):
        """Click `button` on Relais' login page, log in at the provider, consent; the last response."""
        browser = browser or requests.Session()
        page = browser.get(f"{self.relais}{reverse('account_login')}")
        assert page.status_code == 200
        form = _form_with_button(page.text, button)
        response = browser.post(f"{self.relais}{form['action']}", data=form["fields"])
        # The provider's own login page (a different host: its own cookies).
        assert response.url.startswith(f"{self.issuer}/login/"), response.url
        provider_form = _forms(response.text)[0]
        response = browser.post(
            f"{self.issuer}/login/",
            data={**provider_form["fields"], "username": provider_login, "password": PASSWORD},
        )
        # The consent page, then back to Relais' callback.
        assert response.url.startswith(f"{self.issuer}/authorize/"), response.url
        consent = _forms(response.text)[0]
        response = browser.post(response.url, data={**consent["fields"], "allow": "Authorize"})
        response.browser = browser
        return response

    def logged_in_user(self, browser: requests.Session) -> User | None:
        key = browser.cookies.get("sessionid", domain="127.0.0.1")
        if not key:
            return None
        session = Session.objects.filter(session_key=key).first()
        user_id = session.get_decoded().get("_auth_user_id") if session else None
        return User.objects.filter(pk=user_id).first() if user_id else None


def _forms(page: str) -> list[dict]:
    forms = []
    for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", page, flags=re.S):
        action = re.search(r'action="([^"]*)"', attrs)
        fields = {}
        for tag in re.findall(r"<input[^>]*>", body):
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and 'type="hidden"' in tag:
                fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
        buttons = [
            html.unescape(re.sub(r"<[^>]+>", "", b)).strip()
            for b in re.findall(r"<button[^>]*>(.*?)</button>", body, flags=re.S)
        ]
        forms.append({"action": html.unescape(action.group(1)) if action else "", "fields": fields, "buttons": buttons})
    return forms


def _form_with_button(page: str, label: str) -> dict:
    for form in _forms(page):
        if label in form["buttons"]:
            return form
    raise AssertionError(f"no button {label!r} on the page")


def _resident(email: str, first: str, last: str) -> User:
    user = User.objects.create_user(email=email, password="resident-password-0123", full_name=f"{first} {last}")
    Person.objects.create(email=email, first_name=first, last_name=last, user=user, preferred_channel="email")
    return user


def _staff(email: str, role: str = Role.RECEPTION) -> User:
    user = User.objects.create_user(email=email, password="staff-password-0123", full_name="Agent Test")
    team = Team.objects.create(name=f"Accueil {email}", slug=f"accueil-{abs(hash(email)) % 10**6}")
    Membership.objects.create(user=user, team=team, role=role)
    return user


def _actions(user=None) -> list[str]:
    events = AuditEvent.objects.filter(action__startswith="accounts.identity.")
    if user is not None:
        events = events.filter(object_id=str(user.pk))
    return list(events.order_by("pk").values_list("action", flat=True))


FC = "S'identifier avec FranceConnect"
PC = "Se connecter avec ProConnect"


# --- FranceConnect ------------------------------------------------------------------------------


def test_a_new_resident_gets_an_account_and_a_person_with_the_names_the_state_certified(live_relais, settings):
    site = Site(live_relais, settings)
    login = site.identity(
        "new",
        email="Lea.Nouvelle@example.org",
        given_name="Léa Anne",
        family_name="Nouvelle",
        birthdate="1990-04-12",
    )
    response = site.login_with(FC, login)
    assert response.status_code == 200
    user = site.logged_in_user(response.browser)
    assert user is not None and user.email == "lea.nouvelle@example.org"
    assert response.url == f"{site.relais}{reverse('core:account')}"
    person = Person.objects.get(user=user)
    assert (person.first_name, person.last_name, person.birth_year) == ("Léa Anne", "Nouvelle", 1990)
    assert user.socialaccount_set.get().provider == "franceconnect"
    assert _actions(user) == ["accounts.identity.account_created"]


def test_a_person_met_at_the_counter_with_the_same_email_and_names_becomes_the_new_accounts_person(
    live_relais, settings
):
    site = Site(live_relais, settings)
    counter = Person.objects.create(email="jo.guichet@example.org", first_name="Jo", last_name="Guichet-Martin")
    homonym = Person.objects.create(email="jo.guichet@example.org", first_name="Joseph", last_name="Autre")
    login = site.identity("jo", email="jo.guichet@example.org", given_name="JO", family_name="guichet martin")
    response = site.login_with(FC, login)
    user = site.logged_in_user(response.browser)
    assert user is not None
    counter.refresh_from_db()
    homonym.refresh_from_db()
    assert counter.user == user
    assert homonym.user is None  # never two people merged
    assert Person.objects.filter(user=user).count() == 1


def test_an_existing_resident_with_the_same_names_is_linked_and_logged_in(live_relais, settings):
    site = Site(live_relais, settings)
    marie = _resident("marie.durand@example.org", "Marie", "Durand")
    # Accents, case, hyphens and all given names aside: the same person.
    login = site.identity("marie", email="marie.durand@example.org", given_name="Marie Hélène", family_name="DURAND")
    response = site.login_with(FC, login)
    assert site.logged_in_user(response.browser) == marie
    assert marie.socialaccount_set.get().provider == "franceconnect"
    assert _actions(marie) == ["accounts.identity.linked", "accounts.identity.login"]
    # Next time, the link opens the account directly.
    again = site.login_with(FC, login)
    assert site.logged_in_user(again.browser) == marie
    assert _actions(marie)[-1] == "accounts.identity.login"


def test_different_names_hold_the_login_until_a_reception_agent_confirms(live_relais, settings):
    site = Site(live_relais, settings)
    account = _resident("c.martin@example.org", "Claire", "Martin")
    login = site.identity(
        "other", email="c.martin@example.org", given_name="Camille", family_name="Martin", birthdate="1985-01-02"
    )
    response = site.login_with(FC, login)
    assert response.status_code == 403
    assert "Confirmez votre identité à l'accueil" in html.unescape(response.text)
    assert site.logged_in_user(response.browser) is None
    assert not account.socialaccount_set.exists()
    link = IdentityLinkRequest.objects.get()
    assert (link.user, link.status, link.given_name) == (account, "pending", "Camille")
    assert _actions(account) == ["accounts.identity.held"]

    # Trying again neither logs in nor piles up requests.
    site.login_with(FC, login)
    assert IdentityLinkRequest.objects.count() == 1

    agent = User.objects.get(email="accueil@valbrenne.fr")  # the demo's reception agent
    counter = staff_client(agent)
    listing = counter.get(reverse("accounts:identity_link_list"))
    assert "c.martin@example.org" in listing.content.decode()
    page = counter.get(link.get_absolute_url())
    assert "Camille" in page.content.decode() and "Claire" in page.content.decode()
    assert counter.post(link.get_absolute_url(), {"decision": "confirm"}).status_code == 302
    link.refresh_from_db()
    assert (link.status, link.decided_by) == ("confirmed", agent)
    assert AuditEvent.objects.filter(action="accounts.identity.confirmed", actor=agent).exists()

    response = site.login_with(FC, login)
    assert site.logged_in_user(response.browser) == account


def test_a_refused_match_links_nothing(live_relais, settings):
    site = Site(live_relais, settings)
    account = _resident("r.petit@example.org", "René", "Petit")
    login = site.identity("r", email="r.petit@example.org", given_name="Rose", family_name="Grand")
    site.login_with(FC, login)
    link = IdentityLinkRequest.objects.get()
    counter = staff_client(User.objects.get(email="accueil@valbrenne.fr"))
    counter.post(link.get_absolute_url(), {"decision": "refuse"})
    link.refresh_from_db()
    assert link.status == "refused"
    response = site.login_with(FC, login)
    assert site.logged_in_user(response.browser) is None
    assert not account.socialaccount_set.exists()


# --- ProConnect ---------------------------------------------------------------------------------


def test_proconnect_without_an_accepted_acr_still_asks_for_the_second_factor(live_relais, settings):
    from allauth.mfa.models import Authenticator

    site = Site(live_relais, settings, accepted_acr=["eidas2", "eidas3"])
    agent = _staff("agent.pc@valbrenne.fr")
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    login = site.identity("agent", email="agent.pc@valbrenne.fr", given_name="Agent", usual_name="Test", acr="eidas1")
    response = site.login_with(PC, login)
    assert response.url == f"{site.relais}{reverse('mfa_authenticate')}"
    assert site.logged_in_user(response.browser) is None
    staff_home = response.browser.get(f"{site.relais}{reverse('people:staff_home')}", allow_redirects=False)
    assert staff_home.status_code == 302 and "gestion" not in staff_home.headers["Location"].split("?")[0]
    events = AuditEvent.objects.filter(action="accounts.identity.login", object_id=str(agent.pk))
    assert events.get().details["second_factor"] == "relais"


def test_proconnect_without_an_accepted_acr_for_an_agent_without_factor_goes_to_the_invitation(live_relais, settings):
    site = Site(live_relais, settings)  # the town accepts no acr at all
    agent = _staff("agent.nouveau@valbrenne.fr")
    login = site.identity("n", email="agent.nouveau@valbrenne.fr", given_name="Agent", usual_name="Test", acr="eidas3")
    response = site.login_with(PC, login)
    assert site.logged_in_user(response.browser) == agent
    staff_home = response.browser.get(f"{site.relais}{reverse('people:staff_home')}", allow_redirects=False)
    assert staff_home.headers["Location"] == reverse("accounts:invitation")


def test_proconnect_with_an_accepted_acr_opens_the_staff_pages_without_our_second_factor(live_relais, settings):
    from allauth.mfa.models import Authenticator

    site = Site(live_relais, settings, accepted_acr=["eidas2", "eidas3"])
    agent = _staff("agent.fort@valbrenne.fr")
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    login = site.identity(
        "fort", email="Agent.Fort@valbrenne.fr", given_name="Agent", usual_name="Fort", acr="eidas2", amr=["pwd", "otp"]
    )
    response = site.login_with(PC, login)
    assert site.logged_in_user(response.browser) == agent
    assert response.url == f"{site.relais}{reverse('people:staff_home')}"
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.identity.login", object_id=str(agent.pk))
    assert (event.details["second_factor"], event.details["acr"]) == ("provider", "eidas2")


def test_proconnect_for_an_unknown_email_is_refused_in_french(live_relais, settings):
    site = Site(live_relais, settings, accepted_acr=["eidas2"])
    _resident("habitant@example.org", "Paul", "Habitant")  # a resident is no agent either
    for key, email in [("inconnu", "inconnu@autre-administration.fr"), ("habitant", "habitant@example.org")]:
        login = site.identity(key, email=email, given_name="X", usual_name="Y", acr="eidas2")
        response = site.login_with(PC, login)
        assert response.status_code == 403
        assert "Aucun compte d'agent de la mairie ne correspond" in html.unescape(response.text)
        assert site.logged_in_user(response.browser) is None
    assert not User.objects.filter(email="inconnu@autre-administration.fr").exists()
    assert _actions() == ["accounts.identity.refused", "accounts.identity.refused"]


def test_a_login_link_cannot_lower_the_level_asked_nor_skip_the_nonce(live_relais, settings):
    site = Site(live_relais, settings)
    browser = requests.Session()
    page = browser.get(f"{site.relais}{reverse('account_login')}")
    form = _form_with_button(page.text, FC)
    response = browser.post(
        f"{site.relais}{form['action']}?auth_params=acr_values%3Deidas0%26nonce%3Dfixed",
        data=form["fields"],
        allow_redirects=False,
    )
    location = response.headers["Location"]
    assert "acr_values=eidas1" in location
    nonce = re.search(r"[?&]nonce=([^&]+)", location).group(1)
    assert nonce != "fixed" and len(nonce) >= 32
    # Another login, another nonce.
    second = browser.post(f"{site.relais}{form['action']}", data=form["fields"], allow_redirects=False)
    assert re.search(r"[?&]nonce=([^&]+)", second.headers["Location"]).group(1) != nonce
