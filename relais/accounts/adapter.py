from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings

from relais.accounts.permissions import has_role


def is_staff_login(user) -> bool:
    """Logins that must use a second factor: team members and Django-admin users."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser or has_role(user)))


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self):
        return settings.DEFAULT_FROM_EMAIL


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return f"Relais {settings.RELAIS['TOWN_NAME']}"

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff may replace a second factor but never remove the last one."""
        if not is_staff_login(authenticator.user):
            return True
        others = Authenticator.objects.filter(user=authenticator.user).exclude(pk=authenticator.pk)
        return others.exclude(type=Authenticator.Type.RECOVERY_CODES).exists()
