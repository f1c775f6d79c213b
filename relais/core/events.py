"""Events other systems may be told about (webhooks), raised by the domain services.

    events.emit("case.filed", team_id=case.team_id, recorded_by_id=case.recorded_by_id,
                data={"id": case.pk, "reference": case.reference, ...})

`emit` sends the `emitted` signal at once, inside the domain's transaction: a receiver
writes its rows there (they commit with the change, or vanish with its rollback: no event
lost between the two) and defers anything outside the database (tasks, network) with
`transaction.on_commit`. A failing receiver is logged and never breaks the domain action
(a receiver that writes does so in its own savepoint). The kernel knows no listener: the
api app connects to it (relais.api.webhooks) and decides who may hear what.

`data` carries no personal data: ids, references, codes, statuses, dates and channels only.
`recorded_by_id` is the account that filed, booked or registered the record (an
application's technical account when an application did): an application hears of its own
records even when it belongs to no team.
"""

from __future__ import annotations

import logging

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CASE_FILED = "case.filed"
CASE_STATUS_CHANGED = "case.status_changed"
APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_CANCELLED = "appointment.cancelled"
REGISTRATION_PROMOTED = "registration.promoted"

# Every event, with what an administrator reads when choosing them.
EVENTS = {
    CASE_FILED: _("Demande déposée"),
    CASE_STATUS_CHANGED: _("Changement d'état d'une demande"),
    APPOINTMENT_BOOKED: _("Rendez-vous pris"),
    APPOINTMENT_CANCELLED: _("Rendez-vous annulé"),
    REGISTRATION_PROMOTED: _("Inscription à un atelier confirmée depuis la liste d'attente"),
}

logger = logging.getLogger(__name__)

# Sent with: name, team_id, recorded_by_id, data, at (when the event happened).
emitted = Signal()


def label(name: str) -> str:
    return str(EVENTS.get(name, name))


def emit(name: str, *, team_id: int | None, data: dict, recorded_by_id: int | None = None) -> None:
    """Tell the listeners about `name` now, inside the current transaction (see above)."""
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}")
    at = timezone.now()
    replies = emitted.send_robust(
        sender=None, name=name, team_id=team_id, recorded_by_id=recorded_by_id, data=data, at=at
    )
    for receiver, reply in replies:
        if isinstance(reply, Exception):
            logger.error("event %s: receiver %r failed", name, receiver, exc_info=reply)


def iso(value) -> str | None:
    """A date or datetime as the events write it (ISO 8601, with its offset)."""
    return value.isoformat() if value is not None else None
