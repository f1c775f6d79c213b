"""The administrator's screens for partner applications (staff routes, under /gestion/)."""

from django.urls import path

from relais.api import views_admin as views

app_name = "api_admin"

urlpatterns = [
    path("gestion/applications/", views.application_list, name="application_list"),
    path("gestion/applications/nouvelle/", views.application_create, name="application_create"),
    path("gestion/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("gestion/applications/<int:pk>/cle/", views.application_reveal, name="application_reveal"),
    path("gestion/applications/<int:pk>/remplacer-la-cle/", views.key_rotate, name="key_rotate"),
    path("gestion/applications/<int:pk>/cles/<int:key_pk>/revoquer/", views.key_revoke, name="key_revoke"),
    path("gestion/applications/<int:pk>/revoquer/", views.application_revoke, name="application_revoke"),
    # webhooks
    path("gestion/applications/<int:pk>/rappels/nouveau/", views.webhook_create, name="webhook_create"),
    path("gestion/applications/<int:pk>/rappels/<int:webhook_pk>/", views.webhook_detail, name="webhook_detail"),
    path(
        "gestion/applications/<int:pk>/rappels/<int:webhook_pk>/supprimer/",
        views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "gestion/applications/<int:pk>/envois/<int:delivery_pk>/renvoyer/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
