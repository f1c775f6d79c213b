from django.urls import path

from relais.accounts import views

app_name = "accounts"

urlpatterns = [
    path("gestion/equipes/", views.team_list, name="team_list"),
    path("gestion/equipes/nouvelle/", views.team_edit, name="team_create"),
    path("gestion/equipes/<slug:slug>/", views.team_detail, name="team_detail"),
    path("gestion/equipes/<slug:slug>/modifier/", views.team_edit, name="team_edit"),
    path("gestion/appartenances/<int:pk>/retirer/", views.membership_remove, name="membership_remove"),
    path("gestion/agents/", views.user_list, name="user_list"),
    path("gestion/agents/nouveau/", views.user_create, name="user_create"),
    path("gestion/agents/<int:pk>/activation/", views.user_toggle_active, name="user_toggle_active"),
    path("gestion/agents/<int:pk>/invitation/", views.user_invitation, name="user_invitation"),
    path("gestion/identites/", views.identity_link_list, name="identity_link_list"),
    path("gestion/identites/<int:pk>/", views.identity_link, name="identity_link"),
    # Before any staff page: reached by a new agent who has no second factor yet.
    path("compte/code-invitation/", views.invitation, name="invitation"),
]
