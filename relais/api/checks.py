"""Deploy checks of the api app (`relais check --deploy`)."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def demo_key_absent(app_configs=None, **kwargs) -> list[Error]:
    """The demo town's published key must not exist on a real instance (its prefix opens
    nothing there anyway: relais.api.keys). Without a database (yet), nothing to say."""
    from relais.api.keys import DEMO_PREFIX, demo_allowed
    from relais.api.models import ApplicationKey

    if demo_allowed():
        return []
    try:
        found = ApplicationKey.objects.filter(prefix=DEMO_PREFIX).exists()
    except DatabaseError:
        return []
    if not found:
        return []
    return [
        Error(
            "The demo partner application's key (published in the source) exists in this database.",
            hint="Delete its application (demo data) or set RELAIS_DEMO for a demonstration instance.",
            id="relais_api.E001",
        )
    ]
