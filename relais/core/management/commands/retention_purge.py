"""Apply every retention rule (core.retention), in order: run it daily; idempotent."""

from django.core.management.base import BaseCommand, CommandError

from relais.core import retention


class Command(BaseCommand):
    help = (
        "Delete or anonymise personal data past its retention period, kind by kind (see the register "
        "of processing activities); each kind refuses a period under its floor and is journaled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be done; write nothing.")
        parser.add_argument(
            "--kind",
            action="append",
            choices=[r.kind for r in retention.rules()],
            help="Only this kind (repeatable). Default: every kind, in order.",
        )

    def handle(self, *args, dry_run=False, kind=None, **options):
        kinds = kind or [r.kind for r in retention.rules()]
        try:
            retention.check_configuration()
        except Exception as error:
            raise CommandError(str(error)) from error
        for name in kinds:
            run(self, name, dry_run=dry_run)


def run(command: BaseCommand, kind: str, *, days: int | None = None, dry_run: bool = False) -> retention.Outcome:
    """Purge one kind and print one line (shared by the older per-app commands)."""
    try:
        outcome = retention.purge(kind, days=days, dry_run=dry_run)
    except retention.RetentionRefused as refusal:
        raise CommandError(f"Retention purge refused: {refusal}.") from refusal
    verb = "would be removed or anonymised" if dry_run else "removed or anonymised"
    command.stdout.write(
        f"{outcome.kind}: {outcome.count} record(s) older than {outcome.days} days "
        f"(before {outcome.cutoff:%Y-%m-%d %H:%M}) {verb}."
    )
    return outcome
