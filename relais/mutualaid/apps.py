from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MutualaidConfig(AppConfig):
    name = "relais.mutualaid"
    label = "mutualaid"
    verbose_name = _("Entraide")
    # Pages a private link opens: printed on paper as a short code instead (core.access).
    private_links = ["mutualaid:renew"]

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.accounts.permissions import PEOPLE_ROLES
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Entraide"),
                "mutualaid:moderation",
                (Role.MODERATOR,),
                _("Annonces à relire, signalements, messages à transmettre aux habitants sans internet."),
                order=30,
            ),
            NavItem(
                _("Déposer une annonce d'entraide"),
                "mutualaid:staff_listing_create",
                PEOPLE_ROLES,
                _("Pour un habitant sans internet, venu au guichet ou au téléphone."),
                order=31,
                menu=False,
            ),
        ]

    @property
    def public_nav(self):
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Entraide"),
                "mutualaid:board",
                description=_("Proposer ou demander un coup de main entre voisins : courses, compagnie, bricolage."),
                order=30,
            )
        ]

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from relais.core.pagecache import public_pages_changed
        from relais.mutualaid.models import Badge, Listing, Neighbourhood, Suspension, ThankYou

        # The board and listing pages are served from the public page cache; a change of
        # what they show (moderation, expiry, suspension) makes it forget them at once.
        def board_changed(**kwargs):
            public_pages_changed()

        for model in (Listing, Suspension, Badge, Neighbourhood, ThankYou):
            post_save.connect(board_changed, sender=model, weak=False, dispatch_uid=f"pages-{model.__name__}-save")
            post_delete.connect(board_changed, sender=model, weak=False, dispatch_uid=f"pages-{model.__name__}-delete")

        # The teams' statistics of the moderation queue (selectors.statistics) are kept a few
        # minutes: a change of what they count forgets them.
        from relais.core.models import RetainedCount
        from relais.mutualaid.models import Conversation
        from relais.mutualaid.selectors import statistics_changed

        def statistics_changed_by(sender, created=True, update_fields=None, **kwargs):
            # A conversation counts once: only its creation (or deletion) changes the figures.
            if sender is not Conversation or created:
                statistics_changed()

        for model in (Listing, Conversation, Suspension, RetainedCount):
            post_save.connect(
                statistics_changed_by, sender=model, weak=False, dispatch_uid=f"statistics-{model.__name__}-save"
            )
            post_delete.connect(
                statistics_changed_by, sender=model, weak=False, dispatch_uid=f"statistics-{model.__name__}-delete"
            )
