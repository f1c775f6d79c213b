from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "relais.core"
    label = "core"

    def ready(self):
        from relais.core import checks  # noqa: F401
