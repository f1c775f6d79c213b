"""Partner applications and their keys: created, scoped, rotated and revoked by an administrator.

    application, raw_key = application_create(name=…, scopes=[Scope.REQUESTS_WRITE], actor=admin)
    raw_key = key_rotate(application=application, actor=admin)   # the old key works a day more
    key_revoke(key=key, actor=admin)                              # at once

A raw key is returned once and never stored: only its digest is.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relais.accounts.models import Membership, Role, User
from relais.api import keys
from relais.api.journal import Action
from relais.api.models import STAFF_SCOPES, Application, ApplicationKey, Scope
from relais.core.audit import audit_log
from relais.core.idempotency import create_once

# Roles a staff application may hold: it works cases or records accompaniments, never
# administers, moderates or reads statistics.
APPLICATION_ROLES = (Role.RECEPTION, Role.CASE_WORKER, Role.ADVISOR)
ROTATION_GRACE = datetime.timedelta(hours=24)


def _check(*, scopes, team, role) -> None:
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValidationError({"scopes": _("Droit inconnu : %(scope)s.") % {"scope": ", ".join(sorted(unknown))}})
    if not scopes:
        raise ValidationError({"scopes": _("Choisissez au moins un droit.")})
    staff = set(scopes) & set(STAFF_SCOPES)
    if staff and team is None:
        raise ValidationError({"team": _("Choisissez l'équipe dont l'application traite les dossiers.")})
    if staff and role not in APPLICATION_ROLES:
        raise ValidationError({"role": _("Choisissez le rôle de l'application dans l'équipe.")})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "application"
    slug, n = base, 1
    while Application.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _issue(application: Application, actor, submission_key=None) -> str:
    raw, prefix, digest = keys.generate()
    ApplicationKey.objects.create(
        application=application, prefix=prefix, digest=digest, created_by=actor, submission_key=submission_key
    )
    return raw


def application_create(
    *,
    name: str,
    scopes: list[str],
    actor,
    team=None,
    role: str = "",
    contact_email: str = "",
    rate_limit: int = 120,
    submission_key=None,
    request: HttpRequest | None = None,
) -> tuple[Application, str | None]:
    """A new application, its technical account (and role in its team), and its first key.

    The same `submission_key` twice (a double click) gives the first application back with
    no key (None): the key was shown to the first click only."""
    made = {}

    def create() -> Application:
        application, made["raw"] = _application_create(
            name=name, scopes=scopes, actor=actor, team=team, role=role, contact_email=contact_email,
            rate_limit=rate_limit, submission_key=submission_key, request=request,
        )  # fmt: skip
        return application

    application, _created = create_once(Application, submission_key, create)
    return application, made.get("raw")


@transaction.atomic
def _application_create(
    *, name, scopes, actor, team, role, contact_email, rate_limit, submission_key, request
) -> tuple[Application, str]:
    _check(scopes=scopes, team=team, role=role)
    slug = _unique_slug(name)
    user = User.objects.create_user(
        email=f"{slug}-{secrets.token_hex(4)}@applications.invalid", full_name=name, is_application=True
    )  # no password: it cannot log in
    application = Application.objects.create(
        name=name, slug=slug, scopes=sorted(set(scopes)), team=team, role=role if team else "", user=user,
        contact_email=contact_email, rate_limit=rate_limit, created_by=actor, submission_key=submission_key,
    )  # fmt: skip
    if team is not None and role:
        Membership.objects.create(user=user, team=team, role=role)
    raw = _issue(application, actor)
    audit_log(actor=actor, action=Action.APPLICATION_CREATED, obj=application, request=request,
              details={"name": name, "scopes": application.scopes, "team": team.pk if team else None, "role": role})  # fmt: skip
    return application, raw


@transaction.atomic
def application_update(
    *, application: Application, scopes: list[str], actor, rate_limit: int | None = None,
    contact_email: str | None = None, request: HttpRequest | None = None,
) -> Application:  # fmt: skip
    """Change what an application may do (its team and role stay: make a new one to move it)."""
    _check(scopes=scopes, team=application.team, role=application.role)
    application.scopes = sorted(set(scopes))
    if rate_limit is not None:
        application.rate_limit = rate_limit
    if contact_email is not None:
        application.contact_email = contact_email
    application.save(update_fields=["scopes", "rate_limit", "contact_email"])
    audit_log(actor=actor, action=Action.APPLICATION_UPDATED, obj=application, request=request,
              details={"scopes": application.scopes, "rate_limit": application.rate_limit})  # fmt: skip
    return application


@transaction.atomic
def application_revoke(*, application: Application, actor, request: HttpRequest | None = None) -> Application:
    """Every key stops at once; the technical account loses its role; history is kept."""
    now = timezone.now()
    application.revoked_at = now
    application.save(update_fields=["revoked_at"])
    application.keys.filter(revoked_at__isnull=True).update(revoked_at=now)
    Membership.objects.filter(user=application.user).delete()
    application.webhooks.update(is_active=False)
    User.objects.filter(pk=application.user_id).update(is_active=False)
    audit_log(actor=actor, action=Action.APPLICATION_REVOKED, obj=application, request=request)
    return application


def key_rotate(
    *,
    application: Application,
    actor,
    grace: datetime.timedelta = ROTATION_GRACE,
    submission_key=None,
    request: HttpRequest | None = None,
) -> str | None:
    """A new key; the current ones keep working for `grace`, then stop. The same
    `submission_key` twice makes one key (None to the second click: shown once)."""
    made = {}

    def lock():
        Application.objects.select_for_update().filter(pk=application.pk).first()

    def create() -> ApplicationKey:
        if not Application.objects.filter(pk=application.pk, revoked_at__isnull=True).exists():
            raise ValidationError(_("Cette application est révoquée."))
        until = timezone.now() + grace
        application.keys.filter(revoked_at__isnull=True, expires_at__isnull=True).update(expires_at=until)
        made["raw"] = _issue(application, actor, submission_key)
        audit_log(actor=actor, action=Action.KEY_ROTATED, obj=application, request=request,
                  details={"old_keys_expire": until.isoformat()})  # fmt: skip
        return application.keys.get(prefix=made["raw"][len(keys.KEY_START) :].partition("_")[0])

    create_once(ApplicationKey, submission_key, create, lock=lock)
    return made.get("raw")


@transaction.atomic
def key_revoke(*, key: ApplicationKey, actor, request: HttpRequest | None = None) -> ApplicationKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_log(actor=actor, action=Action.KEY_REVOKED, obj=key.application, request=request,
                  details={"prefix": key.prefix})  # fmt: skip
    return key
