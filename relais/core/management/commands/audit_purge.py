"""Kept for existing schedules: `relais retention_purge --kind audit`, with a --days override."""

from django.core.management.base import BaseCommand

from relais.core.audit import AUDIT_RETENTION_FLOOR_DAYS
from relais.core.management.commands.retention_purge import run


class Command(BaseCommand):
    help = (
        "Delete the oldest audit journal entries past RELAIS_AUDIT_RETENTION_DAYS "
        f"(never under {AUDIT_RETENTION_FLOOR_DAYS} days), leaving a signed marker in the journal. "
        "Same as `relais retention_purge --kind audit`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override the retention period, in days.")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be removed; write nothing.")

    def handle(self, *args, days=None, dry_run=False, **options):
        run(self, "audit", days=days, dry_run=dry_run)
