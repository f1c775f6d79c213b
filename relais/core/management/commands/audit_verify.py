"""Check that the audit journal is intact: every entry, in chain order, against its MAC."""

from django.core.management.base import BaseCommand, CommandError

from relais.core.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Seal pending entries, then walk the audit journal's MAC chain from its start (or its "
        "last purge marker) to its head. Exit status 0 when intact, 1 at the first break."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-record", action="store_true", help="Do not journal the result (a `core.journal.verified` entry)."
        )

    def handle(self, *args, no_record=False, **options):
        report = audit_verify(record=not no_record)
        if not report.intact:
            raise CommandError(str(report), returncode=1)
        self.stdout.write(str(report))
