"""FranceConnect and ProConnect without a provider: off by default, buttons, name matching.

The whole login flow, against a real provider, is in test_oidc_flow.py.
"""

import html
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from relais.accounts import oidc_config
from relais.accounts.oidc import Identity, normalise_name


def _configure(settings, *providers):
    apps = []
    if "franceconnect" in providers:
        apps.append(
            oidc_config.franceconnect_app(
                client_id="fc", secret="s", issuer="https://fc.example.gouv.fr/api/v2", scopes=["openid"]
            )
        )
    if "proconnect" in providers:
        apps.append(
            oidc_config.proconnect_app(
                client_id="pc", secret="s", issuer="https://pc.example.gouv.fr/api/v2", scopes=["openid"]
            )
        )
    settings.OIDC_APPS = apps
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": apps}
    }


def test_with_no_provider_configured_the_login_page_has_no_button_and_the_login_url_does_nothing(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "FranceConnect" not in page and "ProConnect" not in page
    url = reverse("openid_connect_login", kwargs={"provider_id": "franceconnect"})
    assert client.post(url).status_code == 404


def test_relais_installs_nothing_of_it_unless_a_provider_is_configured():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print('allauth.socialaccount' in s.INSTALLED_APPS, len(s.OIDC_APPS))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRANCECONNECT_", "PROCONNECT_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "relais.settings", "RELAIS_DOTENV": "", "DEBUG": "1"})
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert off.stdout.split() == ["False", "0"]
    env.update({"FRANCECONNECT_CLIENT_ID": "id", "FRANCECONNECT_SECRET": "secret"})
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert on.stdout.split() == ["True", "1"]
    env.pop("FRANCECONNECT_SECRET")
    missing = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert missing.returncode != 0 and "FRANCECONNECT_SECRET" in missing.stderr


def test_the_buttons_are_text_forms_posted_to_allauth(client, db, settings):
    _configure(settings, "franceconnect", "proconnect")
    page = html.unescape(client.get(reverse("account_login") + "?next=/mon-compte/").content.decode())
    assert "S'identifier avec FranceConnect" in page
    assert "Se connecter avec ProConnect" in page
    for provider_id in ("franceconnect", "proconnect"):
        action = reverse("openid_connect_login", kwargs={"provider_id": provider_id})
        assert f'<form method="post" action="{action}?process=login&next=%2Fmon-compte%2F">' in page
    assert "<img" not in page.split('class="identity-providers"')[1]


def test_the_login_page_lets_its_buttons_reach_the_providers(client, db, settings):
    _configure(settings, "franceconnect")
    policy = client.get(reverse("account_login"))["Content-Security-Policy"]
    assert "form-action 'self' https://fc.example.gouv.fr;" in policy


def test_only_the_configured_provider_shows(client, db, settings):
    _configure(settings, "proconnect")
    page = html.unescape(client.get(reverse("account_login")).content.decode())
    assert "Se connecter avec ProConnect" in page
    assert "FranceConnect" not in page


@pytest.mark.parametrize(
    ("first", "last", "given", "family", "usage", "same"),
    [
        ("Marie", "Dupont", "Marie", "Dupont", "", True),
        ("marie", "DUPONT", "Marie Hélène", "Dupont", "", True),  # every given name from FranceConnect
        ("Jean-Pierre", "Le Goff", "Jean Pierre Yves", "LE-GOFF", "", True),
        ("Élodie", "N'Diaye", "Elodie", "N’DIAYE", "", True),
        ("Anne", "Martin", "Anne", "Durand", "Martin", True),  # the usage name (married name)
        ("Marie", "Dupont", "Marianne", "Dupont", "", False),
        ("Marie", "Dupont", "Hélène Marie", "Dupont", "", False),
        ("Marie", "Dupont", "Marie", "Dupond", "", False),
        ("", "Dupont", "Marie", "Dupont", "", False),  # nothing to compare: never a match
    ],
)
def test_names_match_accents_case_hyphens_and_given_names_aside(first, last, given, family, usage, same):
    identity = Identity(provider="franceconnect", uid="x", given_name=given, family_name=family, usage_name=usage)
    assert identity.names_match(first, last) is same


def test_normalised_names():
    assert normalise_name("  Jean-François  D’ARCY ") == "jean francois d arcy"


def test_an_acr_or_amr_counts_only_when_the_town_accepts_it(settings):
    settings.PROCONNECT_ACCEPTED_ACR = ["eidas2", "mfa"]
    assert Identity(provider="proconnect", uid="x", acr="eidas2").strong_factor() == "eidas2"
    assert Identity(provider="proconnect", uid="x", acr="eidas1", amr=["pwd", "mfa"]).strong_factor() == "mfa"
    assert Identity(provider="proconnect", uid="x", acr="eidas1", amr=["pwd"]).strong_factor() == ""
    settings.PROCONNECT_ACCEPTED_ACR = []
    assert Identity(provider="proconnect", uid="x", acr="eidas3").strong_factor() == ""


def test_a_provider_that_does_not_answer_gets_a_page_in_french_not_a_server_error(client, db, settings):
    _configure(settings, "franceconnect")
    # A closed port on this machine: refused at once, nothing leaves it.
    settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]["settings"]["server_url"] = "http://127.0.0.1:9/api"
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "franceconnect"}))
    assert response.status_code == 503
    assert "FranceConnect ne répond pas" in html.unescape(response.content.decode())
