from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "relais.api"
    label = "api"
    verbose_name = _("Connexions avec d'autres systèmes")

    def ready(self):
        from relais.api import checks, webhooks  # noqa: F401 (deploy checks; connects to core.events)

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Applications partenaires"),
                "api_admin:application_list",
                (Role.ADMINISTRATOR,),
                _("Clés d'accès à l'API pour d'autres systèmes, et adresses de rappel (webhooks)."),
                order=87,
            ),
        ]
