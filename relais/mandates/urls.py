from django.urls import path

from relais.mandates import views

app_name = "mandates"

urlpatterns = [
    # residents (private link, no account needed)
    path("mandats/<str:token>/", views.resident_mandate, name="resident"),
    # staff
    path("gestion/mandats/", views.mandate_list, name="list"),
    path("gestion/mandats/<int:pk>/", views.mandate_detail, name="detail"),
    path("gestion/mandats/<int:pk>/formulaire.pdf", views.mandate_form_pdf, name="form_pdf"),
    path("gestion/personnes/<int:person_pk>/mandats/nouveau/", views.mandate_create, name="create"),
]
