"""Daily: remind authors 7 days before their listing expires, then take expired listings down.

Idempotent (a reminder is sent once per expiry date, an expired listing is expired once),
so running it twice, or on several machines, sends nothing twice.
"""

from django.core.management.base import BaseCommand

from relais.mutualaid.services.listings import listings_expire, listings_send_reminders


class Command(BaseCommand):
    help = "Send mutual-aid expiry reminders (7 days before) and expire listings past their date."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be done, change nothing.")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        reminded = listings_send_reminders(dry_run=dry_run)
        expired = listings_expire(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(f"{reminded} reminder(s) {verb} sent, {expired} listing(s) {verb} expired.")
