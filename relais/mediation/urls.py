from django.urls import path

from relais.mediation import views_public as public
from relais.mediation import views_staff as staff
from relais.mediation import views_types as types

app_name = "mediation"

public_urlpatterns = [
    # get help, drop-in sessions
    path("aide-numerique/", public.help_page, name="help"),
    path("aide-numerique/lieux/<slug:slug>.ics", public.place_ics, name="place_ics"),
    path("agenda/conseiller/<str:token>.ics", public.advisor_ics, name="advisor_ics"),
    # appointments
    path("rendez-vous/", public.book_start, name="book_start"),
    path("rendez-vous/lieu/<slug:slug>/", public.book_place, name="book_place"),
    path("rendez-vous/creneau/<int:dropin_id>/<str:key>/", public.book, name="book"),
    path("rendez-vous/motif/<slug:slug>/", public.book_type, name="book_type"),
    path("rendez-vous/code/<str:token>/", public.book_code, name="book_code"),
    path("rendez-vous/suivi/<str:token>/", public.appointment_manage, name="appointment_manage"),
    path("rendez-vous/suivi/<str:token>/annuler/", public.appointment_cancel, name="appointment_cancel"),
    path("rendez-vous/suivi/<str:token>/changer/", public.appointment_move, name="appointment_move"),
    path("rendez-vous/suivi/<str:token>/rendez-vous.ics", public.appointment_ics, name="appointment_ics"),
    # workshops
    path("ateliers/", public.workshop_list, name="workshops"),
    path("ateliers/agenda.ics", public.workshops_ics, name="workshops_ics"),
    path("ateliers/inscription/<str:token>/", public.registration_manage, name="registration_manage"),
    path("ateliers/inscription/<str:token>/annuler/", public.registration_cancel, name="registration_cancel"),
    path("ateliers/<slug:slug>/", public.workshop, name="workshop"),
    path("ateliers/<slug:slug>/atelier.ics", public.workshop_ics, name="workshop_ics"),
]

staff_urlpatterns = [
    path("gestion/mediation/", staff.home, name="staff_home"),
    # drop-in sessions
    path("gestion/mediation/permanences/", staff.dropin_list, name="staff_dropins"),
    path("gestion/mediation/permanences/nouvelle/", staff.dropin_edit, name="staff_dropin_create"),
    path("gestion/mediation/permanences/<int:pk>/", staff.dropin_detail, name="staff_dropin"),
    path("gestion/mediation/permanences/<int:pk>/modifier/", staff.dropin_edit, name="staff_dropin_edit"),
    path("gestion/mediation/permanences/<int:pk>/annuler/", staff.dropin_cancel_date, name="staff_dropin_cancel"),
    path("gestion/mediation/permanences/<int:pk>/retablir/", staff.dropin_restore_date, name="staff_dropin_restore"),
    path("gestion/mediation/vacances/", staff.holidays, name="staff_holidays"),
    path("gestion/mediation/vacances/<int:pk>/supprimer/", staff.holiday_delete, name="staff_holiday_delete"),
    # appointments
    path("gestion/mediation/rendez-vous/", staff.appointment_list, name="staff_appointments"),
    path("gestion/mediation/rendez-vous/prendre/", staff.appointment_book, name="staff_appointment_book"),
    path("gestion/mediation/rendez-vous/<int:pk>/", staff.appointment_detail, name="staff_appointment"),
    path("gestion/mediation/rendez-vous/<int:pk>/annuler/", staff.appointment_cancel, name="staff_appointment_cancel"),
    path("gestion/mediation/rendez-vous/<int:pk>/deplacer/", types.appointment_move, name="staff_appointment_move"),
    # appointment types of any team, their openings and counters, the day's list
    path("gestion/rendez-vous/types/", types.type_list, name="staff_types"),
    path("gestion/rendez-vous/types/nouveau/", types.type_edit, name="staff_type_create"),
    path("gestion/rendez-vous/types/<int:pk>/", types.type_detail, name="staff_type"),
    path("gestion/rendez-vous/types/<int:pk>/modifier/", types.type_edit, name="staff_type_edit"),
    path("gestion/rendez-vous/types/<int:pk>/ouvertures/nouvelle/", types.opening_edit, name="staff_opening_create"),
    path(
        "gestion/rendez-vous/types/<int:pk>/ouvertures/<int:opening_pk>/",
        types.opening_edit,
        name="staff_opening_edit",
    ),
    path(
        "gestion/rendez-vous/types/<int:pk>/ouvertures/<int:opening_pk>/fermer/",
        types.opening_close_date,
        name="staff_opening_close",
    ),
    path("gestion/rendez-vous/journee/", types.day_list, name="staff_day_list"),
    # workshops
    path("gestion/mediation/ateliers/", staff.workshop_list, name="staff_workshops"),
    path("gestion/mediation/ateliers/choisir/", staff.workshop_pick, name="staff_workshop_pick"),
    path("gestion/mediation/ateliers/nouveau/", staff.workshop_edit, name="staff_workshop_create"),
    path("gestion/mediation/ateliers/<int:pk>/", staff.workshop_detail, name="staff_workshop"),
    path("gestion/mediation/ateliers/<int:pk>/modifier/", staff.workshop_edit, name="staff_workshop_edit"),
    path("gestion/mediation/ateliers/<int:pk>/annuler/", staff.workshop_cancel, name="staff_workshop_cancel"),
    path("gestion/mediation/ateliers/<int:pk>/inscrire/", staff.workshop_register, name="staff_workshop_register"),
    path(
        "gestion/mediation/ateliers/<int:pk>/seances/<int:session_pk>/presences/",
        staff.attendance,
        name="staff_attendance",
    ),
    path(
        "gestion/mediation/ateliers/<int:pk>/inscriptions/<int:registration_pk>/attestation.pdf",
        staff.certificate,
        name="staff_certificate",
    ),
    path(
        "gestion/mediation/inscriptions/<int:pk>/annuler/", staff.registration_cancel, name="staff_registration_cancel"
    ),
    # accompaniments
    path("gestion/mediation/accompagnements/", staff.accompaniment_list, name="staff_accompaniments"),
    path("gestion/mediation/accompagnements/nouveau/", staff.accompaniment_create, name="accompaniment_create"),
    path("gestion/mediation/accompagnements/<int:pk>/", staff.accompaniment_edit, name="accompaniment_edit"),
    # personal calendar, places import
    path("gestion/mediation/agenda/", staff.calendar_page, name="staff_calendar"),
    path("gestion/mediation/lieux/import/", staff.places_import, name="staff_places_import"),
]

urlpatterns = public_urlpatterns + staff_urlpatterns
