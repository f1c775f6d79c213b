"""Digital mediation: drop-in sessions, appointments, workshops, registrations and the
record of every accompaniment (CRA).

Seats are guarded by the database: `Workshop.confirmed_count` is only changed by a
conditional UPDATE (`confirmed_count < capacity`) and a CHECK constraint refuses any
value above the capacity; a slot is booked once thanks to a partial unique index.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache

from dateutil import rrule as dateutil_rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core.idempotency import KeyedModel, submission_key_field
from relais.core.models import Channel
from relais.core.plainsql import PlainInsert, count_where
from relais.mediation import choices as c


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_calendar_uid() -> str:
    return f"appointment-{uuid.uuid4().hex}"


def rule_parts(rule: str) -> dict[str, str]:
    """ "FREQ=WEEKLY;BYDAY=TU" -> {"FREQ": "WEEKLY", "BYDAY": "TU"}."""
    parts = {}
    for item in (rule or "").upper().removeprefix("RRULE:").split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            parts[key.strip()] = value.strip()
    return parts


def _check_codes(values, allowed: dict, message) -> None:
    if not isinstance(values, list):
        raise ValidationError(_("Valeur attendue : une liste."))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(message, params={"values": ", ".join(map(str, unknown))})


def validate_themes(values):
    _check_codes(values, c.THEME_LABELS, _("Thème inconnu : %(values)s."))


def validate_admin_subthemes(values):
    _check_codes(values, c.ADMIN_SUBTHEME_LABELS, _("Démarche inconnue : %(values)s."))


def validate_equipment(values):
    _check_codes(values, dict(c.Equipment.choices), _("Matériel inconnu : %(values)s."))


# Occurrences one drop-in may produce for one page: a year of daily sessions, never more.
MAX_OCCURRENCES = 400


@lru_cache(maxsize=512)
def expand_rule(
    rule: str, dtstart: datetime.datetime, first: datetime.date, last: datetime.date, holidays: tuple
) -> tuple[datetime.datetime, ...]:
    """Local (naive) starts of the sessions of `rule` from `dtstart`, on the days `first` to
    `last`, days within a holiday (`holidays`: (first, last) dates) left out; MAX_OCCURRENCES
    at most.

    Expanding a rule walks it from its first session, on every page that lists sessions.
    The result depends only on these arguments (a drop-in's rule and times, the days shown,
    the school holidays when the drop-in skips them), so it is kept in each process's
    memory: a changed drop-in or holiday is a new key, never a stale answer."""
    window_start = datetime.datetime.combine(first, datetime.time.min)
    window_end = datetime.datetime.combine(last, datetime.time.max)
    found = []
    for naive in dateutil_rrule.rrulestr(rule or "FREQ=DAILY;COUNT=1", dtstart=dtstart).xafter(
        window_start, count=MAX_OCCURRENCES, inc=True
    ):
        if naive > window_end:
            break
        if holidays and any(a <= naive.date() <= b for a, b in holidays):
            continue
        found.append(naive)
    return tuple(found)


class SchoolHoliday(models.Model):
    """A period of school holidays; drop-in sessions may skip them."""

    name = models.CharField(_("nom"), max_length=100)
    start = models.DateField(_("premier jour"))
    end = models.DateField(_("dernier jour"))

    class Meta:
        verbose_name = _("vacances scolaires")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="holiday_end_after_start")]

    def __str__(self):
        return f"{self.name} ({self.start:%d/%m/%Y} – {self.end:%d/%m/%Y})"


@dataclass(frozen=True)
class Occurrence:
    """One dated session of a drop-in (cancelled ones are kept, with their notice)."""

    dropin: DropIn
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cancelled: bool = False
    notice: str = ""

    @property
    def date(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date()

    @property
    def place(self):
        return self.dropin.place


class AppointmentTypeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class AppointmentType(models.Model):
    """What a team receives people for by appointment (État civil: "Carte d'identité et
    passeport", 15 minutes; the CCAS; Urbanisme; the digital advisors), with its rules.

    Its openings are drop-ins "sur rendez-vous" tied to it (`DropIn.appointment_type`): a
    place, opening rules, and a number of counters (agents receiving in parallel). A
    drop-in without a type is a digital advisor's availability, as before types existed.
    """

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="appointment_types", verbose_name=_("équipe")
    )
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=90, unique=True)
    title = models.CharField(
        _("titre"), max_length=150, help_text=_("Par exemple : « Carte d'identité et passeport ».")
    )
    description = models.TextField(_("à quoi sert ce rendez-vous"), blank=True)
    duration = models.PositiveSmallIntegerField(
        _("durée d'un rendez-vous (minutes)"),
        default=15,
        # The same bounds as the database's check, said beside the field.
        validators=[
            MinValueValidator(5, _("Un rendez-vous dure au moins 5 minutes.")),
            MaxValueValidator(240, _("Un rendez-vous dure au plus 240 minutes (4 heures).")),
        ],
    )
    what_to_bring = models.TextField(_("à apporter"), blank=True, help_text=_("Un document par ligne."))
    notice_hours = models.PositiveSmallIntegerField(
        _("délai minimum avant un rendez-vous (heures)"),
        default=1,
        help_text=_("Un créneau plus proche que ce délai n'est plus proposé en ligne."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("réservation possible jusqu'à (jours)"),
        default=28,
        help_text=_("Combien de jours à l'avance on réserve."),
        validators=[
            MinValueValidator(1, _("Indiquez au moins 1 jour.")),
            MaxValueValidator(366, _("Indiquez au plus 366 jours (un an).")),
        ],
    )
    per_contact_cap = models.PositiveSmallIntegerField(
        _("rendez-vous à venir par personne"),
        default=1,
        help_text=_("Par téléphone, adresse électronique ou personne. 0 : pas de limite."),
    )
    confirm_by_code = models.BooleanField(
        _("demander un code reçu par SMS ou courriel avant de réserver"),
        default=False,
        help_text=_("Contre la revente des créneaux : le créneau n'est pris qu'une fois le code tapé."),
    )
    published = models.BooleanField(_("réservable en ligne"), default=True)
    procedure = models.ForeignKey(
        "directory.Procedure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment_types",
        verbose_name=_("fiche pratique liée"),
        help_text=_("La fiche montre alors un bouton « Prendre rendez-vous »."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("type de rendez-vous")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(duration__gte=5, duration__lte=240), name="appointment_type_duration"),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=366), name="appointment_type_horizon"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("mediation:book_type", args=[self.slug])

    def get_staff_url(self):
        return reverse("mediation:staff_type", args=[self.pk])

    @property
    def notice(self) -> datetime.timedelta:
        return datetime.timedelta(hours=self.notice_hours)

    @property
    def horizon(self) -> datetime.timedelta:
        return datetime.timedelta(days=self.horizon_days)

    def documents(self) -> list[str]:
        return [line.strip() for line in self.what_to_bring.splitlines() if line.strip()]


class DropInQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def bookable(self):
        return self.published().filter(booking__in=[c.Booking.APPOINTMENT, c.Booking.BOTH])

    def sessions(self):
        """Published drop-ins shown as sessions (permanences): not a type's openings."""
        return self.published().filter(appointment_type__isnull=True)

    def with_advisors(self):
        """Bookable drop-ins of digital advisors (no appointment type)."""
        return self.bookable().filter(appointment_type__isnull=True)


class DropIn(models.Model):
    """A recurring drop-in session (permanence), or an advisor's recurring availability
    for appointments (booking "sur rendez-vous"): the slots residents book come from these.

    The recurrence is an iCalendar RRULE applied to the local start date and time
    (Europe/Paris wall time, so sessions stay at 14:00 across daylight-saving changes).
    """

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="mediation_dropins", verbose_name=_("équipe")
    )
    place = models.ForeignKey(
        "directory.Place", on_delete=models.PROTECT, related_name="dropins", verbose_name=_("lieu")
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediation_dropins",
        verbose_name=_("conseiller"),
    )
    title = models.CharField(_("titre"), max_length=120, default="Permanence numérique")
    description = models.TextField(
        _("ce que l'on peut y faire"),
        blank=True,
        help_text=_("En français simple. Par exemple : ce qu'il faut apporter."),
    )
    themes = models.JSONField(_("thèmes"), default=list, blank=True, validators=[validate_themes])
    booking = models.CharField(_("accueil"), max_length=12, choices=c.Booking.choices, default=c.Booking.WALK_IN)
    start_date = models.DateField(_("à partir du"))
    end_date = models.DateField(_("jusqu'au"), null=True, blank=True)
    start_time = models.TimeField(_("heure de début"))
    end_time = models.TimeField(_("heure de fin"))
    rrule = models.CharField(
        _("règle de répétition (RRULE)"), max_length=300, default="FREQ=WEEKLY", help_text=_("FREQ=WEEKLY;BYDAY=TU")
    )
    skip_school_holidays = models.BooleanField(_("sauf pendant les vacances scolaires"), default=False)
    slot_minutes = models.PositiveSmallIntegerField(
        _("durée d'un rendez-vous (minutes)"),
        default=30,
        validators=[
            MinValueValidator(5, _("Un rendez-vous dure au moins 5 minutes.")),
            MaxValueValidator(240, _("Un rendez-vous dure au plus 240 minutes (4 heures).")),
        ],
    )
    # An opening of an appointment type (its slots last the type's duration), or none: a
    # digital advisor's availability as before types existed.
    appointment_type = models.ForeignKey(
        AppointmentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="openings",
        verbose_name=_("type de rendez-vous"),
    )
    counters = models.PositiveSmallIntegerField(
        _("guichets"),
        default=1,
        help_text=_("Nombre d'agents qui reçoivent en même temps : autant de rendez-vous au même horaire."),
        validators=[
            MinValueValidator(1, _("Indiquez au moins 1 guichet.")),
            MaxValueValidator(50, _("Indiquez au plus 50 guichets.")),
        ],
    )
    published = models.BooleanField(_("visible par les habitants"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DropInQuerySet.as_manager()

    class Meta:
        verbose_name = _("permanence")
        ordering = ["place__nom", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="dropin_ends_after_start"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5, slot_minutes__lte=240), name="dropin_slot_length"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")), name="dropin_end_date"
            ),
            models.CheckConstraint(condition=Q(counters__gte=1, counters__lte=50), name="dropin_counters"),
            # One advisor receives one person at a time: several counters are several agents.
            models.CheckConstraint(
                condition=Q(counters=1) | Q(advisor__isnull=True), name="dropin_counters_without_advisor"
            ),
        ]

    def __str__(self):
        return f"{self.title} – {self.place}"

    def clean(self):
        if self.rrule:
            try:
                self.rule(datetime.datetime(2026, 1, 1))
            except (ValueError, TypeError):
                raise ValidationError({"rrule": _("Cette règle de répétition n'est pas valide.")}) from None
            if "DTSTART" in self.rrule.upper() or "UNTIL" in self.rrule.upper():
                raise ValidationError({"rrule": _("Indiquez les dates de début et de fin dans leurs propres champs.")})
            if rule_parts(self.rrule).get("FREQ") not in c.RRULE_FREQUENCIES:
                raise ValidationError(
                    {"rrule": _("Une permanence revient chaque jour, semaine, mois ou année (FREQ=DAILY, WEEKLY, "
                                "MONTHLY ou YEARLY).")}
                )  # fmt: skip
            if not self.rule_is_allowed():
                raise ValidationError(
                    {"rrule": _("Les heures viennent des champs « heure de début » et « heure de fin » : la règle "
                                "ne peut pas les changer (BYHOUR, BYMINUTE…).")}
                )  # fmt: skip
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("L'heure de fin doit être après l'heure de début.")})
        if self.counters and self.counters > 1 and self.advisor_id:
            raise ValidationError(
                {"counters": _("Un conseiller reçoit une personne à la fois : pour plusieurs guichets, ne nommez "
                               "pas de conseiller.")}
            )  # fmt: skip

    @property
    def is_bookable(self) -> bool:
        return self.booking in (c.Booking.APPOINTMENT, c.Booking.BOTH)

    @property
    def accepts_walk_ins(self) -> bool:
        return self.booking in (c.Booking.WALK_IN, c.Booking.BOTH)

    def theme_labels(self) -> list[str]:
        return [str(c.THEME_LABELS.get(code, code)) for code in self.themes]

    def rule(self, dtstart: datetime.datetime):
        """The dateutil rule, starting at the naive local datetime `dtstart`."""
        return dateutil_rrule.rrulestr(self.rrule or "FREQ=DAILY;COUNT=1", dtstart=dtstart)

    def rule_is_allowed(self) -> bool:
        """Whether the rule is one a drop-in may use (see choices.RRULE_FREQUENCIES)."""
        parts = rule_parts(self.rrule or "FREQ=DAILY;COUNT=1")
        return parts.get("FREQ") in c.RRULE_FREQUENCIES and set(parts) <= set(c.RRULE_PARTS)

    def occurrences(
        self, start: datetime.datetime, end: datetime.datetime, *, holidays=None, cancellations=None
    ) -> list[Occurrence]:
        """Sessions beginning in [start, end), cancelled ones flagged; school holidays skipped if asked.

        `holidays` (list of (first, last) dates) and `cancellations` ({date: notice}) may be
        given to avoid a query per drop-in when listing many. At most MAX_OCCURRENCES are
        returned, and a rule saved before the rules were restricted gives none (it would
        cost seconds on every public page).
        """
        if end <= start or not self.rule_is_allowed():
            return []
        tz = timezone.get_current_timezone()
        first_local = timezone.localtime(start, tz).date()
        last_local = timezone.localtime(end, tz).date()
        if self.end_date:
            last_local = min(last_local, self.end_date)
        if last_local < self.start_date:
            return []
        if holidays is None:
            holidays = (
                list(
                    SchoolHoliday.objects.filter(end__gte=first_local, start__lte=last_local).values_list(
                        "start", "end"
                    )
                )
                if self.skip_school_holidays
                else []
            )
        if cancellations is None:
            cancellations = dict(
                self.cancellations.filter(date__gte=first_local, date__lte=last_local).values_list("date", "notice")
            )
        duration = datetime.datetime.combine(datetime.date.min, self.end_time) - datetime.datetime.combine(
            datetime.date.min, self.start_time
        )
        starts = expand_rule(
            self.rrule,
            datetime.datetime.combine(self.start_date, self.start_time),
            max(first_local, self.start_date),
            last_local,
            tuple(sorted(holidays)) if self.skip_school_holidays else (),
        )
        found = []
        for naive in starts:
            starts_at = timezone.make_aware(naive, tz)
            if not (start <= starts_at < end):
                continue
            day = naive.date()
            ends_at = timezone.make_aware(naive + duration, tz)
            found.append(Occurrence(self, starts_at, ends_at, day in cancellations, cancellations.get(day, "")))
        return found

    def slots(self, occurrence: Occurrence) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """Appointment slots of one session, `slot_minutes` long."""
        step = datetime.timedelta(minutes=self.slot_minutes)
        slots, at = [], occurrence.starts_at
        while at + step <= occurrence.ends_at:
            slots.append((at, at + step))
            at += step
        return slots


class DropInCancellation(models.Model):
    """One session of a drop-in that will not take place, with the notice residents read."""

    dropin = models.ForeignKey(DropIn, on_delete=models.CASCADE, related_name="cancellations")
    date = models.DateField(_("date"))
    notice = models.CharField(
        _("message aux habitants"),
        max_length=300,
        help_text=_("Par exemple : « Permanence annulée, le conseiller est en formation. Revenez mardi prochain. »"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("permanence annulée")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["dropin", "date"], name="dropin_cancellation_once")]

    def __str__(self):
        return f"{self.dropin} {self.date}"


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(cancelled_at__isnull=True)

    def overlapping(self, starts_at: datetime.datetime, ends_at: datetime.datetime):
        """Active appointments sharing some time with [starts_at, ends_at)."""
        return self.active().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Appointment(KeyedModel, models.Model):
    """A resident's appointment in a slot of a drop-in "sur rendez-vous".

    A slot (drop-in, start) is booked at most once while active: a partial unique index
    refuses the second of two people clicking at the same moment, and the booking service
    refuses any overlap of times (same drop-in or same advisor) under a lock of the drop-ins.
    Cancelling keeps the row (outcome `excused` when the resident cancels, `revoked` when
    the service does, `moved` when the resident chose another time).

    `calendar_uid` and `calendar_sequence` make the invitations sent to the resident one
    calendar event: a move keeps the UID and raises the sequence, a cancellation too.
    """

    dropin = models.ForeignKey(DropIn, on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.ForeignKey(
        AppointmentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("type de rendez-vous"),
    )
    # Which of the drop-in's counters receives the person (1 when it has one): chosen under
    # the drop-in's lock, and unique per slot while active (the database's guarantee).
    counter = models.PositiveSmallIntegerField(_("guichet"), default=1)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="mediation_appointments")
    place = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("lieu"))
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediation_appointments",
        verbose_name=_("conseiller"),
    )
    # None once the retention purge removed a person known only from online bookings: the
    # appointment stays, anonymous, for the statistics.
    person = models.ForeignKey(
        "core.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="mediation_appointments"
    )
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"))
    topic = models.CharField(_("pour quoi"), max_length=300, blank=True)
    channel = models.CharField(_("pris"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("suite"), max_length=10, choices=c.Outcome.choices, default=c.Outcome.UNKNOWN)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=300, blank=True)
    rescheduled_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_from"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    submission_key = submission_key_field()
    calendar_uid = models.CharField(max_length=64, default=new_calendar_uid, editable=False)
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("rendez-vous")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dropin", "starts_at", "counter"],
                condition=Q(cancelled_at__isnull=True),
                name="appointment_slot_once",
            ),
            models.CheckConstraint(condition=Q(counter__gte=1), name="appointment_counter_positive"),
            models.UniqueConstraint(
                fields=["advisor", "starts_at"],
                condition=Q(cancelled_at__isnull=True, advisor__isnull=False),
                name="appointment_advisor_once",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(outcome__in=list(c.CANCELLED_OUTCOMES)),
                name="appointment_cancelled_outcome",
            ),
        ]
        indexes = [
            # The staff list of a team's appointments to come, by time (read in order, no sort).
            models.Index(fields=["team", "starts_at", "id"], name="appointment_team_starts"),
        ]

    def __str__(self):
        return f"{self.person} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("mediation:staff_appointment", args=[self.pk])

    def get_resident_url(self):
        return reverse("mediation:appointment_manage", args=[self.token])

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()

    def can_be_changed_by_resident(self) -> bool:
        """A resident may cancel or move an appointment that is still to come."""
        return self.is_active and not self.is_past

    def cancel(self, *, by_service: bool, reason: str = "") -> list[str]:
        """Mark as cancelled; returns the fields to save. Refuses a past or cancelled one."""
        if not self.is_active:
            raise ValidationError(_("Ce rendez-vous est déjà annulé."))
        if self.is_past and not by_service:
            raise ValidationError(_("Ce rendez-vous est passé : il ne peut plus être annulé."))
        self.cancelled_at = timezone.now()
        self.outcome = c.Outcome.REVOKED if by_service else c.Outcome.EXCUSED
        self.cancel_reason = reason[:300]
        self.calendar_sequence += 1
        return ["cancelled_at", "outcome", "cancel_reason", "calendar_sequence"]

    def mark_moved(self) -> list[str]:
        """The resident chose another time: this one is freed (not an absence)."""
        if not self.can_be_changed_by_resident():
            raise ValidationError(_("Ce rendez-vous ne peut plus être changé."))
        self.cancelled_at = timezone.now()
        self.outcome = c.Outcome.MOVED
        return ["cancelled_at", "outcome"]

    def record_outcome(self, outcome: str) -> list[str]:
        """The advisor says what happened; only once the appointment has begun (an excuse
        given before is a cancellation: see services.appointments.appointment_record_outcome)."""
        if outcome not in (c.Outcome.SEEN, c.Outcome.NOSHOW, c.Outcome.EXCUSED, c.Outcome.UNKNOWN):
            raise ValidationError(_("Pour annuler un rendez-vous, utilisez le bouton « Annuler »."))
        if not self.is_active:
            raise ValidationError(_("Ce rendez-vous est annulé."))
        if outcome != c.Outcome.UNKNOWN and not self.is_past:
            raise ValidationError(_("Le rendez-vous n'a pas encore eu lieu."))
        self.outcome = outcome
        return ["outcome"]


class BookingCode(KeyedModel, models.Model):
    """A slot asked for online, waiting for the code sent to the resident (types that ask
    for it): nothing is held until the code is typed; the slot is then booked, if still free.

    Only a hash of the code is kept; it expires, allows a few tries, and is deleted with the
    person, or once used (the appointment then exists) by the retention purge.
    """

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    dropin = models.ForeignKey(DropIn, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    person = models.ForeignKey("core.Person", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    submission_key = submission_key_field()
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code de confirmation de rendez-vous")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.dropin_id} {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("mediation:book_code", args=[self.token])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class WorkshopQuerySet(models.QuerySet):
    def published(self):
        """Shown to residents (`Workshop.is_published`: the same rule, for one row read in
        plain SQL; tests/mediation/test_public_pages.py holds them equal)."""
        return self.filter(published=True, cancelled_at__isnull=True)

    def upcoming(self, now=None):
        """Workshops whose first session is still to come."""
        now = now or timezone.now()
        return self.annotate(first_start=models.Min("sessions__starts_at")).filter(first_start__gte=now)


class Workshop(models.Model):
    """A workshop (atelier, mini-stage) of one or several sessions, with limited seats."""

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="workshops", verbose_name=_("équipe")
    )
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=90, unique=True)
    title = models.CharField(_("titre"), max_length=150)
    description = models.TextField(_("description en français simple"))
    theme = models.CharField(_("thème"), max_length=40, choices=c.THEMES)
    level = models.CharField(_("niveau"), max_length=15, choices=c.Level.choices, default=c.Level.BEGINNER)
    place = models.ForeignKey(
        "directory.Place", on_delete=models.PROTECT, related_name="workshops", verbose_name=_("lieu")
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediation_workshops",
        verbose_name=_("animé par"),
    )
    partner = models.CharField(_("partenaire"), max_length=150, blank=True)
    accessibility_notes = models.TextField(_("accessibilité"), blank=True)
    what_to_bring = models.CharField(_("à apporter"), max_length=300, blank=True)
    capacity = models.PositiveSmallIntegerField(_("nombre de places"))
    confirmed_count = models.PositiveSmallIntegerField(_("places prises"), default=0, editable=False)
    registration_opens_at = models.DateTimeField(_("ouverture des inscriptions"))
    registration_closes_at = models.DateTimeField(
        _("fin des inscriptions"), null=True, blank=True, help_text=_("Vide : jusqu'au début du premier rendez-vous.")
    )
    published = models.BooleanField(_("visible par les habitants"), default=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_notice = models.CharField(_("message aux inscrits"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier")
        ordering = ["title"]
        constraints = [
            # The last line against a rush: no seat beyond the capacity, whatever the code does.
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("capacity")), name="workshop_seats_within_capacity"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workshop_capacity_positive"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("mediation:workshop", args=[self.slug])

    def get_staff_url(self):
        return reverse("mediation:staff_workshop", args=[self.pk])

    @property
    def free_seats(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_full(self) -> bool:
        return self.confirmed_count >= self.capacity

    @property
    def is_published(self) -> bool:
        """What `Workshop.objects.published()` keeps, for this row."""
        return self.published and self.cancelled_at is None

    def session_list(self) -> list[WorkshopSession]:
        """Sessions in order (uses a prefetch when there is one)."""
        return sorted(self.sessions.all(), key=lambda s: s.starts_at)

    @property
    def first_session(self) -> WorkshopSession | None:
        sessions = self.session_list()
        return sessions[0] if sessions else None

    @property
    def closes_at(self) -> datetime.datetime | None:
        first = self.first_session
        return self.registration_closes_at or (first.starts_at if first else None)

    def registration_state(self, now=None) -> str:
        """cancelled | not_yet | open | closed."""
        now = now or timezone.now()
        if self.cancelled_at:
            return "cancelled"
        if now < self.registration_opens_at:
            return "not_yet"
        closes = self.closes_at
        if closes is None or now >= closes:
            return "closed"
        return "open"

    def theme_label(self) -> str:
        return str(c.THEME_LABELS.get(self.theme, self.theme))


class WorkshopSession(models.Model):
    """One dated meeting of a workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"))

    class Meta:
        verbose_name = _("séance")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start")
        ]

    def __str__(self):
        return f"{self.workshop} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        """Attendance is taken, and a certificate given, only for a session that has begun."""
        return self.starts_at <= timezone.now()


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=c.ACTIVE_REGISTRATION)

    def seated(self):
        return self.filter(status__in=c.SEATED)

    def waitlisted(self):
        return self.filter(status=c.RegistrationStatus.WAITLISTED).order_by("pk")


class Registration(KeyedModel, PlainInsert, models.Model):
    """A person's place in a workshop: a seat, or a place in the waitlist.

    The waitlist order is the id, drawn by the database while the registration holds the
    workshop's lock: the order of arrival, whatever the clocks of the app servers say
    (`queued_at` is only shown). The position shown is computed, so a promotion never
    rewrites the others.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="registrations")
    # None once anonymised by the retention purge: the seat it took still counts.
    person = models.ForeignKey(
        "core.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="mediation_registrations"
    )
    status = models.CharField(_("état"), max_length=12, choices=c.RegistrationStatus.choices)
    queued_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(_("inscrit"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set when a seat freed up for this waitlisted registration (statistics: promotions).
    promoted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The first time staff printed the participation certificate (statistics).
    certificate_given_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    submission_key = submission_key_field()
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "person"],
                condition=~Q(status=c.RegistrationStatus.CANCELLED),
                name="registration_once_per_person",
            ),
        ]
        indexes = [models.Index(fields=["workshop", "status", "id"], name="registration_queue")]

    def __str__(self):
        return f"{self.person} – {self.workshop}"

    def get_resident_url(self):
        return reverse("mediation:registration_manage", args=[self.token])

    @property
    def holds_seat(self) -> bool:
        return self.status in c.SEATED

    @property
    def is_active(self) -> bool:
        return self.status in c.ACTIVE_REGISTRATION

    def waitlist_position(self) -> int | None:
        """1 for the next person to get a seat; None when not waiting."""
        if self.status != c.RegistrationStatus.WAITLISTED:
            return None
        # In plain SQL: the page every waitlisted resident of a rush is sent to asks it.
        ahead = count_where(
            Registration,
            "a.workshop_id = %s AND a.status = %s AND a.id < %s",
            [self.workshop_id, c.RegistrationStatus.WAITLISTED, self.pk],
        )
        return ahead + 1

    def cancel(self) -> list[str]:
        """Give the seat or waitlist place back; returns the fields to save."""
        if self.status not in (c.RegistrationStatus.CONFIRMED, c.RegistrationStatus.WAITLISTED):
            raise ValidationError(_("Cette inscription ne peut plus être annulée."))
        self.status = c.RegistrationStatus.CANCELLED
        self.cancelled_at = timezone.now()
        return ["status", "cancelled_at"]

    def promote(self) -> list[str]:
        if self.status != c.RegistrationStatus.WAITLISTED:
            raise ValidationError("Only a waitlisted registration can be promoted.")
        self.status = c.RegistrationStatus.CONFIRMED
        self.confirmed_at = self.promoted_at = timezone.now()
        return ["status", "confirmed_at", "promoted_at"]


class Attendance(models.Model):
    """Whether a registered person came to one session."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(WorkshopSession, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField(_("présent(e)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("présence")
        constraints = [models.UniqueConstraint(fields=["registration", "session"], name="attendance_once")]

    def __str__(self):
        return f"{self.registration} {self.session}: {self.present}"


class Accompaniment(KeyedModel, models.Model):
    """The record of one accompaniment (compte rendu d'activité, "CRA"), with the fields of
    La Coop de la médiation numérique.

    With no `person`, the record is anonymous: it keeps only age band, gender and social
    status, never a name. A collective one (a workshop session) lists its named
    participants and counts the others.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="accompaniments")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accompaniments", verbose_name=_("conseiller")
    )
    date = models.DateField(_("date"), default=timezone.localdate, db_index=True)
    duration = models.PositiveSmallIntegerField(_("durée (minutes)"))
    kind = models.CharField(
        _("type"), max_length=12, choices=c.AccompanimentKind.choices, default=c.AccompanimentKind.INDIVIDUAL
    )
    place_type = models.CharField(_("où"), max_length=15, choices=c.PlaceType.choices, default=c.PlaceType.PLACE)
    place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lieu")
    )
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    equipment = models.JSONField(_("matériel utilisé"), default=list, blank=True, validators=[validate_equipment])
    themes = models.JSONField(_("thèmes"), default=list, validators=[validate_themes])
    admin_subthemes = models.JSONField(
        _("démarches administratives"), default=list, blank=True, validators=[validate_admin_subthemes]
    )
    person = models.ForeignKey(
        "core.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="accompaniments"
    )
    participants = models.ManyToManyField(
        "core.Person", blank=True, related_name="collective_accompaniments", verbose_name=_("participants nommés")
    )
    anonymous_count = models.PositiveSmallIntegerField(_("participants anonymes"), default=0)
    gender = models.CharField(_("genre"), max_length=15, choices=c.Gender.choices, default=c.Gender.UNKNOWN)
    age_band = models.CharField(_("âge"), max_length=25, choices=c.AgeBand.choices, default=c.AgeBand.UNKNOWN)
    social_status = models.CharField(
        _("statut"), max_length=15, choices=c.SocialStatus.choices, default=c.SocialStatus.UNKNOWN
    )
    first_time = models.BooleanField(_("premier accompagnement"), null=True, blank=True)
    autonomy = models.CharField(_("autonomie"), max_length=25, choices=c.Autonomy.choices, blank=True)
    oriented_to = models.CharField(_("orienté vers"), max_length=40, choices=c.OrientedTo.choices, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="accompaniments"
    )
    workshop_session = models.ForeignKey(
        WorkshopSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="accompaniments"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="accompaniments"
    )
    notes = models.TextField(_("notes"), blank=True)
    submission_key = submission_key_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("accompagnement")
        ordering = ["-date", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "-date"], name="accompaniment_team_date"),
            models.Index(fields=["advisor", "-date"], name="accompaniment_advisor_date"),
            # Read from the index alone: the statistics roll-up's check of each month (stats.rollup) and
            # the distinct people of a period.
            models.Index(
                fields=["date", "kind", "person", "updated_at", "anonymous_count", "id"],
                name="accompaniment_month_check",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(duration__gte=1, duration__lte=1440), name="accompaniment_duration"),
            models.CheckConstraint(
                condition=~Q(place_type=c.PlaceType.PLACE) | Q(place__isnull=False), name="accompaniment_place_given"
            ),
            models.CheckConstraint(
                condition=Q(kind=c.AccompanimentKind.COLLECTIVE) | Q(anonymous_count=0),
                name="accompaniment_individual_no_count",
            ),
            # La Coop: an orientation is about one person, never a group.
            models.CheckConstraint(
                condition=Q(kind=c.AccompanimentKind.INDIVIDUAL) | Q(oriented_to=""),
                name="accompaniment_collective_not_oriented",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} ({self.duration} min)"

    def get_absolute_url(self):
        return reverse("mediation:accompaniment_edit", args=[self.pk])

    def clean(self):
        errors = {}
        if not self.themes:
            errors["themes"] = _("Choisissez au moins un thème.")
        if self.place_type == c.PlaceType.PLACE and not self.place_id:
            errors["place"] = _("Choisissez le lieu.")
        if self.place_type in (c.PlaceType.HOME, c.PlaceType.OTHER) and not self.commune.strip():
            errors["commune"] = _("Indiquez la commune.")
        if self.kind == c.AccompanimentKind.COLLECTIVE:
            if self.person_id:
                errors["person"] = _("Un atelier collectif liste ses participants plus bas.")
            if self.oriented_to:
                errors["oriented_to"] = _("Un atelier collectif n'oriente personne : l'orientation se note pour "
                                          "un accompagnement individuel.")  # fmt: skip
        elif self.anonymous_count:
            errors["anonymous_count"] = _("Un accompagnement individuel concerne une seule personne.")
        if self.admin_subthemes and c.ADMIN_THEME not in (self.themes or []):
            errors["admin_subthemes"] = _(
                "Les démarches administratives précisent le thème « Aide aux démarches administratives » : "
                "cochez aussi ce thème, ou décochez les démarches."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == c.AccompanimentKind.INDIVIDUAL and self.person_id is None

    def theme_labels(self) -> list[str]:
        return [str(c.THEME_LABELS.get(code, code)) for code in self.themes]

    def participant_count(self) -> int:
        if self.kind == c.AccompanimentKind.INDIVIDUAL:
            return 1
        return self.anonymous_count + len(self.participants.all())


class CalendarToken(models.Model):
    """The secret in the address of an advisor's personal calendar feed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediation_calendar")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user}"
