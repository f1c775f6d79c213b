"""Reads of the mediation app, already scoped to what the caller may see, and the rules
that only read and decide (how many appointments one may book online, whether a workshop
takes registrations, what a new record of accompaniment starts with)."""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relais.accounts.models import Role, TeamKind
from relais.accounts.permissions import has_role, memberships_of
from relais.core import pagecache
from relais.core.http import OutOfReach
from relais.core.models import Person
from relais.core.plainsql import attach_rows, joined_rows
from relais.mediation import choices as c
from relais.mediation import text
from relais.mediation.exceptions import RegistrationClosed
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
from relais.notifications.selectors import about

# Mediation powers (drop-ins, workshops, accompaniments, advisor screens) belong to these
# roles in a team of kind "mediation" only: a manager of État civil has none of them.
MEDIATION_ROLES = (Role.ADVISOR, Role.MANAGER)
# Reception agents (any team) book and register residents at the counter or on the phone;
# they see the time, place and person of appointments, never their topic.
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


# ---------------------------------------------------------------- who may do what


def mediation_team_ids(user, *roles: str) -> list[int]:
    """Ids of the mediation teams where the user holds one of `roles` (advisor or manager by default)."""
    roles = roles or MEDIATION_ROLES
    return [m.team_id for m in memberships_of(user) if m.team.kind == TeamKind.MEDIATION and m.role in roles]


def is_mediation_staff(user) -> bool:
    """An advisor or manager of a mediation team."""
    return bool(mediation_team_ids(user))


def can_book(user) -> bool:
    """Books appointments and registers people for others: reception agents and mediation staff."""
    return has_role(user, Role.RECEPTION) or is_mediation_staff(user)


def handles_appointments(user) -> bool:
    """Opens, books, moves and cancels appointments: those who `can_book`, and the agents of
    a team publishing appointment types (État civil's counter)."""
    return can_book(user) or is_appointment_agent(user)


def parse_slot_key(key: str) -> datetime.datetime | None:
    try:
        naive = datetime.datetime.strptime(key, "%Y%m%d%H%M")
    except ValueError:
        return None
    # Slots exist only around today: a key in year 1 or 9999 would overflow date arithmetic.
    if abs(naive.year - timezone.localdate().year) > 2:
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

    Three queries whatever the number of drop-ins: drop-ins, holidays, cancellations. The
    published sessions of the coming `days` (no `dropins`, `start` nor `end`: the "get help"
    page, the API) are worked out once a day per process and kept under the public-content
    version (any change of a drop-in, a cancellation or a holiday forgets them), then only
    the sessions not yet begun are given.
    """
    if dropins is None and start is None and end is None:
        now = timezone.now()
        today = timezone.localdate(now)
        whole_days = pagecache.remember(
            "mediation:sessions", lambda: _sessions_of_days(today, days), today, days, timeout=3600
        )
        end = now + datetime.timedelta(days=days)
        return [o for o in whole_days if now <= o.starts_at < end]
    return _occurrences(dropins=dropins, start=start, end=end, days=days)


def _sessions_of_days(first: datetime.date, days: int) -> list[Occurrence]:
    """Published sessions from the start of `first` to the end of the day `days` later."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min), tz)
    end = timezone.make_aware(
        datetime.datetime.combine(first + datetime.timedelta(days=days + 1), datetime.time.min), tz
    )
    return _occurrences(start=start, end=end)


def _occurrences(*, dropins=None, start=None, end=None, days: int = 14) -> list[Occurrence]:
    start = start or timezone.now()
    end = end or start + datetime.timedelta(days=days)
    if dropins is None:
        dropins = DropIn.objects.sessions()
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
    return occurrences(dropins=DropIn.objects.sessions().filter(place=place), days=days)[:limit]


def sessions_by_place(*, days: int = 14, per_place: int = 3) -> list[tuple]:
    """[(place, [occurrence, …]), …] for the "get help" page, places in name order."""
    grouped: dict = {}
    for occ in occurrences(days=days):
        grouped.setdefault(occ.dropin.place, [])
        if len(grouped[occ.dropin.place]) < per_place:
            grouped[occ.dropin.place].append(occ)
    return sorted(grouped.items(), key=lambda item: item[0].nom)


def dropins_visible_to(user) -> QuerySet[DropIn]:
    return DropIn.objects.filter(team_id__in=mediation_team_ids(user)).select_related("place", "advisor")


# ---------------------------------------------------------------- appointments


def _overlaps(intervals: list[tuple], start: datetime.datetime, end: datetime.datetime) -> bool:
    return any(taken_start < end and start < taken_end for taken_start, taken_end in intervals)


def free_slots(
    *,
    dropins: QuerySet[DropIn] | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    online: bool = True,
) -> list[Slot]:
    """Bookable slots whose times are free: no active appointment of the drop-in, nor of its
    advisor (at any drop-in), shares any minute with them. Intervals are compared, not start
    times, so slots of different lengths never overlap.

    `online`: as offered to residents, within each type's notice and horizon. Staff
    (`online=False`) book any slot to come but the base minimum notice."""
    now = timezone.now()
    start = max(start or now, now + BOOKING_MIN_NOTICE)
    if dropins is None:
        dropins = DropIn.objects.all()
    dropins = dropins.bookable().select_related("appointment_type")
    # An appointment type has its own notice and horizon; the others follow the defaults.
    horizons = [d.appointment_type.horizon for d in dropins if d.appointment_type_id]
    end = end or now + max([BOOKING_HORIZON, *horizons])
    # A session that began before `start` may still have later slots.
    window_start = start - datetime.timedelta(hours=12)
    occs = [o for o in occurrences(dropins=dropins, start=window_start, end=end) if not o.cancelled]
    if not occs:
        return []
    dropin_ids = {o.dropin.pk for o in occs}
    advisor_ids = {o.dropin.advisor_id for o in occs if o.dropin.advisor_id}
    by_dropin: dict[int, list] = defaultdict(list)
    by_advisor: dict[int, list] = defaultdict(list)
    for dropin_id, advisor_id, taken_start, taken_end in (
        Appointment.objects.active()
        .filter(starts_at__lt=end, ends_at__gt=start)
        .filter(Q(dropin_id__in=dropin_ids) | Q(advisor_id__in=advisor_ids))
        .values_list("dropin_id", "advisor_id", "starts_at", "ends_at")
    ):
        by_dropin[dropin_id].append((taken_start, taken_end))
        if advisor_id:
            by_advisor[advisor_id].append((taken_start, taken_end))
    slots = []
    for occ in occs:
        dropin = occ.dropin
        kind = dropin.appointment_type
        if kind is not None and online:
            first, last = max(start, now + kind.notice), min(end, now + kind.horizon)
        else:
            first, last = start, end
        for slot_start, slot_end in dropin.slots(occ):
            if slot_start < first or slot_start >= last:
                continue
            if _taken_count(by_dropin[dropin.pk], slot_start, slot_end) >= dropin.counters:
                continue
            if dropin.advisor_id and _overlaps(by_advisor[dropin.advisor_id], slot_start, slot_end):
                continue
            slots.append(Slot(dropin, slot_start, slot_end))
    return sorted(slots, key=lambda s: (s.starts_at, s.dropin.pk))


def _taken_count(intervals: list[tuple], start: datetime.datetime, end: datetime.datetime) -> int:
    return sum(1 for taken_start, taken_end in intervals if taken_start < end and start < taken_end)


def free_counter(dropin: DropIn, starts_at: datetime.datetime, ends_at: datetime.datetime) -> int | None:
    """The lowest counter of `dropin` with no active appointment sharing time with the slot
    (the caller holds the drop-in's lock), or None when every counter is busy."""
    busy = set(
        Appointment.objects.overlapping(starts_at, ends_at).filter(dropin=dropin).values_list("counter", flat=True)
    )
    return next((n for n in range(1, dropin.counters + 1) if n not in busy), None)


def slot_for(dropin: DropIn, starts_at: datetime.datetime, *, online: bool = True) -> Slot | None:
    """The free slot of `dropin` starting at `starts_at`, or None if it is not (or no longer)
    bookable (`online`: see `free_slots`)."""
    window = datetime.timedelta(minutes=1)
    for slot in free_slots(
        dropins=DropIn.objects.filter(pk=dropin.pk), start=starts_at - window, end=starts_at + window, online=online
    ):
        if slot.starts_at == starts_at:
            return slot
    return None


def slots_by_day(slots: list[Slot]) -> list[tuple[datetime.date, list[Slot]]]:
    days: dict = {}
    for slot in slots:
        days.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    return list(days.items())


def places_with_appointments(*, advisors_only: bool = True):
    """Places with at least one drop-in taking appointments (for the booking start page:
    digital advisors'; with `advisors_only=False`, appointment types' openings too)."""
    from relais.directory.models import Place

    dropins = DropIn.objects.with_advisors() if advisors_only else DropIn.objects.bookable()
    return Place.objects.published().filter(dropins__in=dropins).distinct().order_by("nom")


# ---------------------------------------------------------------- appointment types (any team)

# Members of a team who receive people by appointment, see its appointments and its daily list.
AGENT_ROLES = (Role.RECEPTION, Role.CASE_WORKER, Role.ADVISOR, Role.MANAGER)


def agent_team_ids(user) -> list[int]:
    """Teams where the user receives people (any kind of team)."""
    return [m.team_id for m in memberships_of(user) if m.role in AGENT_ROLES]


def type_manager_team_ids(user) -> list[int]:
    """Teams whose appointment types the user defines: managers of any team, and the
    advisors and managers of mediation teams (they define their drop-ins already)."""
    managed = [m.team_id for m in memberships_of(user) if m.role == Role.MANAGER]
    return sorted(set(managed) | set(mediation_team_ids(user)))


def appointment_team_ids(user) -> list[int]:
    """Teams whose appointments the user sees in full: mediation staff's teams, and the
    teams where they are an agent and which publish appointment types."""
    from relais.mediation.models import AppointmentType

    typed = set(AppointmentType.objects.filter(team_id__in=agent_team_ids(user)).values_list("team_id", flat=True))
    return sorted(typed | set(mediation_team_ids(user)))


def typed_agent_team_ids(user) -> list[int]:
    """Teams where the user is an agent and which publish appointment types."""
    from relais.mediation.models import AppointmentType

    return sorted(
        set(AppointmentType.objects.filter(team_id__in=agent_team_ids(user)).values_list("team_id", flat=True))
    )


def appointment_scope(user) -> Q:
    """The appointments the user sees in full: all of their mediation teams', and, as an agent
    of a team with types, that team's typed appointments only (not the digital advisors'
    appointments of a mediation team that also publishes a type)."""
    return Q(team_id__in=mediation_team_ids(user)) | Q(appointment_type__team_id__in=typed_agent_team_ids(user))


def is_appointment_agent(user) -> bool:
    return bool(appointment_team_ids(user))


def types_visible_to(user) -> QuerySet:
    from relais.mediation.models import AppointmentType

    return AppointmentType.objects.filter(team_id__in=type_manager_team_ids(user)).select_related("team", "procedure")


def types_published():
    """Types residents may book: published, with at least one published opening."""
    from relais.mediation.models import AppointmentType

    return (
        AppointmentType.objects.published()
        .filter(openings__in=DropIn.objects.bookable())
        .distinct()
        .select_related("team")
        .order_by("title")
    )


def noshow_count(person) -> int:
    """How many appointments this person missed without warning (all teams): staff see it
    when booking and on the appointment, to spot slots held and never used."""
    if person is None:
        return 0
    return Appointment.objects.filter(person=person, outcome=c.Outcome.NOSHOW).count()


def noshow_counts(person_ids) -> dict[int, int]:
    """{person id: appointments missed without warning} for the people of a list."""
    from django.db.models import Count

    rows = (
        Appointment.objects.filter(person_id__in={pk for pk in person_ids if pk}, outcome=c.Outcome.NOSHOW)
        .values("person_id")
        .annotate(n=Count("pk"))
    )
    return {row["person_id"]: row["n"] for row in rows}


def _contact_condition(*, user=None, contact: dict | None = None, person=None) -> Q | None:
    from relais.core.text import phone_digits

    contact = contact or {}
    condition = Q()
    if person is not None:
        condition |= Q(person=person)
        contact = {"email": person.email, "phone": person.phone}
    if user is not None and user.is_authenticated:
        condition |= Q(person__user=user)
    email = (contact.get("email") or "").strip()
    if email:
        condition |= Q(person__email__iexact=email)
    digits = phone_digits(contact.get("phone") or "")
    if len(digits) >= 8:
        condition |= Q(person__search_text__contains=digits)
    if not condition:
        last, first = (contact.get("last_name") or "").strip(), (contact.get("first_name") or "").strip()
        if not last:
            return None
        condition = Q(person__last_name__iexact=last, person__first_name__iexact=first)
    return condition


def check_type_cap(
    kind, *, user=None, contact: dict | None = None, person=None, exclude_pk=None, verified: bool = True
) -> None:
    """At most `kind.per_contact_cap` appointments of this type to come per phone, e-mail or
    person (resellers book many slots under one contact): ValidationError beyond.

    For a requester not `verified` (anyone may type someone else's phone number), the
    refusal does not name the type: it would tell what appointment its owner has."""
    if kind is None or not kind.per_contact_cap:
        return
    condition = _contact_condition(user=user, contact=contact, person=person)
    if condition is None:
        return
    qs = Appointment.objects.active().filter(appointment_type=kind, starts_at__gte=timezone.now()).filter(condition)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    taken = qs.count()
    if taken >= kind.per_contact_cap and not verified:
        raise ValidationError(
            _(
                "Ces coordonnées ont déjà le nombre maximum de rendez-vous de ce genre à venir. Pour changer de date, "
                "utilisez le lien reçu avec la confirmation, ou appelez la mairie au %(phone)s."
            )
            % {"phone": settings.RELAIS["TOWN_PHONE"]}
        )
    if taken >= kind.per_contact_cap:
        raise ValidationError(
            ngettext(
                "Ces coordonnées ont déjà %(n)s rendez-vous « %(kind)s » à venir, le maximum. Pour changer de date, "
                "utilisez le lien reçu avec la confirmation, ou appelez la mairie au %(phone)s.",
                "Ces coordonnées ont déjà %(n)s rendez-vous « %(kind)s » à venir, le maximum. Pour changer de date, "
                "utilisez le lien reçu avec la confirmation, ou appelez la mairie au %(phone)s.",
                kind.per_contact_cap,
            )
            % {"n": kind.per_contact_cap, "kind": kind.title, "phone": settings.RELAIS["TOWN_PHONE"]}
        )


def move_choices(appointment: Appointment, type_key: str = "", place_slug: str = "", *, team_ids=None) -> dict:
    """Where an appointment may move: the openings of its team, of its type (or of another
    published type of the team, ?type=), at any of their places (or one, ?lieu=). An
    appointment without a type moves among its team's untyped drop-ins, at its place by
    default. Staff pass `team_ids` (types need not be published for them)."""
    from relais.directory.models import Place
    from relais.mediation.models import AppointmentType

    all_types = AppointmentType.objects.filter(openings__in=DropIn.objects.bookable())
    if team_ids is None:
        all_types = all_types.filter(team_id=appointment.team_id, published=True)
        # A type asking for a code is reached by moving only from an appointment of that type.
        all_types = all_types.exclude(Q(confirm_by_code=True) & ~Q(pk=appointment.appointment_type_id or 0))
    else:
        all_types = all_types.filter(team_id__in=team_ids)
    types = list(all_types.distinct().order_by("title"))
    kind = next((t for t in types if str(t.pk) == type_key), None)
    if kind is None and appointment.appointment_type_id:
        kind = next((t for t in types if t.pk == appointment.appointment_type_id), None)
    if kind is not None:
        dropins = DropIn.objects.filter(appointment_type=kind)
    else:
        dropins = DropIn.objects.filter(team_id=appointment.team_id, appointment_type__isnull=True)
    places = list(Place.objects.filter(dropins__in=dropins.bookable()).distinct().order_by("nom"))
    place = next((p for p in places if p.slug == place_slug), None)
    if place is None and kind is None:
        place = appointment.place
    if place is not None:
        dropins = dropins.filter(place=place)
    return {"dropins": dropins, "types": types, "kind": kind, "places": places, "place": place}


def appointments_visible_to(user) -> QuerySet[Appointment]:
    """Advisors and managers of mediation teams: their teams' appointments. Reception
    agents: everyone's (they book and cancel for residents at the counter), but the topic
    is shown only where `topic_visible_to` says so."""
    qs = Appointment.objects.select_related("person", "place", "advisor", "dropin", "appointment_type")
    if has_role(user, Role.RECEPTION):
        return qs
    return qs.filter(appointment_scope(user))


def topic_visible_to(user, appointment: Appointment) -> bool:
    """What an appointment is for is told to its team's advisors and managers (or, for a
    team's appointment type, its agents) only."""
    if appointment.team_id in mediation_team_ids(user):
        return True
    return appointment.appointment_type_id is not None and appointment.team_id in typed_agent_team_ids(user)


def overlapping_appointments(*, dropin: DropIn, starts_at, ends_at, exclude_pk=None) -> QuerySet[Appointment]:
    """Active appointments of the drop-in, or of its advisor anywhere, sharing time with the interval."""
    condition = Q(dropin=dropin)
    if dropin.advisor_id:
        condition |= Q(advisor_id=dropin.advisor_id)
    qs = Appointment.objects.overlapping(starts_at, ends_at).filter(condition)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def max_future_appointments() -> int:
    """How many appointments to come one way of being reached may hold when booking online."""
    return int(settings.RELAIS.get("MEDIATION_MAX_FUTURE_APPOINTMENTS", 3))


def check_future_appointments_cap(*, user, contact: dict) -> None:
    """Online, one way to be reached holds at most a few appointments to come (a bot, or a
    joke, must not empty the calendar); staff booking at the counter are not limited."""
    from relais.core.text import phone_digits

    condition = Q()
    if user is not None and user.is_authenticated:
        condition |= Q(person__user=user)
    email = (contact.get("email") or "").strip()
    if email:
        condition |= Q(person__email__iexact=email)
    digits = phone_digits(contact.get("phone") or "")
    if len(digits) >= 8:
        condition |= Q(person__search_text__contains=digits)
    if not condition:
        # Reached by letter, or not at all: the name is all there is to count by.
        last, first = (contact.get("last_name") or "").strip(), (contact.get("first_name") or "").strip()
        if not last:
            return
        condition = Q(person__last_name__iexact=last, person__first_name__iexact=first)
    cap = max_future_appointments()
    if cap and Appointment.objects.active().filter(starts_at__gte=timezone.now()).filter(condition).count() >= cap:
        raise ValidationError(
            _(
                "Ces coordonnées ont déjà %(n)s rendez-vous à venir, le maximum en ligne. Pour en prendre un autre, "
                "annulez-en un avec le lien reçu, ou appelez la mairie au %(phone)s."
            )
            % {"n": cap, "phone": settings.RELAIS["TOWN_PHONE"]}
        )


# ---------------------------------------------------------------- workshops


def _sessions() -> Prefetch:
    return Prefetch("sessions", queryset=WorkshopSession.objects.order_by("starts_at"))


def _with_sessions(qs: QuerySet[Workshop]) -> QuerySet[Workshop]:
    return qs.select_related("place", "advisor").prefetch_related(_sessions())


def workshops_public(*, now=None, place=None) -> list[Workshop]:
    """Published workshops still to come, soonest first (at one place if given), with their
    seats taken as they are now.

    What changes only with an edit (titles, sessions, places) is kept in each process's
    memory under the public-content version (a change of a workshop or of a session forgets
    it); the seats taken, which each registration changes without touching the version, are
    read on every call (one small query) into copies."""
    if now is not None or place is not None:
        return _workshops_to_come(now=now, place=place)  # one place's: filtered by the database
    kept, seats = _kept_workshops_and_seats()
    found = []
    for workshop in kept:
        if workshop.pk in seats:  # else deleted since
            workshop = copy.copy(workshop)
            workshop.confirmed_count = seats[workshop.pk]
            found.append(workshop)
    return found


def _kept_workshops_and_seats() -> tuple[list[Workshop], dict[int, int]]:
    """The workshops to come as kept in memory (shared: not to be changed), and their seats
    taken now ({pk: confirmed_count}, one small query)."""
    now = timezone.now()
    kept = pagecache.remember("mediation:workshops", lambda: _workshops_to_come(now=now), timeout=3600)
    # A workshop leaves the list when its first session begins; none joins without an edit.
    kept = [w for w in kept if w.first_start >= now]
    if not kept:
        return [], {}
    return kept, dict(Workshop.objects.filter(pk__in=[w.pk for w in kept]).values_list("pk", "confirmed_count"))


def _workshops_to_come(*, now=None, place=None) -> list[Workshop]:
    qs = Workshop.objects.published().upcoming(now)
    if place is not None:
        qs = qs.filter(place=place)
    return list(_with_sessions(qs).order_by("first_start", "pk"))


def workshops_with_free_seats(*, limit: int | None = None) -> list[Workshop]:
    found = [w for w in workshops_public() if not w.is_full and w.registration_state() in ("open", "not_yet")]
    return found[:limit] if limit else found


def workshops_state_key() -> tuple:
    """Every published workshop to come, with its seats taken and its registration state
    now: changes as soon as a seat is taken or freed, registrations open or close, or a
    workshop begins (what a kept answer listing workshops varies with)."""
    now = timezone.now()
    kept, seats = _kept_workshops_and_seats()
    return tuple((w.pk, seats.get(w.pk), w.registration_state(now)) for w in kept)


def seats_key(workshops: list[Workshop]) -> tuple:
    """What a list of workshop cards varies with beyond the public-content version (for a
    cached rendering): which workshops, and their seats taken."""
    return tuple((w.pk, w.confirmed_count) for w in workshops)


def workshop_public(slug: str, *, for_page: bool = True) -> Workshop:
    """A published workshop with its sessions; with its place and advisor when a page shows
    it (`for_page`). For a registration sent, neither (each read of a place decodes its
    hours, services and translations: at a rush's 1,000 registrations, for nothing), and in
    plain SQL (the ORM took ~0.6 ms to build the two queries, several times their answer)."""
    if for_page:
        return _with_sessions(Workshop.objects.published()).get(slug=slug)
    found = joined_rows(Workshop, "", "a.slug = %s", [slug])
    if not found or not found[0].is_published:
        raise Workshop.DoesNotExist(f"no published workshop {slug!r}")
    return _sessions_attached(found[0])


def _sessions_attached(workshop: Workshop) -> Workshop:
    """`workshop.sessions.all()` read now, in order, in plain SQL (what `_sessions()` prefetches)."""
    rows = joined_rows(WorkshopSession, "", "a.workshop_id = %s", [workshop.pk], order_by=("a.starts_at", "a.id"))
    attach_rows(workshop, "sessions", rows)
    return workshop


def registration_by_token(token: str) -> Registration | None:
    """A registration by its secret address, with its workshop, the workshop's place and
    sessions: all its page reads, in plain SQL (every resident of a rush is sent there)."""
    found = joined_rows(Registration, "workshop__place", "a.token = %s", [token])
    if not found:
        return None
    _sessions_attached(found[0].workshop)
    return found[0]


def workshops_visible_to(user) -> QuerySet[Workshop]:
    return _with_sessions(Workshop.objects.filter(team_id__in=mediation_team_ids(user)))


def workshops_for_booking() -> QuerySet[Workshop]:
    """Workshops a reception agent may register someone for (public ones still to come)."""
    return _with_sessions(_upcoming(Workshop.objects.published())).order_by("first_start", "pk")


def _upcoming(qs: QuerySet[Workshop], now=None) -> QuerySet[Workshop]:
    """`qs.upcoming()` (first session still to come) without aggregating every workshop's
    sessions first: only those with a session to come (the sessions' date index), none past."""
    now = now or timezone.now()
    to_come = WorkshopSession.objects.filter(starts_at__gte=now).values("workshop_id")
    past = WorkshopSession.objects.filter(workshop=OuterRef("pk"), starts_at__lt=now)
    return qs.filter(pk__in=to_come).exclude(Exists(past)).annotate(first_start=Min("sessions__starts_at"))


def workshops_for_registering(user) -> QuerySet[Workshop]:
    """Workshops the user may register someone for: public ones still to come (reception),
    and every workshop of their own mediation teams."""
    condition = Q(team_id__in=mediation_team_ids(user))
    if has_role(user, Role.RECEPTION):
        condition |= Q(pk__in=Workshop.objects.published().upcoming().values("pk"))
    return _with_sessions(Workshop.objects.filter(condition))


def registrations_of(workshop: Workshop) -> QuerySet[Registration]:
    return workshop.registrations.select_related("person").order_by("pk")


def next_waiting(workshop: Workshop) -> Registration | None:
    """Who gets the seat when one is given back (the rule is `workshops.promote_waitlisted`'s:
    the first waiting, when the workshop has not started)."""
    first = workshop.first_session
    if workshop.cancelled_at or first is None or first.is_past:
        return None
    return Registration.objects.waitlisted().filter(workshop=workshop).select_related("person").first()


def registrations_visible_to(user) -> QuerySet[Registration]:
    qs = Registration.objects.select_related("workshop", "workshop__place", "person")
    if has_role(user, Role.RECEPTION):
        return qs
    return qs.filter(workshop__team_id__in=mediation_team_ids(user))


def duplicate_registration(workshop: Workshop, person) -> Registration | None:
    """An active registration of this person, or of someone with the same first and last
    name and the same way to be reached (e-mail, phone or postal address). People sharing
    a household e-mail or phone are different people and may all register.

    Names, e-mails and addresses compare without regard to case, as Django's `iexact` does
    (UPPER on both sides: on PostgreSQL, LOWER would tell "Yıldız" from "YILDIZ"; SQLite
    folds ASCII letters only, either way). In plain SQL: every registration asks this while
    it holds the seat lock (SQLite's one writer), and the ORM took ~0.65 ms to build the
    query of two tables and three case-blind comparisons, ~12 % of that held time, against
    ~0.1 ms to run it (a rush's 1,000 registrations queue there).
    """
    from relais.core.text import phone_digits

    people, params = ["SELECT %s"], [person.pk]
    first, last = person.first_name.strip(), person.last_name.strip()
    if first and last:
        same_contact, contact_params = [], []
        if person.email:
            same_contact.append("UPPER(p.email) = UPPER(%s)")
            contact_params.append(person.email)
        digits = phone_digits(person.phone)
        if len(digits) >= 8:
            same_contact.append("p.search_text LIKE %s")  # digits only: nothing to escape
            contact_params.append(f"%{digits}%")
        if person.address.strip() and person.postal_code.strip():
            same_contact.append("(UPPER(p.address) = UPPER(%s) AND p.postal_code = %s)")
            contact_params += [person.address.strip(), person.postal_code.strip()]
        if same_contact:
            # The people of that name first (the index `person_name_folded`), then their
            # registrations to this workshop: as fast with 1,000 registered as with 10.
            people.append(
                f"SELECT p.id FROM {Person._meta.db_table} p"
                " WHERE UPPER(p.last_name) = UPPER(%s) AND UPPER(p.first_name) = UPPER(%s)"
                f" AND ({' OR '.join(same_contact)})"
            )  # noqa: S608 - table name from the model, every value a parameter
            params += [last, first, *contact_params]
    active = ", ".join(["%s"] * len(c.ACTIVE_REGISTRATION))
    # `+a.workshop_id`: not by the workshop's index, which would walk all its registrations.
    where = f"+a.workshop_id = %s AND a.status IN ({active}) AND a.person_id IN ({' UNION ALL '.join(people)})"
    found = joined_rows(
        Registration, "", where, [workshop.pk, *c.ACTIVE_REGISTRATION, *params], order_by=("a.id",), limit=1
    )
    return found[0] if found else None


def check_registration_open(workshop: Workshop, *, by_staff: bool = False) -> None:
    """Raise RegistrationClosed unless `workshop` takes registrations now (staff: until it begins)."""
    state = workshop.registration_state()
    first = workshop.first_session
    if state == "cancelled" or first is None or first.is_past:
        raise RegistrationClosed(_("Les inscriptions à cet atelier sont terminées."))
    if not by_staff and state == "not_yet":
        raise RegistrationClosed(
            _("Les inscriptions ouvrent le %(when)s.") % {"when": text.moment_text(workshop.registration_opens_at)}
        )
    if not by_staff and state != "open":
        raise RegistrationClosed(_("Les inscriptions à cet atelier sont terminées."))


# ---------------------------------------------------------------- accompaniments


def accompaniments_visible_to(user) -> QuerySet[Accompaniment]:
    """A manager sees their mediation teams' records; an advisor sees the ones they recorded."""
    condition = Q(team_id__in=mediation_team_ids(user, Role.MANAGER)) | Q(
        advisor=user, team_id__in=mediation_team_ids(user, Role.ADVISOR)
    )
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

    return Place.objects.filter(teams__in=mediation_team_ids(user)).order_by("nom").first()


def cases_for_accompaniment(*, person, user):
    """Cases of `person` filed under a mandate of one of the advisor's teams."""
    from relais.cases.models import Case

    if person is None:
        return Case.objects.none()
    return Case.objects.filter(person=person, acting_under__team_id__in=mediation_team_ids(user)).order_by(
        "-submitted_at"
    )


def _duration_choice(minutes: int) -> str:
    """The form's duration button for `minutes`: one of the usual lengths, else "other"."""
    return str(minutes) if minutes in c.DURATION_PRESETS else "other"


def accompaniment_defaults(
    *,
    user,
    from_last: bool = False,
    preset: str = "",
    appointment_id: int | None = None,
    session_id: int | None = None,
) -> tuple[dict, dict]:
    """What the form for a new record of accompaniment starts with, and what it is tied to.

    Today, 30 minutes, in a place of the structure (the advisor's usual one); then each
    source given, in this order, fills in more:
    - `from_last`: the advisor's last record (kind, duration, place, equipment, themes, autonomy);
    - `preset`: one of `choices.ACCOMPANIMENT_PRESETS` (a frequent accompaniment in one tap);
    - `appointment_id`: an appointment of one of their teams, an individual accompaniment of
      its person, on its day, at its place, for its length, in its team;
    - `session_id`: a session of one of their workshops, a collective one with the workshop's
      theme, the people seated as the participants to choose from and those marked present
      ticked.

    Returns (the form's initial values, links): links["person"], ["appointment"],
    ["session"] and ["participants"] are what the new record is tied to (None when not).
    Raises OutOfReach for an appointment or a session the user may not see.
    """
    initial = {"date": timezone.localdate(), "duration_choice": "30", "place_type": c.PlaceType.PLACE}
    links: dict = {"person": None, "appointment": None, "session": None, "participants": None}
    place = usual_place(user)
    if place:
        initial["place"] = place.pk
    if from_last:
        last = last_accompaniment(user)
        if last:
            initial.update(
                {
                    "kind": last.kind,
                    "duration_choice": _duration_choice(last.duration),
                    "duration_other": last.duration,
                    "place_type": last.place_type,
                    "place": last.place_id,
                    "commune": last.commune,
                    "equipment": last.equipment,
                    "themes": last.themes,
                    "admin_subthemes": last.admin_subthemes,
                    "autonomy": last.autonomy,
                }
            )
    chosen = c.ACCOMPANIMENT_PRESETS.get(preset)
    if chosen:
        values = dict(chosen["values"])
        initial["duration_choice"] = values.pop("duration")
        initial.update(values)
    if appointment_id is not None:
        appointment = (
            appointments_visible_to(user).filter(team_id__in=mediation_team_ids(user), pk=appointment_id).first()
        )
        if appointment is None:
            raise OutOfReach
        links["appointment"] = appointment
        links["person"] = appointment.person
        minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
        initial.update(
            {
                "date": timezone.localtime(appointment.starts_at).date(),
                "place": appointment.place_id,
                "place_type": c.PlaceType.PLACE,
                "kind": c.AccompanimentKind.INDIVIDUAL,
                "duration_choice": _duration_choice(minutes),
                "duration_other": minutes,
                "team": appointment.team_id,
            }
        )
    if session_id is not None:
        session = (
            WorkshopSession.objects.select_related("workshop")
            .filter(pk=session_id, workshop__in=workshops_visible_to(user))
            .first()
        )
        if session is None:
            raise OutOfReach
        links["session"] = session
        workshop = session.workshop
        registrations = workshop.registrations.seated()
        present = set(session.attendances.filter(present=True).values_list("registration__person_id", flat=True))
        links["participants"] = Person.objects.filter(pk__in=registrations.values("person_id")).order_by("last_name")
        minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
        initial.update(
            {
                "date": timezone.localtime(session.starts_at).date(),
                "kind": c.AccompanimentKind.COLLECTIVE,
                "place": workshop.place_id,
                "place_type": c.PlaceType.PLACE,
                "themes": [workshop.theme],
                "duration_choice": _duration_choice(minutes),
                "duration_other": minutes,
                "participants": list(present),
                "team": workshop.team_id,
            }
        )
    return initial, links


# ---------------------------------------------------------------- a person's records


def person_records(*, person, user) -> dict:
    """What the staff member may see of a person's mediation records."""
    appointments = list(appointments_visible_to(user).filter(person=person).order_by("-starts_at")[:20])
    registrations = list(registrations_visible_to(user).filter(person=person).order_by("-created_at")[:20])
    accompaniments = []
    if is_mediation_staff(user):
        accompaniments = list(
            accompaniments_visible_to(user).filter(Q(person=person) | Q(participants=person)).distinct()[:20]
        )
    return {"appointments": appointments, "registrations": registrations, "accompaniments": accompaniments}


def team_has_relation(*, user, person) -> bool:
    """The user's mediation teams booked, registered or accompanied this person."""
    teams = mediation_team_ids(user)
    appointment_teams = appointment_team_ids(user)
    if not teams and not appointment_teams:
        return False
    return (
        Appointment.objects.filter(appointment_scope(user), person=person).exists()
        or Registration.objects.filter(workshop__team_id__in=teams, person=person).exists()
        or Accompaniment.objects.filter(Q(person=person) | Q(participants=person), team_id__in=teams).exists()
    )


def messages_about_team_records(user):
    """Messages about the appointments and registrations of the user's mediation teams
    (reception agents book for everyone, but what a booking is for stays with the team)."""
    teams = mediation_team_ids(user)
    appointment_teams = appointment_team_ids(user)
    if not teams and not appointment_teams:
        return None
    return about(Appointment.objects.filter(appointment_scope(user))) | about(
        Registration.objects.filter(workshop__team_id__in=teams)
    )


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
    """An advisor's appointments, sessions and workshops from a month ago onwards (an
    appointment moved elsewhere is shown once, by its new row, which keeps its UID)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=31)
    # An advisor's own appointments, and those of the appointment types of the agent's teams.
    appointments = (
        Appointment.objects.filter(
            Q(advisor=user)
            | Q(appointment_type__isnull=False, advisor__isnull=True, team_id__in=appointment_team_ids(user)),
            starts_at__gte=since,
            rescheduled_to__isnull=True,
        )
        .exclude(outcome=c.Outcome.MOVED)
        .select_related("person", "place")
    )
    sessions = occurrences(
        dropins=DropIn.objects.filter(advisor=user), start=since, end=now + datetime.timedelta(days=120)
    )
    workshops = _with_sessions(Workshop.objects.filter(advisor=user).upcoming(since))
    return appointments, sessions, workshops
