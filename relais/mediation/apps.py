from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "relais.mediation"
    label = "mediation"
    verbose_name = _("Médiation numérique")
    # Pages a private link opens: printed on paper as a short code instead (core.access).
    private_links = ["mediation:appointment_manage", "mediation:registration_manage"]

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Médiation numérique"),
                "mediation:staff_home",
                (Role.ADVISOR, Role.MANAGER),
                _("Permanences, rendez-vous, ateliers et accompagnements."),
                order=30,
            ),
            NavItem(
                _("Noter un accompagnement"),
                "mediation:accompaniment_create",
                (Role.ADVISOR, Role.MANAGER),
                _("En quelques secondes, depuis un téléphone."),
                order=31,
                menu=False,
            ),
            NavItem(
                _("Rendez-vous numériques"),
                "mediation:staff_appointment_book",
                (Role.RECEPTION,),
                _("Prendre un rendez-vous avec un conseiller numérique pour un habitant."),
                order=32,
            ),
            NavItem(
                _("Rendez-vous des services"),
                "mediation:staff_day_list",
                (Role.CASE_WORKER, Role.MANAGER),
                _("La liste du jour par lieu et par guichet, à imprimer ; prendre ou déplacer un rendez-vous."),
                order=34,
            ),
            NavItem(
                _("Types de rendez-vous"),
                "mediation:staff_types",
                (Role.MANAGER,),
                _("Ce que votre équipe reçoit sur rendez-vous : durée, lieux, guichets, règles de réservation."),
                order=35,
                menu=False,
            ),
            NavItem(
                _("Ateliers numériques"),
                "mediation:staff_workshop_pick",
                (Role.RECEPTION,),
                _("Inscrire un habitant à un atelier, ou sur sa liste d'attente."),
                order=33,
                menu=False,
            ),
            NavItem(
                _("Importer des lieux"),
                "mediation:staff_places_import",
                (Role.ADMINISTRATOR,),
                _("Un fichier au format national des lieux de médiation numérique."),
                order=82,
                menu=False,
            ),
        ]

    @property
    def public_nav(self):
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Aide au numérique"),
                "mediation:help",
                description=_(
                    "Des conseillers gratuits pour l'ordinateur, le téléphone et les démarches en ligne : "
                    "permanences près de chez vous et rendez-vous."
                ),
                order=20,
            ),
            NavItem(
                _("Ateliers"),
                "mediation:workshops",
                description=_("Apprendre en petit groupe : smartphone, courriels, impôts en ligne, arnaques."),
                order=21,
            ),
        ]

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from relais.core.pagecache import public_pages_changed
        from relais.mediation.services import workshops
        from relais.notifications.services import register_writer

        # Registration messages are written by the worker after the commit (the rush).
        for template in (workshops.CONFIRMED, workshops.WAITLISTED, workshops.PROMOTED):
            register_writer(template, workshops.registration_message)
        from relais.mediation.models import DropIn, DropInCancellation, SchoolHoliday, Workshop, WorkshopSession

        # Public pages show sessions and workshops (place pages, "get help"): forget them
        # when those change. Registrations do not invalidate (the rush must not).
        def schedule_changed(**kwargs):
            public_pages_changed()

        for model in (DropIn, DropInCancellation, SchoolHoliday, Workshop, WorkshopSession):
            name = model.__name__
            post_save.connect(schedule_changed, sender=model, weak=False, dispatch_uid=f"mediation-{name}-save")
            post_delete.connect(schedule_changed, sender=model, weak=False, dispatch_uid=f"mediation-{name}-delete")

        from relais.mediation import search_sources

        search_sources.register()
