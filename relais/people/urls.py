from django.urls import path

from relais.people import views, views_rights

app_name = "people"

public_urlpatterns = [
    path("apres-connexion/", views.after_login, name="after_login"),
]

staff_urlpatterns = [
    path("gestion/", views.staff_home, name="staff_home"),
    # people
    path("gestion/personnes/", views.person_search, name="person_search"),
    path("gestion/personnes/nouvelle/", views.person_create, name="person_create"),
    path("gestion/personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("gestion/personnes/<int:pk>/modifier/", views.person_edit, name="person_edit"),
    path("gestion/personnes/<int:pk>/fusionner/<int:other_pk>/", views.person_merge, name="person_merge"),
    # the person's rights (RGPD): access, rectification, erasure
    path("gestion/donnees-personnelles/", views_rights.rights_home, name="rights_home"),
    path("gestion/personnes/<int:pk>/donnees/", views_rights.person_rights, name="person_rights"),
    path("gestion/personnes/<int:pk>/rectifier/", views_rights.person_rectify, name="person_rectify"),
    path("gestion/personnes/<int:pk>/effacer/", views_rights.person_erase, name="person_erase"),
    # journal
    path("gestion/journal/", views.audit_journal, name="audit_journal"),
    # accessibility statement (RGAA)
    path("gestion/declaration-accessibilite/", views.accessibility_statement_edit, name="accessibility_statement_edit"),
    # register of processing activities
    path("gestion/registre-des-traitements/", views.processing_register, name="processing_register"),
    path("gestion/registre-des-traitements/pdf/", views.processing_register_pdf, name="processing_register_pdf"),
]

urlpatterns = public_urlpatterns + staff_urlpatterns
