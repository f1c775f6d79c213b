"""Remove audit journal entries older than the retention period (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.core.audit import AUDIT_RETENTION_FLOOR_DAYS, PurgeRefused, audit_purge


class Command(BaseCommand):
    help = (
        "Delete the oldest audit journal entries past RELAIS_AUDIT_RETENTION_DAYS "
        f"(never under {AUDIT_RETENTION_FLOOR_DAYS} days), leaving a signed marker in the journal."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Override the retention period, in days (at least {AUDIT_RETENTION_FLOOR_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be removed; write nothing.")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days if days is not None else settings.RELAIS["AUDIT_RETENTION_DAYS"]
        try:
            count = audit_purge(older_than_days=days, dry_run=dry_run)
        except PurgeRefused as refusal:
            raise CommandError(f"Audit purge refused: {refusal}.") from refusal
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(f"{count} audit entries older than {days} days {verb}.")
