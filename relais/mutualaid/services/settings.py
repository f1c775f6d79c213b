"""A mutual-aid team's board settings and its neighbourhoods."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from relais.core.audit import audit_log
from relais.mutualaid.journal import Action
from relais.mutualaid.models import BoardSettings, Neighbourhood


@transaction.atomic
def board_settings_save(
    *, team, publish_first_for_met: bool, actor, request: HttpRequest | None = None
) -> BoardSettings:
    row = BoardSettings.objects.select_for_update().get_or_create(team=team)[0]
    if row.publish_first_for_met != publish_first_for_met:
        row.publish_first_for_met = publish_first_for_met
        row.updated_by = actor
        row.save(update_fields=["publish_first_for_met", "updated_by", "updated_at"])
        audit_log(
            actor=actor,
            action=Action.SETTINGS_CHANGED,
            obj=row,
            request=request,
            details={"publish_first_for_met": publish_first_for_met},
        )
    return row


@transaction.atomic
def neighbourhood_save(*, form, actor, request: HttpRequest | None = None) -> Neighbourhood:
    created = form.instance.pk is None
    neighbourhood = form.save()
    audit_log(
        actor=actor,
        action=Action.NEIGHBOURHOOD_CREATED if created else Action.NEIGHBOURHOOD_UPDATED,
        obj=neighbourhood,
        request=request,
        details={"name": neighbourhood.name},
    )
    return neighbourhood
