from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """Staff screens about people (records, their rights, the journal, the register), above
    accounts: the kernel keeps the rules and knows no role."""

    name = "relais.people"
    label = "people"
    verbose_name = _("Personnes")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.accounts.permissions import PEOPLE_ROLES
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Personnes"),
                "people:person_search",
                PEOPLE_ROLES,
                _("Trouver une personne par nom, téléphone, adresse électronique ou année de naissance."),
                order=10,
            ),
            NavItem(
                _("Créer une fiche personne"),
                "people:person_create",
                PEOPLE_ROLES,
                _("Pour un habitant venu au guichet, au téléphone ou par courrier."),
                order=11,
                menu=False,
            ),
            NavItem(
                _("Droits sur les données"),
                "people:rights_home",
                (Role.ADMINISTRATOR,),
                _("Donner à une personne ses données, les corriger ou les effacer à sa demande."),
                order=90,
                menu=False,
            ),
            NavItem(
                _("Registre des traitements"),
                "people:processing_register",
                (Role.ADMINISTRATOR,),
                _("Les données personnelles que Relais traite, pourquoi, et combien de temps elles sont gardées."),
                order=96,
            ),
            NavItem(
                _("Déclaration d'accessibilité"),
                "people:accessibility_statement_edit",
                (Role.ADMINISTRATOR,),
                _("Le taux de conformité au RGAA, les non-conformités et comment joindre la mairie."),
                order=97,
                menu=False,
            ),
            NavItem(
                _("Journal"),
                "people:audit_journal",
                (Role.ADMINISTRATOR,),
                _("Qui a consulté ou modifié quelles données personnelles."),
                order=95,
            ),
        ]
