"""Print the current second-factor code of the demo staff accounts (demo only)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.accounts.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Show the current 6-digit code for the demo staff logins (only when DEBUG is on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is only available with DEBUG=1 (demo installations).")
        counter = int(time.time()) // 30
        remaining = 30 - int(time.time()) % 30
        self.stdout.write(
            f"Code : {format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))} (valable encore {remaining} s)"
        )
