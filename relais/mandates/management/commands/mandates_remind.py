"""Tell residents a week before their mandate ends (run daily; idempotent)."""

from django.core.management.base import BaseCommand

from relais.mandates.services import mandates_remind


class Command(BaseCommand):
    help = "Send expiry reminders for mandates ending within 7 days."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the reminders due.")

    def handle(self, *args, dry_run=False, **options):
        count = mandates_remind(dry_run=dry_run)
        self.stdout.write(f"{count} reminder(s) {'due' if dry_run else 'queued'}")
