"""allauth's app entries for FranceConnect and ProConnect, built from the environment's values.

Plain data, no Django import: settings.py calls it (and the tests, against their provider).
"""

from __future__ import annotations

FRANCECONNECT_SCOPES = "openid,email,given_name,family_name,preferred_username,birthdate"
PROCONNECT_SCOPES = "openid,email,given_name,usual_name"


def franceconnect_app(*, client_id: str, secret: str, issuer: str, scopes: list[str]) -> dict:
    return {
        "provider_id": "franceconnect",
        "name": "FranceConnect",
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": issuer.rstrip("/"),
            "scope": scopes,
            # eidas1 is the level FranceConnect serves; a fresh nonce is added to every login
            # (relais.accounts.oidc_provider.Provider).
            "auth_params": {"acr_values": "eidas1"},
            "token_auth_method": "client_secret_post",
            # Addresses come from the identity providers (impots.gouv.fr, ameli.fr…).
            "verified_email": True,
        },
    }


def proconnect_app(*, client_id: str, secret: str, issuer: str, scopes: list[str]) -> dict:
    return {
        "provider_id": "proconnect",
        "name": "ProConnect",
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": issuer.rstrip("/"),
            "scope": scopes,
            # The acr and amr claims, so that a strong login may stand for the second factor.
            "auth_params": {"claims": '{"id_token": {"acr": {"essential": true}, "amr": {"essential": true}}}'},
            "token_auth_method": "client_secret_post",
            # Professional addresses, vouched for by the agent's administration.
            "verified_email": True,
        },
    }
