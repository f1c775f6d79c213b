"""Who calls the API: an application key, sent as `Authorization: Bearer rls_…`.

On success the request carries the application (`request.application`) and acts as its
technical account (`request.user`), so the domain services, their permission checks and
the journal see the application like any other actor.
"""

from __future__ import annotations

from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from relais.api import keys


def attach(request, application) -> None:
    request.application = application
    request.user = application.user


class ApplicationKey(HttpBearer):
    openapi_description = (
        "Clé d'application (créée par un administrateur de la commune) : « Authorization: Bearer rls_… »."
    )

    def authenticate(self, request, token):
        application = keys.authenticate(token)
        if application is not None:
            attach(request, application)
        return application


def require(request, scope: str) -> None:
    """403 unless the calling application holds `scope`."""
    if not request.application.allows(scope):
        raise AuthorizationError()


application_key = ApplicationKey()
