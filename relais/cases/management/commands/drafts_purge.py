"""Forget online requests started but never sent, after 30 days (run daily; idempotent)."""

from django.core.management.base import BaseCommand

from relais.cases.services import drafts_purge


class Command(BaseCommand):
    help = "Delete unsent drafts (and their files) older than --days (default 30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days=30, dry_run=False, **options):
        count = drafts_purge(older_than_days=days, dry_run=dry_run)
        self.stdout.write(f"{count} draft(s) {'to delete' if dry_run else 'deleted'}")
