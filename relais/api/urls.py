from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from relais.api import problems
from relais.api.v1 import api

# No app namespace: NinjaAPI reverses its own ("api-v1:…").

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("relais.api.admin_urls")),  # the administrator's screens (/gestion/applications/)
    # Anything else under /api/ is a problem document, never Django's HTML page.
    re_path(r"^api/", csrf_exempt(problems.not_found), name="api_not_found"),
]
