from oauth2_provider.oauth2_validators import OAuth2Validator

# provider user's e-mail -> the claims the provider asserts for them (set by each test)
CLAIMS: dict[str, dict] = {}


class Validator(OAuth2Validator):
    """Claims of the identity the test chose, each released when its scope is granted; `acr`
    and `amr` go in the ID token when the test sets them (a strong ProConnect login)."""

    oidc_claim_scope = {
        "sub": "openid",
        "acr": "openid",
        "amr": "openid",
        "email": "email",
        "email_verified": "email",
        "given_name": "given_name",
        "family_name": "family_name",
        "preferred_username": "preferred_username",
        "birthdate": "birthdate",
        "usual_name": "usual_name",
    }

    def get_additional_claims(self, request):
        return dict(CLAIMS.get(request.user.email, {}))
