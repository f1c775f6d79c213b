"""Write a consistent backup of the database and the private files, with a checksum manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump -Fc) and the uploaded files into one "
        "dated folder with a manifest of sha256 checksums, versions and applied migrations."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Folder that receives the dated backup folder (default: RELAIS_VAR_DIR/backups).",
        )

    def handle(self, *args, output=None, **options):
        output = output or Path(settings.VAR_DIR) / "backups"
        try:
            folder = backup_create(output=output)
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(str(folder))
