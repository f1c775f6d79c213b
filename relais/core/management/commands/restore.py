"""Restore a backup written by `relais backup`, after checking every checksum."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.core.backup import BackupError, backup_describe, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Check a backup folder against its manifest (nothing is changed when a checksum differs), then "
        "replace the database and the uploaded files by the backup's, migrate, resume case references "
        "past the highest ever issued and hold queued messages. Stop the servers and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder written by `relais backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, path, yes=False, **options):
        try:
            manifest = backup_verify(path)
        except BackupError as error:
            raise CommandError(f"Restore refused: {error}") from error
        self.stdout.write(f"Checksums match: {backup_describe(manifest)}.")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Restore refused: confirm with --yes (the current data will be replaced).")
            answer = input("The current database and uploaded files will be replaced. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            done = backup_restore(path)
        except BackupError as error:
            raise CommandError(f"Restore refused: {error}") from error
        if done["previous_files"]:
            self.stdout.write(f"Previous uploaded files kept in {done['previous_files']} (delete once checked).")
        if not done["marks_found"]:
            self.stdout.write(
                "No high-water marks on this machine: numbers issued after the backup are unknown, "
                "so each series skips ahead (see README, Backups)."
            )
        for line in done["resumed"]:
            self.stdout.write(line)
        self.stdout.write("Restore done. Run `relais audit_verify`, then start the servers and workers.")
