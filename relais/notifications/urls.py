from django.urls import path

from relais.notifications import views

app_name = "notifications"

urlpatterns = [
    # letters and calls (reception)
    path("gestion/courriers/", views.outbox, name="outbox"),
    path("gestion/courriers/lots/", views.batch_create, name="batch_create"),
    path("gestion/courriers/lots/<int:pk>/pdf/", views.batch_pdf, name="batch_pdf"),
    path("gestion/courriers/lots/<int:pk>/poste/", views.batch_posted, name="batch_posted"),
    path("gestion/courriers/lots/<int:pk>/destinataires/", views.batch_recipients, name="batch_recipients"),
    path("gestion/courriers/appels/<int:pk>/", views.call, name="call"),
    # could not reach; held messages
    path("gestion/courriers/injoignables/", views.unreachable, name="unreachable"),
    path("gestion/courriers/injoignables/renvoyer/", views.resend_since, name="resend_since"),
    path("gestion/messages/retenus/", views.held, name="held"),
    # one message
    path("gestion/messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("gestion/messages/<int:pk>/courrier.pdf", views.message_letter, name="message_letter"),
    path("gestion/messages/<int:pk>/renvoyer/", views.message_retry, name="message_retry"),
    # texts (administrators)
    path("gestion/modeles/", views.template_list, name="template_list"),
    path("gestion/modeles/<str:code>/<str:language>/", views.template_edit, name="template_edit"),
]
