"""Remove audit journal entries older than the retention period (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from relais.core.audit import audit_purge


class Command(BaseCommand):
    help = "Delete audit journal entries past RELAIS_AUDIT_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override the retention period, in days.")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be removed.")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days if days is not None else settings.RELAIS["AUDIT_RETENTION_DAYS"]
        count = audit_purge(older_than_days=days, dry_run=dry_run)
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(f"{count} audit entries older than {days} days {verb}.")
