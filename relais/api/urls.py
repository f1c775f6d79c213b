from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from relais.api import open311, problems, views
from relais.api.v1 import api

# No app namespace: NinjaAPI reverses its own ("api-v1:…").

urlpatterns = [
    # The documentation page, generated from the OpenAPI document (before the API's own routes).
    path("api/v1/docs/", views.docs, name="api_docs"),
    path("api/v1/", api.urls),
    path("", include("relais.api.admin_urls")),  # the administrator's screens (/gestion/applications/)
    # Anything else under /api/ is a problem document, never Django's HTML page.
    re_path(r"^api/", csrf_exempt(problems.not_found), name="api_not_found"),
    # Open311 GeoReport v2 (api.open311): street reports, JSON or XML
    path("open311/v2/services.<str:fmt>", open311.services, name="open311_services"),
    path("open311/v2/services/<str:code>.<str:fmt>", open311.service_definition, name="open311_service"),
    path("open311/v2/requests.<str:fmt>", open311.service_requests, name="open311_requests"),
    path("open311/v2/requests/<str:service_request_id>.<str:fmt>", open311.request_detail, name="open311_request"),
    path("open311/v2/tokens/<str:token>.<str:fmt>", open311.token, name="open311_token"),
    re_path(r"^open311/", csrf_exempt(open311.not_found), name="open311_not_found"),
]
