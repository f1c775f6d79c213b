from django.urls import path

from relais.mutualaid import views, views_staff

app_name = "mutualaid"

public_urlpatterns = [
    # the board
    path("entraide/", views.board, name="board"),
    path("entraide/comment-ca-marche/", views.guide, name="guide"),
    path("entraide/annonces/nouvelle/", views.listing_create, name="listing_create"),
    path("entraide/annonces/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("entraide/annonces/<int:pk>/modifier/", views.listing_edit, name="listing_edit"),
    path("entraide/annonces/<int:pk>/prolonger/", views.listing_renew, name="listing_renew"),
    path("entraide/annonces/<int:pk>/terminer/", views.listing_close, name="listing_close"),
    path("entraide/annonces/<int:pk>/repondre/", views.respond, name="respond"),
    path("entraide/annonces/<int:pk>/signaler/", views.report_listing, name="report_listing"),
    path("entraide/prolonger/<str:token>/", views.renew_by_link, name="renew"),
    # a resident's own space
    path("entraide/mes-annonces/", views.my_board, name="my_board"),
    path("entraide/conversations/<int:pk>/", views.conversation, name="conversation"),
    path("entraide/conversations/<int:pk>/coordonnees/", views.contacts_share, name="contacts_share"),
    path("entraide/conversations/<int:pk>/bloquer/", views.block, name="block"),
    path("entraide/conversations/<int:pk>/merci/", views.thanks, name="thanks"),
    path("entraide/messages/<int:pk>/signaler/", views.report_message, name="report_message"),
    path("entraide/blocages/<int:pk>/retirer/", views.unblock, name="unblock"),
    path("entraide/mercis/<int:pk>/afficher/", views.thanks_show, name="thanks_show"),
]

staff_urlpatterns = [
    # moderation
    path("gestion/entraide/", views_staff.moderation, name="moderation"),
    path("gestion/entraide/annonces/", views_staff.listing_list, name="staff_listings"),
    path("gestion/entraide/annonces/courrier/", views_staff.listings_letter, name="listings_letter"),
    path("gestion/entraide/annonces/<int:pk>/", views_staff.listing_detail, name="staff_listing"),
    path("gestion/entraide/annonces/<int:pk>/decision/", views_staff.listing_decide, name="staff_listing_decide"),
    path("gestion/entraide/annonces/<int:pk>/modifier/", views_staff.listing_edit, name="staff_listing_edit"),
    path("gestion/entraide/annonces/<int:pk>/prolonger/", views_staff.listing_renew, name="staff_listing_renew"),
    path("gestion/entraide/annonces/<int:pk>/terminer/", views_staff.listing_close, name="staff_listing_close"),
    path("gestion/entraide/signalements/<int:pk>/", views_staff.report_detail, name="staff_report"),
    path("gestion/entraide/habitants/<int:person_pk>/", views_staff.person_history, name="staff_person"),
    path("gestion/entraide/habitants/<int:person_pk>/suspendre/", views_staff.person_suspend, name="staff_suspend"),
    path("gestion/entraide/habitants/<int:person_pk>/lever/", views_staff.person_unsuspend, name="staff_unsuspend"),
    path("gestion/entraide/habitants/<int:person_pk>/badge/", views_staff.person_badge, name="staff_badge"),
    # posting and answering for a resident without internet
    path("gestion/entraide/deposer/", views_staff.listing_create, name="staff_listing_create"),
    path(
        "gestion/entraide/annonces/<int:pk>/repondre/<int:person_pk>/",
        views_staff.respond_for,
        name="staff_respond",
    ),
    path("gestion/entraide/conversations/<int:pk>/", views_staff.conversation, name="staff_conversation"),
    path(
        "gestion/entraide/conversations/<int:pk>/coordonnees/<int:person_pk>/",
        views_staff.contacts_share_for,
        name="staff_contacts_share",
    ),
    path("gestion/entraide/relais/", views_staff.relay_list, name="relay_list"),
    path("gestion/entraide/relais/<int:person_pk>/", views_staff.relay_sheet, name="relay_sheet"),
    # settings
    path("gestion/entraide/reglages/", views_staff.board_settings, name="settings"),
    path("gestion/entraide/reglages/quartiers/<int:pk>/", views_staff.neighbourhood_edit, name="neighbourhood_edit"),
]

urlpatterns = public_urlpatterns + staff_urlpatterns
