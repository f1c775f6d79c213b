from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "relais.mediation"
    label = "mediation"
