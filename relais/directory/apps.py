from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "relais.directory"
    label = "directory"
    verbose_name = _("Lieux et catalogue")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Orienter un habitant"),
                "directory:search",
                (),
                _("Chercher une fiche pratique et imprimer la version papier."),
                order=70,
                menu=False,
            ),
            NavItem(
                _("Catalogue"),
                "directory:catalogue_list_default",
                (Role.ADMINISTRATOR,),
                _("Fiches pratiques, lieux, thèmes, organismes."),
                order=80,
            ),
        ]

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from relais.core.pagecache import public_pages_changed
        from relais.directory.models import Acronym, Organisation, Place, Procedure, Theme

        def catalogue_changed(**kwargs):
            public_pages_changed()

        for model in (Place, Procedure, Theme, Organisation, Acronym):
            post_save.connect(catalogue_changed, sender=model, weak=False, dispatch_uid=f"pages-{model.__name__}-save")
            post_delete.connect(
                catalogue_changed, sender=model, weak=False, dispatch_uid=f"pages-{model.__name__}-delete"
            )
        for through in (Procedure.themes.through, Procedure.places.through):
            m2m_changed.connect(catalogue_changed, sender=through, weak=False, dispatch_uid=f"pages-{through.__name__}")

        from relais.directory import search

        search.register_directory_sources()
        # A fiche's index entry holds its themes' and organisation's names: their saves bump
        # the search version too (the fiches' own version key does not see them).
        search.watch(Procedure, Place, Theme, Organisation)
        m2m_changed.connect(search.changed, sender=Procedure.themes.through, weak=False, dispatch_uid="search-themes")
