"""Import places from a file in the Schéma des lieux de médiation numérique (CSV or JSON)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.directory.importer import import_places


class Command(BaseCommand):
    help = (
        "Import places from a CSV or JSON file in the national schema. Nothing is imported when a row "
        "is invalid, unless --partial is given (valid rows are imported, the others reported)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .csv or .json file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--partial", action="store_true", help="import the valid rows even if others are invalid")
        parser.add_argument("--format", choices=["csv", "json"], help="default: from the file name")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or ("json" if path.suffix.lower() == ".json" else "csv")
        report = import_places(
            path.read_text(encoding="utf-8-sig"), fmt=fmt, partial=options["partial"], dry_run=options["dry_run"]
        )
        for error in report.errors:
            where = f"ligne {error.line}" if fmt == "csv" else f"élément {error.line}"
            self.stderr.write(f"{where} ({error.name}): " + " ; ".join(error.messages))
        self.stdout.write(report.summary)
        if report.errors and not report.partial:
            raise CommandError("Nothing imported: fix the rows above, or use --partial.")
