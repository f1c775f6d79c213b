"""Share links: made, opened and withdrawn here only, each with its journal entry."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from relais.accounts.models import Role
from relais.accounts.permissions import has_role, team_ids
from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.stats.filters import Query
from relais.stats.journal import Action
from relais.stats.models import ShareLink, hash_secret, new_secret

# Who may give figures to a partner: the heads of teams and the administrators.
SHARING_ROLES = (Role.MANAGER, Role.ADMINISTRATOR)
DURATIONS = (7, 30, 90, 365)


def may_share(user) -> bool:
    return has_role(user, *SHARING_ROLES)


def links_visible_to(user):
    """Administrators see every link; a manager, the links they made and those about their teams."""
    if has_role(user, Role.ADMINISTRATOR):
        return ShareLink.objects.all()
    managed = set(team_ids(user, Role.MANAGER))
    mine = [
        link.pk
        for link in ShareLink.objects.only("pk", "query", "created_by_id")
        if link.created_by_id == user.pk or (link.query.get("teams") and set(link.query["teams"]) <= managed)
    ]
    return ShareLink.objects.filter(pk__in=mine)


def share_create(
    *, actor, audience: str, query: Query, label: str, days: int, submission_key=None, request=None
) -> tuple[ShareLink, str]:
    """A new link; returns it and its secret (only its hash is kept). The same submission
    (a double click) makes one link and answers the same secret."""
    if days not in DURATIONS:
        raise ValueError(f"unknown duration {days}")
    secret = new_secret(submission_key, actor.pk)

    def create() -> ShareLink:
        link = ShareLink.objects.create(
            label=label.strip()[:150],
            secret_hash=hash_secret(secret),
            audience=audience,
            query=query.describe(),
            created_by=actor,
            expires_at=timezone.now() + datetime.timedelta(days=days),
            submission_key=submission_key,
        )
        audit_log(
            actor=actor,
            action=Action.SHARE_CREATED,
            obj=link,
            request=request,
            details={"audience": audience, "for": link.label, "days": days, **query.describe()},
        )
        return link

    link, _created = create_once(ShareLink, submission_key, create)
    return link, secret


@transaction.atomic
def share_revoke(*, link: ShareLink, actor, request=None) -> None:
    updated = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if updated:
        audit_log(actor=actor, action=Action.SHARE_REVOKED, obj=link, request=request, details={"for": link.label})


def share_open(secret: str, *, request=None) -> ShareLink | None:
    """The open link of this secret, counted and journaled; None when unknown, expired or
    withdrawn (the caller answers 404 alike)."""
    if not secret or len(secret) > 100:
        return None
    link = ShareLink.objects.open().filter(secret_hash=hash_secret(secret)).first()
    if link is None:
        return None
    with transaction.atomic():
        ShareLink.objects.filter(pk=link.pk).update(opened_count=F("opened_count") + 1, last_opened_at=timezone.now())
        audit_log(actor=None, action=Action.SHARE_OPENED, obj=link, request=request, details={"for": link.label})
    return link
