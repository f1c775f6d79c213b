from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "relais.stats"
    label = "stats"
    verbose_name = _("Statistiques")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Statistiques"),
                "stats:home",
                (Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR, Role.OFFICIAL),
                _("Fréquentation, accompagnements, demandes par canal, rapport d'activité pour le conseil."),
                order=70,
            ),
            NavItem(
                _("Démarches à simplifier"),
                "stats:simplify",
                (Role.MANAGER, Role.ADMINISTRATOR),
                _("Les démarches où les habitants ont besoin d'aide ou abandonnent en ligne, et leurs avis."),
                order=71,
            ),
        ]
