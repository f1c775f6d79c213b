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

        from django.db.models.signals import post_delete, post_save

        from relais.core.models import AccessibilityStatement
        from relais.core.pagecache import public_pages_changed

        def statement_changed(**kwargs):
            from django.core.cache import cache
            from django.db import transaction

            from relais.core.models import STATE_CACHE_KEY

            # Forgotten now and again once committed: a page rendered in between, from the
            # old row, may have put the old state back.
            cache.delete(STATE_CACHE_KEY)
            transaction.on_commit(lambda: cache.delete(STATE_CACHE_KEY), robust=True)
            public_pages_changed()  # every footer says the conformance state

        post_save.connect(statement_changed, sender=AccessibilityStatement, weak=False, dispatch_uid="pages-a11y-save")
        post_delete.connect(
            statement_changed, sender=AccessibilityStatement, weak=False, dispatch_uid="pages-a11y-delete"
        )
