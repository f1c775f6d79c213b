"""Apply the retention period of digital mediation (RELAIS_MEDIATION_RETENTION_DAYS, 365 by
default). Idempotent: run it daily; a second run the same day changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from relais.mediation.services import mediation_purge, retention_days


class Command(BaseCommand):
    help = (
        "Past the retention period: appointments and registrations lose their free text and private link, "
        "accompaniment records keep only their statistics, people known only from online bookings are deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override the retention period, in days")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be purged")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days if days is not None else retention_days()
        try:
            counts = mediation_purge(older_than_days=days, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        verb = "would be purged" if dry_run else "purged"
        self.stdout.write(
            f"Older than {days} days, {verb}: {counts['appointments']} appointment(s), "
            f"{counts['registrations']} registration(s), {counts['accompaniments']} accompaniment record(s), "
            f"{counts['people']} person record(s)."
        )
