from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver

from relais.accounts.journal import Action
from relais.core.audit import audit_log


@receiver(authenticator_added)
def second_factor_enrolled(sender, request, user, authenticator, **kwargs):
    """Enrolling proves possession of the factor: count it for this session."""
    if authenticator.type != authenticator.Type.RECOVERY_CODES:
        record_authentication(request, user, "mfa", type=authenticator.type, enrolled=True)
    audit_log(
        actor=user,
        action=Action.SECOND_FACTOR_ENROLLED,
        obj=user,
        request=request,
        details={"type": authenticator.type},
    )
