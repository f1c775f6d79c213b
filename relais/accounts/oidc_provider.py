"""allauth's side of FranceConnect and ProConnect: the provider class and the adapter.

Imported only when `allauth.socialaccount` is installed (a provider is configured, see
settings); the rules live in relais/accounts/oidc.py.
"""

from __future__ import annotations

import logging
import secrets

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import HttpRequest
from django.shortcuts import render

from relais.accounts import oidc
from relais.accounts.oidc import NONCE_STATE_KEY, PROVIDER_NAMES

logger = logging.getLogger(__name__)


class OAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """FranceConnect v2 and ProConnect answer userinfo as a signed JWT, not as JSON; a
    provider that does not answer gets a page in French, not a server error."""

    @property
    def openid_config(self):
        try:
            return super().openid_config
        except (requests.RequestException, ValueError) as error:
            logger.warning("OpenID provider %s unreachable: %s", self.provider_id, error)
            provider = PROVIDER_NAMES.get(self.provider_id, self.provider_id)
            raise ImmediateHttpResponse(
                render(self.request, "accounts/oidc_unavailable.html", {"provider_name": provider}, status=503)
            ) from error

    def _fetch_user_info(self, access_token: str) -> dict:
        with get_social_adapter().get_requests_session() as sess:
            response = sess.get(self.profile_url, headers={"Authorization": f"Bearer {access_token}"})
            response.raise_for_status()
        if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
            return jwtkit.verify_and_decode(
                credential=response.text.strip(),
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=self.get_provider().app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
            )
        return response.json()


class Provider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider (SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]).

    Adds a fresh `nonce` to every login (FranceConnect and ProConnect require one; the ID
    token must return it), and ignores the scope and parameters a link may add to the login
    URL (`?auth_params=acr_values=…`): only the configured ones are sent.
    """

    oauth2_adapter_class = OAuth2Adapter
    package = "allauth.socialaccount.providers.openid_connect"  # its URLs are allauth's

    def get_auth_params_from_request(self, request: HttpRequest, action):
        return self.get_auth_params()

    def get_scope_from_request(self, request: HttpRequest):
        return self.get_scope()

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        kwargs["auth_params"] = {**(kwargs.get("auth_params") or self.get_auth_params()), "nonce": nonce}
        kwargs[NONCE_STATE_KEY] = nonce  # stashed with the state, read back by identity_arrived
        return super().redirect(request, process, next_url, data, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Every login by FranceConnect or ProConnect goes through relais.accounts.oidc first."""

    def pre_social_login(self, request, sociallogin):
        oidc.identity_arrived(request=request, sociallogin=sociallogin)

    def is_auto_signup_allowed(self, request, sociallogin):
        return sociallogin.account.provider == oidc.FRANCECONNECT

    def is_open_for_signup(self, request, sociallogin):
        # ProConnect never creates an account (identity_arrived refused it already).
        return sociallogin.account.provider == oidc.FRANCECONNECT

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.full_name = oidc.Identity.of(sociallogin).full_name[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        oidc.account_created(request=request, sociallogin=sociallogin)
        return user
