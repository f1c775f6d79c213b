from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "relais.core"
    label = "core"
    verbose_name = _("Personnes et journal")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.accounts.permissions import PEOPLE_ROLES
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Personnes"),
                "core:person_search",
                PEOPLE_ROLES,
                _("Trouver une personne par nom, téléphone, adresse électronique ou année de naissance."),
                order=10,
            ),
            NavItem(
                _("Créer une fiche personne"),
                "core:person_create",
                PEOPLE_ROLES,
                _("Pour un habitant venu au guichet, au téléphone ou par courrier."),
                order=11,
                menu=False,
            ),
            NavItem(
                _("Droits sur les données"),
                "core:rights_home",
                (Role.ADMINISTRATOR,),
                _("Donner à une personne ses données, les corriger ou les effacer à sa demande."),
                order=90,
                menu=False,
            ),
            NavItem(
                _("Registre des traitements"),
                "core:processing_register",
                (Role.ADMINISTRATOR,),
                _("Les données personnelles que Relais traite, pourquoi, et combien de temps elles sont gardées."),
                order=96,
            ),
            NavItem(
                _("Journal"),
                "core:audit_journal",
                (Role.ADMINISTRATOR,),
                _("Qui a consulté ou modifié quelles données personnelles."),
                order=95,
            ),
        ]

    def ready(self):
        from django.core.signals import request_finished

        from relais.core import checks, lookups, retention, uploads  # noqa: F401 (checks registers itself)

        lookups.register()
        retention.discover()
        retention.check_configuration()
        request_finished.connect(uploads.remove_uncommitted_files, dispatch_uid="relais-uncommitted-files")
