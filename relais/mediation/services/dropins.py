"""Drop-in sessions (permanences) and school holidays: defining them, cancelling or
restoring one date. A change that would strand or double-book appointments already taken
is refused; a date cancelled (or a holiday added) revokes its appointments and tells the
people. Locks are taken as the booking takes them (see `services.appointments`)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core import events
from relais.core.audit import audit_log
from relais.mediation import text
from relais.mediation.journal import Action
from relais.mediation.models import Appointment, DropIn, DropInCancellation, SchoolHoliday
from relais.mediation.services._common import (
    actor_or_none,
    appointment_context,
    appointment_ics,
    check_mediation_team,
    emit_appointment,
    lock_for_booking,
)
from relais.notifications.services import notify

TIMING_FIELDS = ("start_date", "end_date", "start_time", "end_time", "rrule", "skip_school_holidays", "booking")


def _check_future_appointments_fit(dropin: DropIn, before: DropIn) -> None:
    """A change of timing or advisor must not strand or overlap appointments already booked.

    Each future appointment must still lie inside a session of the new definition, and a
    new advisor must be free at those times. A new slot length is fine: the appointments
    keep their own times, and new slots that would overlap them are never offered.
    """
    now = timezone.now()
    future = list(dropin.appointments.active().filter(starts_at__gte=now).order_by("starts_at"))
    if not future:
        return
    errors: dict[str, list[str]] = {}
    if any(getattr(dropin, name) != getattr(before, name) for name in TIMING_FIELDS):
        last = future[-1].ends_at
        sessions = dropin.occurrences(now - datetime.timedelta(days=1), last + datetime.timedelta(days=1))
        stranded = [
            a for a in future if not any(o.starts_at <= a.starts_at and a.ends_at <= o.ends_at for o in sessions)
        ]
        if not dropin.is_bookable:
            errors["booking"] = [
                _(
                    "%(n)s rendez-vous sont déjà pris à cette permanence : annulez-les d'abord, ou gardez les "
                    "rendez-vous."
                )
                % {"n": len(future)}
            ]
        elif stranded:
            errors["start_time"] = [
                _(
                    "%(n)s rendez-vous déjà pris (le premier : %(when)s) ne tiendraient plus dans ces horaires. "
                    "Annulez-les ou déplacez-les d'abord, ou gardez les horaires actuels."
                )
                % {"n": len(stranded), "when": text.moment_text(stranded[0].starts_at)}
            ]
    if dropin.advisor_id and dropin.advisor_id != before.advisor_id:
        clashes = [
            a
            for a in future
            if Appointment.objects.overlapping(a.starts_at, a.ends_at)
            .filter(advisor_id=dropin.advisor_id)
            .exclude(dropin=dropin)
            .exists()
        ]
        if clashes:
            errors["advisor"] = [
                _("Ce conseiller a déjà un rendez-vous au même moment que %(n)s rendez-vous de cette permanence.")
                % {"n": len(clashes)}
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dropin_save(*, dropin: DropIn, actor, request: HttpRequest | None = None) -> DropIn:
    check_mediation_team(actor, dropin.team_id, "Only the team's advisors and managers define its sessions.")
    creating = dropin.pk is None
    if creating:
        dropin.created_by = actor_or_none(actor)
    dropin.full_clean()
    if not creating:
        lock_for_booking(DropIn.objects.get(pk=dropin.pk), dropin)
        _check_future_appointments_fit(dropin, DropIn.objects.get(pk=dropin.pk))  # as it stands under the lock
    dropin.save()
    audit_log(
        actor=actor, action=Action.DROPIN_CREATED if creating else Action.DROPIN_UPDATED, obj=dropin,
        request=request,
    )  # fmt: skip
    return dropin


@transaction.atomic
def dropin_cancel_date(
    *, dropin: DropIn, date: datetime.date, notice: str, actor, request: HttpRequest | None = None
) -> DropInCancellation:
    """Cancel one session: residents read `notice`; its appointments are revoked and the people told.

    The drop-in row is locked first: a booking running at the same moment waits, then sees
    the date cancelled (and one that committed first is revoked here)."""
    dropin = DropIn.objects.select_for_update().get(pk=dropin.pk)
    if date < timezone.localdate():
        raise ValidationError({"date": _("Cette date est passée.")})
    day_start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    if not dropin.occurrences(day_start, day_start + datetime.timedelta(days=1), cancellations={}):
        raise ValidationError({"date": _("Il n'y a pas de permanence ce jour-là.")})
    cancellation, _created = DropInCancellation.objects.update_or_create(
        dropin=dropin, date=date, defaults={"notice": notice, "created_by": actor_or_none(actor)}
    )
    revoked = _revoke_appointments(
        Appointment.objects.filter(
            dropin=dropin, starts_at__gte=day_start, starts_at__lt=day_start + datetime.timedelta(days=1)
        ),
        notice=notice,
        actor=actor,
    )
    audit_log(
        actor=actor,
        action=Action.DROPIN_DATE_CANCELLED,
        obj=dropin,
        request=request,
        details={"date": date.isoformat(), "appointments_revoked": revoked},
    )
    return cancellation


def _revoke_appointments(appointments: QuerySet[Appointment], *, notice: str, actor) -> int:
    """Cancel the active ones among `appointments` on the service's side and tell each
    person, with `notice` and a calendar cancellation. The caller holds the drop-in locks."""
    revoked = 0
    for appointment in appointments.active().select_for_update(of=("self",)).select_related("person", "place"):
        appointment.save(update_fields=appointment.cancel(by_service=True, reason=notice))
        emit_appointment(appointment, events.APPOINTMENT_CANCELLED, by_service=True)
        notify(
            person=appointment.person,
            template="mediation_appointment_revoked",
            context=appointment_context(appointment, notice),
            related=appointment,
            actor=actor,
            attachments=appointment_ics(appointment, method="CANCEL"),
        )
        revoked += 1
    return revoked


@transaction.atomic
def dropin_restore_date(*, dropin: DropIn, date: datetime.date, actor, request: HttpRequest | None = None) -> None:
    deleted, _detail = DropInCancellation.objects.filter(dropin=dropin, date=date).delete()
    if deleted:
        audit_log(
            actor=actor, action=Action.DROPIN_DATE_RESTORED, obj=dropin, request=request,
            details={"date": date.isoformat()},
        )  # fmt: skip


@transaction.atomic
def holiday_save(*, holiday: SchoolHoliday, actor, request: HttpRequest | None = None) -> SchoolHoliday:
    """Save a holiday period. Drop-ins that skip school holidays no longer meet on those
    days: appointments already booked then are revoked and the people told."""
    holiday.full_clean()
    skipping = list(
        DropIn.objects.select_for_update().filter(skip_school_holidays=True).order_by("pk").values_list("pk", flat=True)
    )
    holiday.save()
    first = max(holiday.start, timezone.localdate())
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(holiday.end + datetime.timedelta(days=1), datetime.time.min))
    revoked = 0
    if skipping and start < end:
        notice = _("Pas de permanence pendant les vacances scolaires (%(name)s).") % {"name": holiday.name}
        revoked = _revoke_appointments(
            Appointment.objects.filter(dropin_id__in=skipping, starts_at__gte=start, starts_at__lt=end),
            notice=notice,
            actor=actor,
        )
    audit_log(
        actor=actor,
        action=Action.HOLIDAY_SAVED,
        obj=holiday,
        request=request,
        details={"appointments_revoked": revoked},
    )
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: SchoolHoliday, actor, request: HttpRequest | None = None) -> None:
    audit_log(actor=actor, action=Action.HOLIDAY_DELETED, obj=holiday, request=request)
    holiday.delete()
