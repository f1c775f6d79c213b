from django.urls import path

from relais.cases import views_feedback, views_public, views_staff, views_street

app_name = "cases"

public_urlpatterns = [
    path("demandes/", views_public.online_forms, name="online_forms"),
    path("demandes/<slug:slug>/", views_public.start, name="start"),
    path("demandes/<slug:slug>/<uuid:key>/question/<int:n>/", views_public.question, name="question"),
    path("demandes/<slug:slug>/<uuid:key>/lieu/", views_public.location, name="location"),
    path("demandes/<slug:slug>/<uuid:key>/coordonnees/", views_public.contact, name="contact"),
    path("demandes/<slug:slug>/<uuid:key>/verifier/", views_public.check, name="check"),
    path("demandes/<slug:slug>/<str:key>/indice/<str:device>.gif", views_public.device_hint, name="device_hint"),
    path("suivi/", views_public.lookup, name="lookup"),
    path("suivi/<str:reference>/", views_public.lookup_track, name="lookup_track"),
    path("suivi/<str:reference>/<str:token>/", views_public.track, name="track"),
    path("suivi/<str:reference>/<str:token>/corriger/<int:pk>/", views_public.correct, name="correct"),
    path("suivi/<str:reference>/<str:token>/recepisse.pdf", views_public.receipt, name="receipt"),
    path("suivi/<str:reference>/<str:token>/documents/<int:pk>/", views_public.track_document, name="track_document"),
    path("compte/demandes/", views_public.my_cases, name="my_cases"),
    # "Cette page vous a-t-elle été utile ?" (fiches and request pages)
    path("avis/", views_feedback.feedback_answer, name="feedback"),
    path("avis/<str:token>/", views_feedback.feedback_detail, name="feedback_detail"),
    # street reports in public
    path("demandes/<slug:slug>/<uuid:key>/deja-signale/", views_street.street_nearby, name="street_nearby"),
    path("signalements/", views_street.street_list, name="street_list"),
    path("signalements/plan/", views_street.street_plan, name="street_plan"),
    path("signalements/<int:pk>/", views_street.street_report, name="street_report"),
    path("signalements/<int:pk>/moi-aussi/", views_street.street_me_too, name="street_me_too"),
]

staff_urlpatterns = [
    # queues and cases
    path("gestion/dossiers/", views_staff.queue, name="queue"),
    path("gestion/dossiers/lot/", views_staff.bulk, name="bulk"),
    path("gestion/dossiers/export.<str:fmt>", views_staff.export, name="export"),
    path("gestion/dossiers/<str:reference>/", views_staff.detail, name="detail"),
    path("gestion/dossiers/<str:reference>/documents/<int:pk>/", views_staff.document, name="document"),
    path("gestion/dossiers/<str:reference>/indesirable/", views_staff.spam, name="spam"),
    path("gestion/dossiers/<str:reference>/publication/", views_street.street_moderate, name="street_moderate"),
    path("gestion/dossiers/<str:reference>/doublon/", views_street.street_duplicate, name="street_duplicate"),
    # a request recorded for a person (counter, phone, post, e-mail, or under mandate)
    path("gestion/personnes/<int:person_pk>/demande/", views_staff.record_start, name="record_start"),
    path("gestion/personnes/<int:person_pk>/demande/<slug:slug>/", views_staff.record, name="record"),
    path("gestion/signalements/plan/", views_street.town_plan, name="town_plan"),
    # form builder
    path("gestion/demarches/", views_staff.form_list, name="form_list"),
    path("gestion/demarches/nouvelle/", views_staff.form_edit, name="form_create"),
    path("gestion/demarches/<slug:slug>/", views_staff.form_edit, name="form_edit"),
    path("gestion/demarches/<slug:slug>/traductions/<str:lang>/", views_staff.form_translate, name="form_translate"),
    path("gestion/demarches/<slug:slug>/questions/nouvelle/", views_staff.field_edit, name="field_create"),
    path("gestion/demarches/<slug:slug>/questions/<int:pk>/", views_staff.field_edit, name="field_edit"),
    path("gestion/demarches/<slug:slug>/questions/<int:pk>/action/", views_staff.field_action, name="field_action"),
]

urlpatterns = public_urlpatterns + staff_urlpatterns
