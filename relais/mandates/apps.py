from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    name = "relais.mandates"
    label = "mandates"
    verbose_name = _("Mandats")
    # Pages a private link opens: printed on paper as a short code instead (core.access).
    private_links = ["mandates:resident"]

    @property
    def staff_nav(self):
        from relais.accounts.permissions import HELPER_ROLES
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Mandats"),
                "mandates:list",
                HELPER_ROLES,
                _("Les accords des habitants pour faire des démarches à leur place."),
                order=30,
            )
        ]
