"""Send the e-mails and SMS whose time has come: the safety net behind the task queue.

Background tasks normally deliver each message at once and schedule retries. Run this
every few minutes from cron (or `--loop` as a service) so that a message is sent even if
its task was lost and no worker runs. `relais db_worker` does the same sweep itself every
few seconds (a send whose worker was killed is taken again once OUTBOX_LEASE_SECONDS have
passed). Idempotent.
"""

import time

from django.core.management.base import BaseCommand

from relais.notifications.models import Message
from relais.notifications.services import process_due


class Command(BaseCommand):
    help = "Deliver due outbox messages (e-mail, SMS)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the messages that are due.")
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="Run forever, every SECONDS.")

    def handle(self, *args, dry_run=False, loop=None, **options):
        while True:
            if dry_run:
                self.stdout.write(f"{Message.objects.due().count()} message(s) due")
            else:
                counts = process_due()
                if counts or not loop:
                    self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")
            if not loop:
                return
            time.sleep(loop)
