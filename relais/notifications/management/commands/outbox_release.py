"""Let the held outbox messages go, or discard them (after a restore, see `hold_queued`).

relais outbox_release            # send them, each at its turn
relais outbox_release --discard  # never send them (kept in the history as cancelled)
relais outbox_release --dry-run  # only count them
"""

from django.core.management.base import BaseCommand

from relais.notifications.models import Message, MessageStatus
from relais.notifications.services import outbox_release


class Command(BaseCommand):
    help = "Release (send) or discard the messages held in the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--discard", action="store_true", help="Cancel them instead of sending them.")
        parser.add_argument("--dry-run", action="store_true", help="Only count the held messages.")

    def handle(self, *args, discard=False, dry_run=False, **options):
        if dry_run:
            self.stdout.write(f"{Message.objects.filter(status=MessageStatus.HELD).count()} message(s) held")
            return
        count = outbox_release(discard=discard)
        self.stdout.write(f"{count} message(s) {'discarded' if discard else 'released'}")
