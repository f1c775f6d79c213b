from django.urls import path

from relais.core import views, views_rights

app_name = "core"

# Public pages that need no role (staff screens about people are in relais.people).
urlpatterns = [
    path("langue/<str:code>/", views.language, name="language"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("compte/", views.account, name="account"),
    path("compte/mes-donnees.pdf", views_rights.account_data, {"fmt": "pdf"}, name="account_data_pdf"),
    path("compte/mes-donnees.json", views_rights.account_data, {"fmt": "json"}, name="account_data_json"),
    path("compte/mes-donnees.zip", views_rights.account_data, {"fmt": "zip"}, name="account_data_zip"),
    path("code/", views.access_code, name="access_code"),
    path("code/<str:code>/", views.access_detail, name="access_detail"),
]
