from django.contrib import admin
from django.urls import include, path

from relais.accounts.views import admin_login
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
    path("", include("relais.directory.urls")),
    path("", include("relais.core.urls")),
    path("", include("relais.people.urls")),
    path("", include("relais.accounts.urls")),
    path("", include("relais.notifications.urls")),
    path("", include("relais.mandates.urls")),
    path("", include("relais.cases.urls")),
    path("", include("relais.mediation.urls")),
    path("", include("relais.mutualaid.urls")),
    path("", include("relais.stats.urls")),
    path("comptes/", include("relais.accounts.allauth_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
