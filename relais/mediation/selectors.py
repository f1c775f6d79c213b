"""Reads of the mediation app, already scoped to what the caller may see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from relais.accounts.models import Role
from relais.accounts.permissions import has_role, team_ids
from relais.mediation import choices as c
from relais.mediation.models import (
    Accompaniment,
    Appointment,
    DropIn,
    DropInCancellation,
    Occurrence,
    Registration,
    SchoolHoliday,
    Workshop,
    WorkshopSession,
)

MEDIATION_ROLES = (Role.ADVISOR, Role.MANAGER)
# Reception agents book and register residents at the counter for any mediation team.
BOOKING_ROLES = (Role.RECEPTION, Role.ADVISOR, Role.MANAGER)
BOOKING_HORIZON = datetime.timedelta(days=28)
BOOKING_MIN_NOTICE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Slot:
    dropin: DropIn
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def key(self) -> str:
        """The slot's start as it appears in URLs: local time, 202612011430."""
        return timezone.localtime(self.starts_at).strftime("%Y%m%d%H%M")


def parse_slot_key(key: str) -> datetime.datetime | None:
    try:
        naive = datetime.datetime.strptime(key, "%Y%m%d%H%M")
    except ValueError:
        return None
    return timezone.make_aware(naive)


# ---------------------------------------------------------------- drop-in sessions


def occurrences(
    *,
    dropins: QuerySet[DropIn] | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    days: int = 14,
) -> list[Occurrence]:
    """Sessions of `dropins` (published ones by default) in [start, end), in time order.

    Three queries whatever the number of drop-ins: drop-ins, holidays, cancellations.
    """
    start = start or timezone.now()
    end = end or start + datetime.timedelta(days=days)
    if dropins is None:
        dropins = DropIn.objects.published()
    dropins = list(dropins.select_related("place", "advisor"))
    if not dropins:
        return []
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    holidays = list(SchoolHoliday.objects.filter(end__gte=first, start__lte=last).values_list("start", "end"))
    cancelled: dict[int, dict] = defaultdict(dict)
    for dropin_id, day, notice in DropInCancellation.objects.filter(
        dropin__in=dropins, date__gte=first, date__lte=last
    ).values_list("dropin_id", "date", "notice"):
        cancelled[dropin_id][day] = notice
    found = []
    for dropin in dropins:
        found += dropin.occurrences(start, end, holidays=holidays, cancellations=cancelled[dropin.pk])
    return sorted(found, key=lambda o: (o.starts_at, o.dropin.place.nom, o.dropin.pk))


def next_sessions_at(place, *, limit: int = 4, days: int = 28) -> list[Occurrence]:
    return occurrences(dropins=DropIn.objects.published().filter(place=place), days=days)[:limit]


def sessions_by_place(*, days: int = 14, per_place: int = 3) -> list[tuple]:
    """[(place, [occurrence, …]), …] for the "get help" page, places in name order."""
    grouped: dict = {}
    for occ in occurrences(days=days):
        grouped.setdefault(occ.dropin.place, [])
        if len(grouped[occ.dropin.place]) < per_place:
            grouped[occ.dropin.place].append(occ)
    return sorted(grouped.items(), key=lambda item: item[0].nom)


def dropins_visible_to(user) -> QuerySet[DropIn]:
    return DropIn.objects.filter(team_id__in=team_ids(user, *MEDIATION_ROLES)).select_related("place", "advisor")


# ---------------------------------------------------------------- appointments


def free_slots(
    *,
    dropins: QuerySet[DropIn] | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> list[Slot]:
    """Bookable slots not taken yet (neither the slot nor its advisor at that time)."""
    now = timezone.now()
    start = max(start or now, now + BOOKING_MIN_NOTICE)
    end = end or now + BOOKING_HORIZON
    if dropins is None:
        dropins = DropIn.objects.all()
    dropins = dropins.bookable()
    # A session that began before `start` may still have later slots.
    window_start = start - datetime.timedelta(hours=12)
    occs = [o for o in occurrences(dropins=dropins, start=window_start, end=end) if not o.cancelled]
    if not occs:
        return []
    taken = Appointment.objects.active().filter(starts_at__gte=start, starts_at__lt=end)
    taken_slots = set(taken.values_list("dropin_id", "starts_at"))
    taken_advisors = set(taken.filter(advisor__isnull=False).values_list("advisor_id", "starts_at"))
    slots = []
    for occ in occs:
        for slot_start, slot_end in occ.dropin.slots(occ):
            if slot_start < start:
                continue
            if (occ.dropin.pk, slot_start) in taken_slots:
                continue
            if occ.dropin.advisor_id and (occ.dropin.advisor_id, slot_start) in taken_advisors:
                continue
            slots.append(Slot(occ.dropin, slot_start, slot_end))
    return sorted(slots, key=lambda s: (s.starts_at, s.dropin.pk))


def slot_for(dropin: DropIn, starts_at: datetime.datetime) -> Slot | None:
    """The free slot of `dropin` starting at `starts_at`, or None if it is not (or no longer) bookable."""
    window = datetime.timedelta(minutes=1)
    for slot in free_slots(
        dropins=DropIn.objects.filter(pk=dropin.pk), start=starts_at - window, end=starts_at + window
    ):
        if slot.starts_at == starts_at:
            return slot
    return None


def slots_by_day(slots: list[Slot]) -> list[tuple[datetime.date, list[Slot]]]:
    days: dict = {}
    for slot in slots:
        days.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    return list(days.items())


def places_with_appointments():
    """Places with at least one drop-in taking appointments (for the booking start page)."""
    from relais.directory.models import Place

    return Place.objects.published().filter(dropins__in=DropIn.objects.bookable()).distinct().order_by("nom")


def appointments_visible_to(user) -> QuerySet[Appointment]:
    """Advisors and managers: their teams' appointments. Reception agents: everyone's
    (they book and cancel for residents at the counter)."""
    qs = Appointment.objects.select_related("person", "place", "advisor", "dropin")
    if has_role(user, Role.RECEPTION):
        return qs
    return qs.filter(team_id__in=team_ids(user, *MEDIATION_ROLES))


# ---------------------------------------------------------------- workshops


def _with_sessions(qs: QuerySet[Workshop]) -> QuerySet[Workshop]:
    return qs.select_related("place", "advisor").prefetch_related(
        Prefetch("sessions", queryset=WorkshopSession.objects.order_by("starts_at"))
    )


def workshops_public(*, now=None) -> list[Workshop]:
    """Published workshops still to come, soonest first."""
    qs = _with_sessions(Workshop.objects.published().upcoming(now)).order_by("first_start", "pk")
    return list(qs)


def workshops_with_free_seats(*, limit: int | None = None) -> list[Workshop]:
    found = [w for w in workshops_public() if not w.is_full and w.registration_state() in ("open", "not_yet")]
    return found[:limit] if limit else found


def workshop_public(slug: str) -> Workshop:
    return _with_sessions(Workshop.objects.published()).get(slug=slug)


def workshops_visible_to(user) -> QuerySet[Workshop]:
    return _with_sessions(Workshop.objects.filter(team_id__in=team_ids(user, *MEDIATION_ROLES)))


def workshops_for_booking() -> QuerySet[Workshop]:
    """Workshops a reception agent may register someone for (public ones still to come)."""
    return _with_sessions(Workshop.objects.published().upcoming()).order_by("first_start")


def registrations_of(workshop: Workshop) -> QuerySet[Registration]:
    return workshop.registrations.select_related("person").order_by("queued_at", "pk")


def registrations_visible_to(user) -> QuerySet[Registration]:
    qs = Registration.objects.select_related("workshop", "workshop__place", "person")
    if has_role(user, Role.RECEPTION):
        return qs
    return qs.filter(workshop__team_id__in=team_ids(user, *MEDIATION_ROLES))


def duplicate_registration(workshop: Workshop, person) -> Registration | None:
    """An active registration of this person, or of someone with the same e-mail or phone."""
    from relais.core.text import phone_digits

    condition = Q(person=person)
    if person.email:
        condition |= Q(person__email__iexact=person.email)
    digits = phone_digits(person.phone)
    if len(digits) >= 8:
        condition |= Q(person__search_text__contains=digits)
    return Registration.objects.active().filter(workshop=workshop).filter(condition).first()


# ---------------------------------------------------------------- accompaniments


def accompaniments_visible_to(user) -> QuerySet[Accompaniment]:
    """A manager sees their teams' records; an advisor sees the ones they recorded."""
    condition = Q(team_id__in=team_ids(user, Role.MANAGER)) | Q(advisor=user, team_id__in=team_ids(user, Role.ADVISOR))
    return (
        Accompaniment.objects.filter(condition)
        .select_related("advisor", "place", "person", "team")
        .prefetch_related("participants")
    )


def last_accompaniment(user) -> Accompaniment | None:
    return Accompaniment.objects.filter(advisor=user).order_by("-created_at", "-pk").first()


def usual_place(user):
    """The place of the advisor's last record, else the first place of their team."""
    last = Accompaniment.objects.filter(advisor=user, place__isnull=False).order_by("-created_at").first()
    if last:
        return last.place
    from relais.directory.models import Place

    return Place.objects.filter(teams__in=team_ids(user, *MEDIATION_ROLES)).order_by("nom").first()


def cases_for_accompaniment(*, person, user):
    """Cases of `person` filed under a mandate of one of the advisor's teams."""
    from relais.cases.models import Case

    if person is None:
        return Case.objects.none()
    return Case.objects.filter(person=person, acting_under__team_id__in=team_ids(user, *MEDIATION_ROLES)).order_by(
        "-submitted_at"
    )


# ---------------------------------------------------------------- a person's records


def person_records(*, person, user) -> dict:
    """What the staff member may see of a person's mediation records."""
    appointments = list(appointments_visible_to(user).filter(person=person).order_by("-starts_at")[:20])
    registrations = list(registrations_visible_to(user).filter(person=person).order_by("-created_at")[:20])
    accompaniments = []
    if has_role(user, *MEDIATION_ROLES):
        accompaniments = list(
            accompaniments_visible_to(user).filter(Q(person=person) | Q(participants=person)).distinct()[:20]
        )
    return {"appointments": appointments, "registrations": registrations, "accompaniments": accompaniments}


def resident_records(person) -> dict:
    now = timezone.now()
    return {
        "appointments": list(
            person.mediation_appointments.active()
            .filter(starts_at__gte=now)
            .select_related("place")
            .order_by("starts_at")
        ),
        "registrations": list(
            person.mediation_registrations.filter(
                status__in=[c.RegistrationStatus.CONFIRMED, c.RegistrationStatus.WAITLISTED]
            )
            .select_related("workshop", "workshop__place")
            .order_by("created_at")
        ),
    }


def advisor_feed_items(user, *, now=None):
    """An advisor's appointments, sessions and workshops from a month ago onwards."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=31)
    appointments = Appointment.objects.filter(advisor=user, starts_at__gte=since).select_related("person", "place")
    sessions = occurrences(
        dropins=DropIn.objects.filter(advisor=user), start=since, end=now + datetime.timedelta(days=120)
    )
    workshops = _with_sessions(Workshop.objects.filter(advisor=user).upcoming(since))
    return appointments, sessions, workshops
