"""The demo town's partner application: the town's website, with a fixed, published key.

DEMO-ONLY: the key below is in the README and the Makefile's banner, so that the `curl`
examples work on `make demo`. Only its digest is stored, as for any key; `demo_load`
refuses to run on a real instance (DEBUG off) without --allow-without-debug. Revoke the
application (Gestion → Applications partenaires) if demo data ever reaches a real server.
"""

from __future__ import annotations

from relais.api import keys, services
from relais.api.models import Application, ApplicationKey, Scope

DEMO_KEY = "rls_demo00000000_cle-de-demonstration-publique-ne-pas-utiliser"
DEMO_PREFIX = "demo00000000"
DEMO_APPLICATION = "Site internet de la ville (démo)"


def load(stdout):
    application = Application.objects.filter(name=DEMO_APPLICATION, revoked_at__isnull=True).first()
    if application is None:
        # A public-service partner: files requests and books for residents, and follows
        # what it filed; no team (it sees only its own records).
        application, _raw = services.application_create(
            name=DEMO_APPLICATION,
            scopes=[Scope.REQUESTS_WRITE, Scope.REQUESTS_READ, Scope.BOOKINGS_WRITE],
            contact_email="web@valbrenne.fr",
            actor=None,
        )
        application.keys.all().delete()  # the random key it was given: the demo's is fixed
    if not ApplicationKey.objects.filter(prefix=DEMO_PREFIX).exists():
        ApplicationKey.objects.create(application=application, prefix=DEMO_PREFIX, digest=keys.digest(DEMO_KEY))
    stdout.write(f"Demo partner application: {application.name}, key {DEMO_KEY} (demo only)")
