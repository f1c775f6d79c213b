from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "relais.accounts"
    label = "accounts"
    verbose_name = _("Comptes et équipes")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(_("Équipes"), "accounts:team_list", (Role.ADMINISTRATOR,), _("Équipes, lieux et rôles."), order=85),
            NavItem(
                _("Agents"), "accounts:user_list", (Role.ADMINISTRATOR,), _("Créer des comptes d'agents."), order=86
            ),
            NavItem(
                _("Identités à vérifier"),
                "accounts:identity_link_list",
                (Role.RECEPTION,),
                _("Relier une connexion FranceConnect à un compte, après avoir vu une pièce d'identité."),
                order=40,
                menu=False,
            ),
        ]

    def ready(self):
        from relais.accounts import mail, signals  # noqa: F401 (they register themselves)
