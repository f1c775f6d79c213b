"""The provider's settings, with an RS256 signing key generated for this test run."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode(),
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validator.Validator",
    # FranceConnect's way: each claim is a scope of its own.
    "SCOPES": {
        "openid": "OpenID Connect",
        "email": "Adresse électronique",
        "given_name": "Prénoms",
        "family_name": "Nom de naissance",
        "preferred_username": "Nom d'usage",
        "birthdate": "Date de naissance",
        "usual_name": "Nom d'usage (ProConnect)",
    },
    "PKCE_REQUIRED": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}
