from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "relais.notifications"
    label = "notifications"
    verbose_name = _("Messages")

    @property
    def staff_nav(self):
        from relais.accounts.models import Role
        from relais.core.extensions import NavItem

        return [
            NavItem(
                _("Courriers et appels"),
                "notifications:outbox",
                (Role.RECEPTION, Role.MANAGER),
                _("Imprimer les courriers du jour, appeler les habitants sans autre moyen de contact."),
                order=40,
            ),
            NavItem(
                _("Injoignables"),
                "notifications:unreachable",
                (Role.RECEPTION, Role.MANAGER),
                _("Les messages qui n'ont pu partir : pourquoi, et les renvoyer après correction."),
                order=41,
            ),
            NavItem(
                _("Modèles de messages"),
                "notifications:template_list",
                (Role.ADMINISTRATOR,),
                _("Les textes envoyés aux habitants, en français simple."),
                order=88,
            ),
        ]

    def ready(self):
        from relais.accounts.mail import connect_sender
        from relais.core.backup import restored, restoring
        from relais.notifications.services import send_email

        # Account e-mails (login codes, password links) go through the outbox like every message.
        connect_sender(send_email)

        def database_restoring(**kwargs):
            from relais.notifications.worker import worker_beat_recently

            if worker_beat_recently():
                return (
                    "a background worker (relais db_worker) gave a sign of life less than a minute ago: "
                    "stop every worker first (it would send restored messages before they are held), "
                    "wait a minute, then restore."
                )
            return None

        def database_restored(**kwargs):
            # Messages queued when the backup was taken may have gone out since: an agent
            # chooses which to send again (relais outbox_release, or "Messages retenus").
            from relais.notifications.services import hold_queued

            held = hold_queued(reason="restore")
            return [
                f"{held} queued message(s) held: release them with `relais outbox_release` "
                "(or --discard), or on the staff page 'Messages retenus'."
            ]

        restoring.connect(database_restoring, weak=False, dispatch_uid="notifications-no-worker-while-restoring")
        restored.connect(database_restored, weak=False, dispatch_uid="notifications-hold-after-restore")
