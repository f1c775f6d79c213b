"""Print the current second-factor code of the demo staff accounts (demo only)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relais.accounts.demo import DEMO_INVITATION_CODE, DEMO_TOTP_SECRET
from relais.accounts.models import StaffInvitation


class Command(BaseCommand):
    help = (
        "Show the current 6-digit code for the demo staff logins, and the new agent's invitation code "
        "(only when DEBUG is on)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is only available with DEBUG=1 (demo installations).")
        counter = int(time.time()) // 30
        remaining = 30 - int(time.time()) % 30
        self.stdout.write(
            f"Code : {format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))} (valable encore {remaining} s)"
        )
        invitation = (
            StaffInvitation.objects.filter(code_hash=StaffInvitation.hash_code(DEMO_INVITATION_CODE))
            .select_related("user")
            .first()
        )
        if invitation is not None and invitation.is_open():
            self.stdout.write(f"Code d'invitation de {invitation.user.email} : {DEMO_INVITATION_CODE}")
        else:
            self.stdout.write("Pas de code d'invitation de démonstration ouvert : relancez `relais demo_load`.")
