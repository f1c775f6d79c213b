"""The demo's messages were delivered long ago: settle the outbox after the demo loads.

Each app's demo files requests, mandates… through the real services, which queue real
messages. `settle` (called by `demo_load` after every app) marks them delivered: e-mails
and SMS sent, letters in a batch printed and posted, calls made.
"""

from django.utils import timezone

from relais.core.models import ContactChannel
from relais.notifications.letters import count_envelopes
from relais.notifications.models import LetterBatch, Message, MessageStatus
from relais.notifications.services import sms_text
from relais.notifications.sms import segments


def load(stdout):
    """Nothing to load: the messages come from the other apps' demos (see `settle`)."""


def settle(stdout) -> None:
    queued = Message.objects.filter(status=MessageStatus.QUEUED)
    if not queued.exists():
        return
    now = timezone.now()
    letters = queued.filter(channel=ContactChannel.LETTER, batch__isnull=True)
    if letters.exists():
        # One envelope per resident: the batch's list of recipients shows who got several.
        batch = LetterBatch.objects.create(downloaded_at=now, posted_at=now, envelopes=count_envelopes(letters))
        letters.update(batch=batch)
    for message in queued.filter(channel=ContactChannel.SMS):
        Message.objects.filter(pk=message.pk).update(sms_segments=segments(sms_text(message)))
    count = queued.update(status=MessageStatus.SENT, sent_at=now)
    stdout.write(f"  demo messages marked as delivered: {count}")
