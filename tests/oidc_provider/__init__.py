"""A real OpenID Connect provider for the tests (django-oauth-toolkit in OIDC mode).

It plays FranceConnect or ProConnect: `tests.oidc_provider.urls` mounts it under /o/ beside
Relais, on the live server. Its users are accounts of its own (`idp-…@idp.test`) whose
claims (the identity it asserts) are set by each test in `CLAIMS`.
"""
