"""Appointment types of any team (État civil, CCAS, Urbanisme, the digital advisors) and
their openings (drop-ins "sur rendez-vous" tied to a type, with a number of counters).

Only the team's managers (and, for a mediation team, its advisors) change them; an
opening changes under the booking locks, and never strands an appointment already taken
(the drop-in rules apply: see `services.dropins`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core.audit import audit_log
from relais.core.http import OutOfReach
from relais.core.pagecache import public_pages_changed
from relais.mediation import choices as c
from relais.mediation import selectors
from relais.mediation.journal import Action
from relais.mediation.models import Appointment, AppointmentType, DropIn
from relais.mediation.services._common import actor_or_none, lock_for_booking
from relais.mediation.services.dropins import _check_future_appointments_fit


def _check_team(actor, team_id) -> None:
    if team_id not in selectors.type_manager_team_ids(actor):
        raise OutOfReach("Only the team's managers define its appointment types.")


@transaction.atomic
def type_save(*, kind: AppointmentType, actor, request: HttpRequest | None = None) -> AppointmentType:
    """Create or change a type; its openings' slots follow its duration."""
    _check_team(actor, kind.team_id)
    creating = kind.pk is None
    if creating:
        kind.created_by = actor_or_none(actor)
    else:
        before = AppointmentType.objects.select_for_update().get(pk=kind.pk)
        if before.team_id != kind.team_id:
            _check_team(actor, before.team_id)
            if before.appointments.exists():
                raise ValidationError({"team": _("Des rendez-vous sont déjà pris : ce type reste à son équipe.")})
    kind.full_clean()
    kind.save()
    kind.openings.exclude(slot_minutes=kind.duration).update(slot_minutes=kind.duration)
    kind.openings.update(team_id=kind.team_id)
    audit_log(
        actor=actor,
        action=Action.APPOINTMENT_TYPE_CREATED if creating else Action.APPOINTMENT_TYPE_UPDATED,
        obj=kind,
        request=request,
        details={"title": kind.title, "published": kind.published, "confirm_by_code": kind.confirm_by_code},
    )
    public_pages_changed()
    return kind


@transaction.atomic
def opening_save(*, opening: DropIn, kind: AppointmentType, actor, request: HttpRequest | None = None) -> DropIn:
    """Create or change an opening of `kind`: a place, opening rules and counters.

    Fewer counters than appointments already taken at one time is refused."""
    _check_team(actor, kind.team_id)
    creating = opening.pk is None
    opening.appointment_type = kind
    opening.team_id = kind.team_id
    opening.slot_minutes = kind.duration
    if opening.booking == c.Booking.WALK_IN:
        opening.booking = c.Booking.APPOINTMENT
    opening.title = kind.title[:120]
    if creating:
        opening.created_by = actor_or_none(actor)
    opening.full_clean()
    if not creating:
        if DropIn.objects.get(pk=opening.pk).appointment_type_id != kind.pk:
            raise OutOfReach("Not an opening of this type.")
        lock_for_booking(opening)
        before = DropIn.objects.get(pk=opening.pk)  # read under the lock: what bookings saw
        _check_future_appointments_fit(opening, before)
        to_come = Appointment.objects.active().filter(dropin=opening, starts_at__gte=timezone.now())
        if opening.place_id != before.place_id and to_come.exists():
            raise ValidationError(
                {"place": _("Des rendez-vous à venir sont pris à ce lieu : déplacez-les ou fermez ces jours d'abord.")}
            )
        if opening.counters < before.counters:
            busiest = to_come.filter(counter__gt=opening.counters).order_by("starts_at").first()
            if busiest is not None:
                raise ValidationError(
                    {"counters": _("Des rendez-vous sont déjà pris au guichet %(n)s : déplacez-les d'abord, ou "
                                   "gardez %(m)s guichets.") % {"n": busiest.counter, "m": before.counters}}
                )  # fmt: skip
    opening.save()
    audit_log(
        actor=actor,
        action=Action.OPENING_CREATED if creating else Action.OPENING_UPDATED,
        obj=opening,
        request=request,
        details={"type": kind.pk, "place": opening.place_id, "counters": opening.counters},
    )
    public_pages_changed()
    return opening
