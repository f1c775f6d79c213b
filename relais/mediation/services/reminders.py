"""Reminders of appointments and workshop sessions, queued by the daily run
(`relais mediation_reminders`): by e-mail, SMS or call the day before, by letter a few
days ahead."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from relais.core.models import ContactChannel
from relais.mediation import choices as c
from relais.mediation import text
from relais.mediation.models import Appointment, Registration, WorkshopSession
from relais.mediation.services._common import appointment_context, in_language, workshop_context
from relais.notifications import channels
from relais.notifications.services import notify

LETTER_REMINDER_DAYS = 3  # a letter needs this many days to arrive before the appointment
LETTER_LATEST_DAYS = 2  # a run missed on that day still posts the letter the next day, not later
LETTER_MIN_LEAD = datetime.timedelta(days=7)  # booked closer than this, the confirmation letter is the reminder


def _reminder_channel(person, *, starts_at, booked_at, now) -> str | None:
    """The channel of a reminder queued now, or None when it is not (or no longer) the time.

    E-mail, SMS and calls: from the day before; the day itself too when the run of the day
    before was missed (but not for what was booked today: its confirmation is fresh).
    Letters: LETTER_REMINDER_DAYS ahead, or the day after when that run was missed, and
    only when booked well before (otherwise the confirmation letter is still fresh). Each
    reminder has its dedupe key, so these ranges never send twice.
    """
    channel, _where = channels.choose(person)
    today = timezone.localtime(now).date()
    days_ahead = (timezone.localtime(starts_at).date() - today).days
    if channel == ContactChannel.LETTER:
        if LETTER_LATEST_DAYS <= days_ahead <= LETTER_REMINDER_DAYS and starts_at - booked_at >= LETTER_MIN_LEAD:
            return channel
        return None
    if days_ahead == 1 or (days_ahead == 0 and timezone.localtime(booked_at).date() < today):
        return channel
    return None


def reminders_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Queue the reminders due by now of appointments and workshop sessions. Idempotent: each
    reminder has a dedupe key, so running it twice never sends twice, and a day's run
    missed is caught up by the next one."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    horizon = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=LETTER_REMINDER_DAYS + 1), datetime.time.min)
    )
    counts = {"appointments": 0, "workshop_sessions": 0}
    for appointment in (
        Appointment.objects.active().filter(starts_at__gt=now, starts_at__lt=horizon).select_related("person", "place")
    ):
        channel = _reminder_channel(
            appointment.person, starts_at=appointment.starts_at, booked_at=appointment.created_at, now=now
        )
        if channel is None:
            continue
        counts["appointments"] += 1
        if not dry_run:
            with transaction.atomic():
                notify(
                    person=appointment.person,
                    template="mediation_appointment_reminder",
                    context=appointment_context(appointment),
                    related=appointment,
                    channel=channel,
                    dedupe_key=f"mediation-appointment-{appointment.pk}-reminder",
                    expires_at=appointment.starts_at,  # never sent once the appointment has begun
                )
    sessions = list(
        WorkshopSession.objects.filter(starts_at__gt=now, starts_at__lt=horizon, workshop__cancelled_at__isnull=True)
        .select_related("workshop", "workshop__place")
        .prefetch_related(Prefetch("workshop__sessions", queryset=WorkshopSession.objects.order_by("starts_at")))
    )
    expected: dict[int, list[Registration]] = {}
    for registration in Registration.objects.filter(
        workshop_id__in={s.workshop_id for s in sessions}, status__in=c.EXPECTED
    ).select_related("person"):
        expected.setdefault(registration.workshop_id, []).append(registration)
    for session in sessions:
        for registration in expected.get(session.workshop_id, []):
            registration.workshop = session.workshop  # with its sessions already loaded
            booked_at = registration.confirmed_at or registration.created_at
            channel = _reminder_channel(registration.person, starts_at=session.starts_at, booked_at=booked_at, now=now)
            if channel is None:
                continue
            counts["workshop_sessions"] += 1
            if dry_run:
                continue
            context = workshop_context(registration)
            context["first"] = in_language(registration.person, text.moment_text, session.starts_at)
            with transaction.atomic():
                notify(
                    person=registration.person,
                    template="mediation_workshop_reminder",
                    context=context,
                    related=registration,
                    channel=channel,
                    dedupe_key=f"mediation-session-{session.pk}-registration-{registration.pk}-reminder",
                    expires_at=session.starts_at,
                )
    return counts
