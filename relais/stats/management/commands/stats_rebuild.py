"""Count the statistics' monthly roll-up again from the records (after a restore, an import,
or any change made around the application)."""

from django.core.management.base import BaseCommand

from relais.stats import rollup


class Command(BaseCommand):
    help = "Rebuild the statistics' monthly roll-up of accompaniment records from scratch."

    def handle(self, *args, **options):
        months = rollup.rebuild_all()
        self.stdout.write(f"{months} month(s) rebuilt.")
