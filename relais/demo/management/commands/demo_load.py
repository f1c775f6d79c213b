"""Load (or refresh) the demo town. Idempotent: running it again keeps existing data."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo town of Valbrenne: places, catalogue, teams, staff and residents."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load even with DEBUG off (benchmarks, browser tests). Never on a real instance: "
            "demo logins have a published password and second-factor secret.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError("Refusing to load demo accounts with DEBUG off (see --allow-without-debug).")
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("relais."):
                    continue
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).load(self.stdout)
            from relais.notifications.demo import settle

            settle(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
