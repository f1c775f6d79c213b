from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "relais.core"
    label = "core"
    verbose_name = _("Personnes et journal")

    def ready(self):
        from django.core.signals import request_finished

        from relais.core import checks, lookups, retention, uploads  # noqa: F401 (checks registers itself)

        lookups.register()
        retention.discover()
        retention.check_configuration()
        request_finished.connect(uploads.remove_uncommitted_files, dispatch_uid="relais-uncommitted-files")
