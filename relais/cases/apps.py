from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "relais.cases"
    label = "cases"
    verbose_name = _("Demandes")
    # Pages a private link opens: printed on paper as a short code instead (core.access).
    private_links = ["cases:track", "cases:correct"]

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

        return [
            NavItem(
                _("Faire une demande"),
                "cases:online_forms",
                description=_("Inscrire un enfant à l'école, signaler un problème dans la rue, demander un papier."),
                order=20,
            ),
            NavItem(
                _("Suivre une demande"),
                "cases:lookup",
                description=_("Avec le numéro de votre demande : où elle en est, ce que la mairie vous a écrit."),
                order=21,
            ),
        ]

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from relais.cases.models import Case, Form
        from relais.core.backup import restored
        from relais.core.pagecache import public_pages_changed

        def forms_changed(**kwargs):
            public_pages_changed()  # procedure pages link to their online form

        def database_restored(*, marks, marks_found, **kwargs):
            from relais.cases.services import references_resume

            return references_resume(marks=marks, marks_found=marks_found)

        def cases_changed(instance, **kwargs):
            from relais.cases.selectors import tab_counts_changed

            tab_counts_changed([instance.team_id])  # the queue's tab counts

        def case_deleted(instance, using, **kwargs):
            from relais.cases import search_index

            search_index.forget_removed(using)  # its search text out of SQLite's index, after the commit

        def migrated(using, **kwargs):
            from relais.cases import search_index

            search_index.ensure(using)  # SQLite's index of the search text (its triggers)

        post_migrate.connect(migrated, sender=self, weak=False, dispatch_uid="cases-search-index")
        post_save.connect(cases_changed, sender=Case, weak=False, dispatch_uid="cases-tab-counts-save")
        post_delete.connect(cases_changed, sender=Case, weak=False, dispatch_uid="cases-tab-counts-delete")
        post_delete.connect(case_deleted, sender=Case, weak=False, dispatch_uid="cases-search-index-delete")
        restored.connect(database_restored, weak=False, dispatch_uid="cases-references-resume")
        post_save.connect(forms_changed, sender=Form, weak=False, dispatch_uid="pages-form-save")
        post_delete.connect(forms_changed, sender=Form, weak=False, dispatch_uid="pages-form-delete")

        from relais.cases import search_sources

        search_sources.register()
