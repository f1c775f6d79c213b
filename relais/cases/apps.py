from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "relais.cases"
    label = "cases"
    verbose_name = _("Demandes")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Dossiers"),
                "cases:queue",
                (Role.CASE_WORKER, Role.MANAGER),
                _("Les demandes de vos équipes, quel que soit leur canal."),
                order=20,
            ),
            NavItem(
                _("Démarches"),
                "cases:form_list",
                (Role.ADMINISTRATOR,),
                _("Créer et modifier les formulaires de demande."),
                order=82,
            ),
        ]

    @property
    def public_nav(self):
        from relais.core.extensions import NavItem

        return [NavItem(_("Faire une demande"), "cases:online_forms", order=20)]
