"""Send the webhook deliveries that are due, now (the safety net behind the tasks: a task
lost or never enqueued). Idempotent: a delivery being sent by a worker is left alone."""

from django.core.management.base import BaseCommand

from relais.api.webhooks import deliver_due


class Command(BaseCommand):
    help = "Send the webhook deliveries whose time has come."

    def handle(self, *args, **options):
        counts = deliver_due()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")
