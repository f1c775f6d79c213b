from django.contrib import admin
from django.urls import include, path

from relais.accounts.views import admin_login
from relais.core.routing import app_routes
from relais.core.views import healthz
from relais.notifications.views import healthz_deep

admin.site.site_header = "Relais – administration technique"
# The admin's own login form would accept passwords outside allauth's limits and second factor.
admin.site.login = admin_login
handler400 = "relais.core.views.bad_request"
handler404 = "relais.core.views.page_not_found"
handler500 = "relais.core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/deep", healthz_deep, name="healthz_deep"),
    # First after the probes: partners' machines call it most, and every other route is tried
    # before a request reaches its own (the whole list, for an /api/ address, cost a third of a
    # cached public read). Its routes start with api/, open311/ or gestion/applications/.
    path("", include("relais.api.urls")),
    # Each app's routes leave at once an address that none of them begins with (a workshop's
    # address is no longer tried against every app's staff routes first): relais/core/routing.py.
    app_routes("relais.directory.urls"),
    app_routes("relais.core.urls"),
    app_routes("relais.people.urls"),
    app_routes("relais.accounts.urls"),
    app_routes("relais.notifications.urls"),
    app_routes("relais.mandates.urls"),
    app_routes("relais.cases.urls"),
    app_routes("relais.mediation.urls"),
    app_routes("relais.mutualaid.urls"),
    app_routes("relais.stats.urls"),
    path("comptes/", include("relais.accounts.allauth_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
