"""What a mediation service refuses for a reason the person can act on (a slot taken, a
registration closed or made twice): the views catch these and say it kindly."""

from __future__ import annotations

from relais.mediation.models import Registration


class SlotTaken(Exception):
    """Someone else booked this slot first, or it is no longer offered."""


class RegistrationRefused(Exception):
    def __init__(self, message: str, existing: Registration | None = None):
        super().__init__(message)
        self.message = message
        self.existing = existing


class AlreadyRegistered(RegistrationRefused):
    pass


class RegistrationClosed(RegistrationRefused):
    pass
