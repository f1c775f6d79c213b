"""Kept for existing schedules: `relais retention_purge --kind cases.drafts`, with a --days override."""

from django.core.management.base import BaseCommand

from relais.core.management.commands.retention_purge import run


class Command(BaseCommand):
    help = "Delete unsent drafts (and their files) past RELAIS_DRAFTS_RETENTION_DAYS (30 by default)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override the retention period, in days.")
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days=None, dry_run=False, **options):
        run(self, "cases.drafts", days=days, dry_run=dry_run)
