"""Writes about staff accounts and teams (administrators only)."""

from __future__ import annotations

import datetime
import secrets

from allauth.account.forms import ResetPasswordForm
from allauth.core.context import request_context
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.accounts.journal import Action
from relais.accounts.models import Membership, StaffInvitation, Team, User
from relais.core import ratelimit
from relais.core.audit import audit_log

INVITATION_VALIDITY = datetime.timedelta(hours=72)
# Read aloud over the phone: no 0/O, no 1/I/L. 12 characters: about 59 bits.
INVITATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITATION_ATTEMPTS = 5
INVITATION_ATTEMPTS_WINDOW = 15 * 60


def has_second_factor(user) -> bool:
    """A TOTP or security key enrolled (recovery codes alone do not count)."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


@transaction.atomic
def staff_user_create(
    *, email: str, full_name: str, team: Team, role: str, actor, request: HttpRequest
) -> tuple[User, str]:
    """Create a staff login with no usable password, send a link to choose one, and issue
    the invitation code its owner enters before enrolling a second factor.

    Returns the user and the code, in clear, to show once to the administrator.
    """
    user = User.objects.create_user(email=email, full_name=full_name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, team=team, role=role)
    audit_log(
        actor=actor, action=Action.USER_CREATED, obj=user, request=request, details={"team": team.slug, "role": role}
    )
    transaction.on_commit(lambda: _send_invitation(user.email, request))
    _, code = staff_invitation_issue(user=user, actor=actor, request=request)
    return user, code


def _new_invitation_code() -> str:
    raw = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


@transaction.atomic
def staff_invitation_issue(
    *, user: User, actor, request: HttpRequest | None = None, code: str | None = None
) -> tuple[StaffInvitation, str]:
    """Issue a one-time code for `user`'s first second factor, revoking any earlier one.

    Returns the invitation and its code in clear: show it once, it is not kept. `code` is
    for the demo data only (a code printed in the README).
    """
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issue at a time per agent
    if has_second_factor(user):
        raise ValidationError(_("Cet agent a déjà activé sa double authentification : il n'a pas besoin de code."))
    now = timezone.now()
    revoked = StaffInvitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    code = code or _new_invitation_code()
    invitation = StaffInvitation.objects.create(
        user=user,
        code_hash=StaffInvitation.hash_code(code),
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        expires_at=now + INVITATION_VALIDITY,
    )
    audit_log(
        actor=actor,
        action=Action.INVITATION_ISSUED,
        obj=user,
        request=request,
        details={"expires_at": invitation.expires_at.isoformat(), "revoked_earlier": revoked},
    )
    return invitation, code


def _invitation_refusal(reason: str) -> str:
    ask = _("Demandez un nouveau code à l'administrateur de Relais.")
    return (
        {
            "too_many_attempts": _("Trop d'essais. Réessayez dans un quart d'heure."),
            "wrong": _("Ce code n'est pas le bon. Vérifiez-le."),
            "used": _("Ce code a déjà servi."),
            "revoked": _("Ce code a été remplacé par un code plus récent."),
            "expired": _("Ce code a expiré : il vaut 72 heures."),
        }[reason]
        + " "
        + ask
    )


def staff_invitation_redeem(*, user: User, code: str, request: HttpRequest | None = None) -> StaffInvitation:
    """Use up the invitation whose code `user` typed, or refuse with a ValidationError on
    "code" (too many tries, a wrong, used, replaced or expired code). Every try is journaled.
    """
    if not ratelimit.hit(
        "accounts:invitation", str(user.pk), limit=INVITATION_ATTEMPTS, window=INVITATION_ATTEMPTS_WINDOW
    ):
        reason = "too_many_attempts"
    else:
        reason = None
    with transaction.atomic():
        invitation = None
        if reason is None:
            invitation = (
                StaffInvitation.objects.select_for_update()
                .filter(user=user, code_hash=StaffInvitation.hash_code(code))
                .first()
            )
            if invitation is None:
                reason = "wrong"
            elif invitation.used_at is not None:
                reason = "used"
            elif invitation.revoked_at is not None:
                reason = "revoked"
            elif invitation.expires_at <= timezone.now():
                reason = "expired"
        if reason is None:
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
            audit_log(actor=user, action=Action.INVITATION_USED, obj=user, request=request)
            return invitation
        # Journaled and committed before the refusal is raised.
        audit_log(actor=user, action=Action.INVITATION_FAILED, obj=user, request=request, details={"reason": reason})
    raise ValidationError({"code": _invitation_refusal(reason)})


def _send_invitation(email: str, request: HttpRequest) -> None:
    """The "choose your password" e-mail, once the account exists for good."""
    invite = ResetPasswordForm(data={"email": email})
    if invite.is_valid():
        with request_context(request):
            invite.save(request)


@transaction.atomic
def membership_set(*, user: User, team: Team, role: str, actor, request: HttpRequest | None = None) -> Membership:
    membership, created = Membership.objects.update_or_create(user=user, team=team, defaults={"role": role})
    audit_log(
        actor=actor,
        action=Action.MEMBERSHIP_ADDED if created else Action.MEMBERSHIP_CHANGED,
        obj=user,
        request=request,
        details={"team": team.slug, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor, request: HttpRequest | None = None) -> None:
    audit_log(
        actor=actor,
        action=Action.MEMBERSHIP_REMOVED,
        obj=membership.user,
        request=request,
        details={"team": membership.team.slug, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor, request: HttpRequest | None = None) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        # End every open session of that login at once.
        from django.contrib.sessions.models import Session

        for session in Session.objects.all().iterator():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
    audit_log(
        actor=actor, action=Action.USER_ACTIVATED if active else Action.USER_DEACTIVATED, obj=user, request=request
    )


@transaction.atomic
def team_save(*, form, actor, request: HttpRequest | None = None) -> Team:
    creating = form.instance.pk is None
    team = form.save()
    audit_log(actor=actor, action=Action.TEAM_CREATED if creating else Action.TEAM_UPDATED, obj=team, request=request)
    return team
