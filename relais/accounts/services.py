"""Writes about staff accounts and teams (administrators only)."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordForm
from allauth.core.context import request_context
from django.db import transaction
from django.http import HttpRequest

from relais.accounts.models import Membership, Team, User
from relais.core.audit import audit_log


@transaction.atomic
def staff_user_create(*, email: str, full_name: str, team: Team, role: str, actor, request: HttpRequest) -> User:
    """Create a staff login with no usable password and send a link to choose one.

    At first login the person must enrol a second factor before any staff page.
    """
    user = User.objects.create_user(email=email, full_name=full_name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, team=team, role=role)
    audit_log(actor=actor, action="user.created", obj=user, request=request, details={"team": team.slug, "role": role})
    transaction.on_commit(lambda: _send_invitation(user.email, request))
    return user


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
        action="membership.added" if created else "membership.changed",
        obj=user,
        request=request,
        details={"team": team.slug, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor, request: HttpRequest | None = None) -> None:
    audit_log(
        actor=actor,
        action="membership.removed",
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
    audit_log(actor=actor, action="user.activated" if active else "user.deactivated", obj=user, request=request)


@transaction.atomic
def team_save(*, form, actor, request: HttpRequest | None = None) -> Team:
    creating = form.instance.pk is None
    team = form.save()
    audit_log(actor=actor, action="team.created" if creating else "team.updated", obj=team, request=request)
    return team
