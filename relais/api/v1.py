"""The REST API, version 1: one NinjaAPI, its routers, and errors as problem details."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from relais.api import partner, problems, public, staff

api = NinjaAPI(
    title="Relais",
    version="1",
    description=str(_("L'API de Relais : catalogue, lieux, rendez-vous, ateliers, demandes.")),
    urls_namespace="api-v1",
    docs_url=None,  # the documentation page is ours (relais.api.views.docs): no CDN
    openapi_url="/openapi.json",
    parser=problems.JsonParser(),
)
problems.install(api)
api.add_router("", public.router)
api.add_router("", partner.router)
api.add_router("", staff.router)
