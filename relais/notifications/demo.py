"""The demo's messages were delivered long ago: settle the outbox after the demo loads.

Each app's demo files requests, mandates… through the real services, which queue real
messages. `settle` (called by `demo_load` after every app) marks them delivered: e-mails
and SMS sent, letters in a batch printed and posted, calls made.
"""

from django.utils import timezone

from relais.core.models import ContactChannel
from relais.notifications.models import LetterBatch, Message, MessageStatus


def load(stdout):
    """Nothing to load: the messages come from the other apps' demos (see `settle`)."""


def settle(stdout) -> None:
    queued = Message.objects.filter(status=MessageStatus.QUEUED)
    if not queued.exists():
        return
    now = timezone.now()
    letters = queued.filter(channel=ContactChannel.LETTER, batch__isnull=True)
    if letters.exists():
        batch = LetterBatch.objects.create(downloaded_at=now, posted_at=now)
        letters.update(batch=batch)
    count = queued.update(status=MessageStatus.SENT, sent_at=now)
    stdout.write(f"  demo messages marked as delivered: {count}")
