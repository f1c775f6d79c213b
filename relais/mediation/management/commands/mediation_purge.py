"""Kept for existing schedules: `relais retention_purge --kind mediation`, with a --days override."""

from django.core.management.base import BaseCommand

from relais.core.management.commands.retention_purge import run


class Command(BaseCommand):
    help = (
        "Past RELAIS_MEDIATION_RETENTION_DAYS: appointments and registrations lose their person, free text "
        "and private link (kept anonymous), accompaniment records keep only their statistics. The people "
        "go with `relais retention_purge --kind people`, once nothing points at them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override the retention period, in days")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be purged")

    def handle(self, *args, days=None, dry_run=False, **options):
        run(self, "mediation", days=days, dry_run=dry_run)
