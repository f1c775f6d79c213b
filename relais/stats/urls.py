from django.urls import path

from relais.stats import views, views_simplify

app_name = "stats"

urlpatterns = [
    path("gestion/statistiques/", views.home, name="home"),
    path("gestion/statistiques/rapport/", views.report, name="report"),
    path("gestion/statistiques/partages/", views.shares, name="shares"),
    path("gestion/statistiques/partages/<int:pk>/retirer/", views.share_revoke, name="share_revoke"),
    path("gestion/statistiques/demarches-a-simplifier/", views_simplify.simplify, name="simplify"),
    path(
        "gestion/statistiques/demarches-a-simplifier/<str:kind>/<int:pk>/",
        views_simplify.simplify_detail,
        name="simplify_detail",
    ),
    path("gestion/statistiques/<slug:audience>/", views.page, name="page"),
    path("gestion/statistiques/<slug:audience>/export.<str:fmt>", views.export, name="export"),
    path("gestion/statistiques/<slug:audience>/partager/", views.share_create, name="share_create"),
    path("statistiques/partage/<str:secret>/", views.shared, name="shared"),
    path("statistiques/partage/<str:secret>/donnees.json", views.shared_json, name="shared_json"),
    path("donnees/", views.open_data, name="open_data"),
    path("donnees/statistiques-mensuelles.csv", views.open_data_csv, name="open_data_csv"),
    path("donnees/statistiques-mensuelles.schema.json", views.open_data_schema, name="open_data_schema"),
]
