from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo town of Valbrenne: `demo_load` asks every app's `demo` module to load its
    part (top layer: it may import every app, none imports it)."""

    name = "relais.demo"
    label = "demo"
    verbose_name = "Démo"
