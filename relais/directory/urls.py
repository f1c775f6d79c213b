from django.urls import path

from relais.directory import views

app_name = "directory"

public_urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("demarches/", views.themes, name="themes"),
    path("demarches/<slug:code>/", views.theme, name="theme"),
    path("fiches/<slug:slug>/", views.procedure, name="procedure"),
    path("fiches/<slug:slug>/imprimer/", views.procedure_print, name="procedure_print"),
    path("lieux/", views.places, name="places"),
    path("lieux/<slug:slug>/", views.place, name="place"),
    path("donnees/lieux-mediation-numerique.<str:fmt>", views.places_export, name="places_export"),
    path("donnees/data-inclusion.json", views.datainclusion_export, name="datainclusion_export"),
    path("donnees/data-inclusion-<str:part>.csv", views.datainclusion_export, name="datainclusion_csv"),
]

staff_urlpatterns = [
    path("gestion/catalogue/", views.catalogue_list, {"kind": "fiches"}, name="catalogue_list_default"),
    path("gestion/catalogue/sigles/a-verifier/", views.acronym_check, name="acronym_check"),
    path("gestion/catalogue/sigles/<int:pk>/supprimer/", views.acronym_delete, name="acronym_delete"),
    path("gestion/catalogue/<str:kind>/", views.catalogue_list, name="catalogue_list"),
    path("gestion/catalogue/<str:kind>/nouveau/", views.catalogue_edit, name="catalogue_create"),
    path("gestion/catalogue/<str:kind>/<int:pk>/", views.catalogue_edit, name="catalogue_edit"),
    path(
        "gestion/catalogue/<str:kind>/<int:pk>/traductions/<str:lang>/",
        views.catalogue_translate,
        name="catalogue_translate",
    ),
]

urlpatterns = public_urlpatterns + staff_urlpatterns
