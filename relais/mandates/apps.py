from django.apps import AppConfig


class MandatesConfig(AppConfig):
    name = "relais.mandates"
    label = "mandates"
