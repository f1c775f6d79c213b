"""The REST API, version 1: one NinjaAPI, its routers, and errors as problem details."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from relais.api import partner, problems, public, staff


class RelaisAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        # Every operation, whichever router it comes from, documents its problem responses.
        return problems.document(super().get_openapi_schema(*args, **kwargs))


api = RelaisAPI(
    title="Relais",
    version="1",
    description=str(
        _(
            "L'API de Relais, servie par la commune : catalogue des démarches, lieux et horaires, "
            "permanences et créneaux de rendez-vous, ateliers, entraide, statistiques ; avec une clé "
            "d'application : dépôt et suivi de demandes, réservations, dossiers des équipes. "
            "Documentation : /api/v1/docs/."
        )
    ),
    urls_namespace="api-v1",
    docs_url=None,  # the documentation page is ours (relais.api.views.docs): no CDN
    openapi_url="/openapi.json",
    parser=problems.JsonParser(),
)
problems.install(api)
api.add_router("", public.router)
api.add_router("", partner.router)
api.add_router("", staff.router)
