"""Prepare the day's print batch of letters (run daily from cron; idempotent).

Reception agents can also prepare a batch at any time from "Courriers et appels".
"""

from django.core.management.base import BaseCommand

from relais.notifications.models import Message
from relais.notifications.services import letters_batch_create


class Command(BaseCommand):
    help = "Put every letter waiting into a new print batch."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the letters waiting.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            self.stdout.write(f"{Message.objects.letters_to_print().count()} letter(s) waiting")
            return
        batch = letters_batch_create(actor=None)
        self.stdout.write(
            f"batch {batch.pk}: {batch.letters.count()} letter(s) in {batch.envelopes} envelope(s)"
            if batch
            else "no letter waiting"
        )
