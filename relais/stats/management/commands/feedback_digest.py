"""E-mail the month's "démarches à simplifier" to managers and administrators.

Cron (the 1st of each month, for the month just ended; running it twice sends once):
    15 7 1 * *  relais feedback_digest
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from relais.stats.digest import feedback_digest, month_period


class Command(BaseCommand):
    help = "Queue the monthly digest of procedures to simplify (one e-mail per recipient and month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month).")
        parser.add_argument("--dry-run", action="store_true", help="Only list who would get a digest.")

    def handle(self, *args, month=None, dry_run=False, **options):
        if month:
            try:
                datetime.datetime.strptime(month, "%Y-%m")
            except ValueError as error:
                raise CommandError("--month must be YYYY-MM, e.g. 2026-03.") from error
            if month_period(month).end >= timezone.localdate():
                # Sent once per month (a dedupe key): a digest of a month not over would be final.
                raise CommandError(f"{month} is not over yet: a month's digest can be sent from its next day.")
        digests = feedback_digest(month=month, dry_run=dry_run)
        for digest in digests:
            self.stdout.write(f"{digest.email}: {len(digest.items)} item(s)")
        self.stdout.write(f"{len(digests)} digest(s) {'due' if dry_run else 'queued'}")
