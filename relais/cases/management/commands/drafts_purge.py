"""Forget online requests started but never sent, after 30 idle days (run daily; idempotent)."""

from django.core.management.base import BaseCommand

from relais.cases.models import DRAFT_IDLE_DAYS
from relais.cases.services import drafts_purge


class Command(BaseCommand):
    help = f"Delete unsent drafts (and their files) untouched for --days (default {DRAFT_IDLE_DAYS})."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DRAFT_IDLE_DAYS)
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days=DRAFT_IDLE_DAYS, dry_run=False, **options):
        count = drafts_purge(older_than_days=days, dry_run=dry_run)
        self.stdout.write(f"{count} draft(s) {'to delete' if dry_run else 'deleted'}")
