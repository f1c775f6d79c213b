"""Seal the audit journal entries still waiting for their seal (idempotent; cron)."""

from django.core.management.base import BaseCommand, CommandError

from relais.core.audit import audit_seal
from relais.core.auditchain import ChainRefused


class Command(BaseCommand):
    help = (
        "Give every unsealed audit journal entry its chain position and MAC. Entries are "
        "normally sealed right after their transaction; this catches any left behind."
    )

    def handle(self, *args, **options):
        try:
            count = audit_seal()
        except ChainRefused as refusal:
            raise CommandError(f"Audit journal not sealed: {refusal}. Run `relais audit_verify`.") from refusal
        self.stdout.write(f"{count} audit entries sealed.")
