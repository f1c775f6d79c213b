from django.apps import AppConfig


class MutualaidConfig(AppConfig):
    name = "relais.mutualaid"
    label = "mutualaid"
