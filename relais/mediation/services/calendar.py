"""Advisors' private calendar feeds: the secret address, its renewal, each fetch journaled."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from relais.core.audit import audit_log
from relais.mediation.journal import Action
from relais.mediation.models import CalendarToken, new_token


@transaction.atomic
def calendar_token_for(*, user) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_renew(*, user, request: HttpRequest | None = None) -> CalendarToken:
    """A new secret address; the old one stops working at once."""
    token, _created = CalendarToken.objects.get_or_create(user=user)
    token.token = new_token()
    token.save(update_fields=["token", "created_at"])
    audit_log(actor=user, action=Action.CALENDAR_TOKEN_RENEWED, obj=token, request=request)
    return token


def advisor_feed_fetched(*, token: CalendarToken, appointments, request: HttpRequest | None = None) -> None:
    """Journal one fetch of an advisor's private feed (calendar applications poll it): who
    was shown, by the people's ids."""
    audit_log(
        actor=token.user,
        action=Action.ADVISOR_FEED_FETCHED,
        obj=token,
        request=request,
        people={a.person_id for a in appointments},
        details={"appointments": len(appointments)},
    )
