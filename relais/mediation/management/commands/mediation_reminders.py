"""Queue today's reminders: appointments and workshop sessions of tomorrow (e-mail, SMS,
calls), and letters for those a few days ahead. Run it once a day (e.g. 9:00); running it
again the same day sends nothing twice."""

from django.core.management.base import BaseCommand

from relais.mediation.services import reminders


class Command(BaseCommand):
    help = "Queue the reminders of appointments and workshop sessions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count the reminders due, queue nothing")

    def handle(self, *args, **options):
        counts = reminders.reminders_send(dry_run=options["dry_run"])
        verb = "due" if options["dry_run"] else "queued (or already sent)"
        self.stdout.write(
            f"Reminders {verb}: {counts['appointments']} appointment(s), "
            f"{counts['workshop_sessions']} workshop registration(s)."
        )
