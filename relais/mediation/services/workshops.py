"""Workshops: defining and cancelling them, registrations and their waitlist, attendance
and certificates.

Seats (the registration rush): `registration_create` locks the workshop row (PostgreSQL;
SQLite's IMMEDIATE transactions already serialize writers), then takes a seat with a
conditional UPDATE `confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity`.
The CHECK constraint `confirmed_count <= capacity` is the last line if anything else ever
tried; whoever does not get a seat goes to the waitlist.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relais.core.audit import audit_log
from relais.core.idempotency import create_once
from relais.core.models import Channel, Person, refuse_erased
from relais.core.pdf import render_pdf, wants_large_print
from relais.core.plainsql import locked_row
from relais.core.services import person_create
from relais.mediation import choices as c
from relais.mediation import ics, selectors, text
from relais.mediation.exceptions import AlreadyRegistered
from relais.mediation.journal import Action
from relais.mediation.locks import sqlite_write_queue
from relais.mediation.models import Attendance, Registration, Workshop, WorkshopSession
from relais.mediation.services._common import (
    actor_or_none,
    check_mediation_team,
    emit_registration_promoted,
    resident_person,
    workshop_context,
)
from relais.notifications.services import notify, notify_later


def _unique_slug(title: str, exclude_pk=None) -> str:
    base = slugify(title)[:80] or "atelier"
    slug, n = base, 2
    while Workshop.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def workshop_save(
    *,
    workshop: Workshop,
    sessions: list[WorkshopSession] = (),
    deleted_sessions: list[WorkshopSession] = (),
    actor,
    request: HttpRequest | None = None,
) -> Workshop:
    """Create or change a workshop and its sessions; a larger capacity promotes the waitlist."""
    check_mediation_team(actor, workshop.team_id, "Only the team's advisors and managers define its workshops.")
    creating = workshop.pk is None
    if creating:
        workshop.created_by = actor_or_none(actor)
        workshop.confirmed_count = 0
    else:
        locked = locked_row(Workshop, workshop.pk)
        workshop.confirmed_count = locked.confirmed_count  # never from a form
        if workshop.capacity < locked.confirmed_count:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(n)s personnes sont déjà inscrites : désinscrivez-en avant de réduire le nombre de places."
                    )
                    % {"n": locked.confirmed_count}
                }
            )
    if not workshop.slug:
        workshop.slug = _unique_slug(workshop.title, exclude_pk=workshop.pk)
    workshop.full_clean()
    workshop.save()
    for session in deleted_sessions:
        if session.pk and session.workshop_id == workshop.pk:
            session.delete()
    for session in sessions:
        session.workshop = workshop
        session.full_clean()
        session.save()
    if not workshop.sessions.exists():
        raise ValidationError(_("Ajoutez au moins une séance."))
    promoted = [] if creating else promote_waitlisted(workshop, actor=actor, request=request)
    audit_log(
        actor=actor,
        action=Action.WORKSHOP_CREATED if creating else Action.WORKSHOP_UPDATED,
        obj=workshop,
        request=request,
        details={"promoted": len(promoted)} if promoted else {},
    )
    return workshop


def take_seat(workshop_id: int) -> bool:
    """Take one seat if one is free (`Workshop.is_full` for the row in hand; the CHECK
    constraint behind it); the caller holds the workshop's lock. In plain SQL: every
    registration of a rush asks it, under that lock, and the ORM took longer to build the
    conditional UPDATE than the database to run it."""
    connection = connections[router.db_for_write(Workshop)]
    table = connection.ops.quote_name(Workshop._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET confirmed_count = confirmed_count + 1 WHERE id = %s AND confirmed_count < capacity",  # noqa: S608 - name from the model
            [workshop_id],
        )
        return cursor.rowcount == 1


def give_seat_back(workshop: Workshop) -> None:
    """One seat free again (the caller holds the workshop's lock); `workshop` reads the new count."""
    Workshop.objects.filter(pk=workshop.pk).update(confirmed_count=F("confirmed_count") - 1)
    workshop.refresh_from_db(fields=["confirmed_count"])


def _workshop_ics(workshop: Workshop) -> list[dict]:
    content = ics.to_text(workshop.title, ics.workshop_events(workshop))
    return [{"filename": "atelier.ics", "content_type": "text/calendar", "content": content}]


def registration_create(
    *,
    workshop: Workshop,
    person: Person,
    channel: str,
    actor,
    submission_key: uuid.UUID | None = None,
    by_staff: bool = False,
    request: HttpRequest | None = None,
) -> Registration:
    """A seat if one is free, else a place on the waitlist (see the module docstring).

    Refuses kindly (AlreadyRegistered) the same person, or someone with the same name and
    the same e-mail, phone or address, registered twice; residents only while registration
    is open, staff until the first session begins. The waitlist order is the id the
    database gives the row while this transaction holds the workshop lock.

    Everything runs in the transaction of `create_once` (a savepoint inside a caller's
    transaction, which goes on after a kind refusal), without a savepoint of its own.
    """
    held = {}

    def prepare():
        # Before the seat lock, as the caller read the workshop: whether it is open, then
        # the resident (a callable: made only once the workshop is known open). Nothing
        # here needs the lock, which other registrations are waiting for.
        if "sessions" not in getattr(workshop, "_prefetched_objects_cache", {}):
            prefetch_related_objects([workshop], "sessions")  # read once, for both checks
        selectors.check_registration_open(workshop, by_staff=by_staff)
        if callable(person):
            held["person"] = person()
        else:
            refuse_erased(person)
            held["person"] = person

    def lock():
        locked = locked_row(Workshop, workshop.pk)
        # The sessions the caller read a moment ago (the page's prefetch) decide whether
        # registration is open: read again here, they would cost two queries under the lock.
        prefetched = getattr(workshop, "_prefetched_objects_cache", {})
        if "sessions" in prefetched:
            locked._prefetched_objects_cache = {"sessions": prefetched["sessions"]}
        held["workshop"] = locked

    def create() -> Registration:
        return _register(
            locked=held["workshop"], person=held["person"], channel=channel, actor=actor,
            submission_key=submission_key, by_staff=by_staff, request=request,
        )  # fmt: skip

    try:
        registration, _created = create_once(Registration, submission_key, create, lock=lock, prepare=prepare)
    except _RefusedByTheDatabase:
        # The database's last word on one active registration per person, should the check
        # under the lock have missed one. Everything this attempt wrote is undone; the person
        # existed before it (a person it made has no registration to collide with), and the
        # registration in its way is looked up again (the public page shows it to its own
        # account only).
        existing = selectors.duplicate_registration(workshop, held["person"])
        raise AlreadyRegistered(_("Vous êtes déjà inscrit(e) à cet atelier."), existing=existing) from None
    return registration


class _RefusedByTheDatabase(Exception):
    """The registration's row refused by a unique index (its transaction is then unusable:
    no savepoint of its own; `registration_create` answers once it is rolled back)."""


def _register(*, locked: Workshop, person, channel, actor, submission_key, by_staff, request) -> Registration:
    """The registration itself (the caller holds the workshop lock, `person` is made)."""
    selectors.check_registration_open(locked, by_staff=by_staff)  # again, now that it is locked
    duplicate = selectors.duplicate_registration(locked, person)
    if duplicate:
        raise AlreadyRegistered(_("Vous êtes déjà inscrit(e) à cet atelier."), existing=duplicate)
    now = timezone.now()
    took_seat = take_seat(locked.pk)
    registration = Registration(
        workshop=locked,
        person=person,
        status=c.RegistrationStatus.CONFIRMED if took_seat else c.RegistrationStatus.WAITLISTED,
        queued_at=now,
        confirmed_at=now if took_seat else None,
        channel=channel,
        registered_by=actor_or_none(actor),
        submission_key=submission_key,
    )
    # The workshop, the person and who registered are rows this transaction holds:
    # checking they exist would cost a query each.
    registration.full_clean(
        exclude=["workshop", "person", "registered_by"], validate_unique=False, validate_constraints=False
    )
    # No savepoint of its own: should the database still refuse it (`registration_create`
    # answers), the whole attempt is undone, the seat taken above with it.
    try:
        registration.save()
    except IntegrityError as refused:
        raise _RefusedByTheDatabase from refused
    audit_log(
        actor=actor,
        action=Action.REGISTRATION_CREATED,
        obj=registration,
        person=person,
        request=request,
        details={"workshop": locked.pk, "status": registration.status, "channel": channel},
    )
    # Its text and calendar file are written by the worker after the commit (`registration_message`).
    notify_later(
        person=person,
        template=CONFIRMED if took_seat else WAITLISTED,
        related=registration,
        actor=actor,
        dedupe_key=f"mediation-registration-{registration.pk}-created",
    )
    return registration


CONFIRMED = "mediation_registration_confirmed"
WAITLISTED = "mediation_registration_waitlisted"
PROMOTED = "mediation_registration_promoted"


def registration_message(message) -> dict:
    """What the worker needs to write a registration's message (`notify_later`): its words
    and, for a seat, the calendar file. Run after the commit, never under the seat lock."""
    registration = (
        Registration.objects.select_related("workshop__place", "person").filter(pk=message.related_id).first()
    )
    if registration is None:
        raise LookupError(f"registration {message.related_id} no longer exists")
    workshop = registration.workshop
    return {
        "context": workshop_context(registration),
        "attachments": _workshop_ics(workshop) if message.template in (CONFIRMED, PROMOTED) else [],
    }


def registration_create_online(
    *,
    workshop: Workshop,
    user,
    contact: dict,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """A resident registers from the public form (with or without an account)."""
    with sqlite_write_queue("mediation-registrations"):
        return registration_create(
            workshop=workshop,
            person=lambda: resident_person(user=user, contact=contact, request=request),
            channel=Channel.ONLINE,
            actor=user,
            submission_key=submission_key,
            request=request,
        )


def registration_create_for_contact(
    *,
    workshop: Workshop,
    contact: dict,
    channel: str,
    actor,
    submission_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    """Someone registers a resident known by their contact details (a partner application,
    `channel` API): the public form's rules (registration window, seat or waitlist, one
    registration per person); the person is created with `channel` once the workshop is
    known open, and `actor` is recorded as who registered them."""
    with sqlite_write_queue("mediation-registrations"):
        return registration_create(
            workshop=workshop,
            person=lambda: person_create(actor=actor, data=contact, channel=channel, request=request),
            channel=channel,
            actor=actor,
            submission_key=submission_key,
            request=request,
        )


def promote_waitlisted(workshop: Workshop, *, actor, request: HttpRequest | None = None) -> list[Registration]:
    """Give free seats to the first people waiting (the caller holds the workshop lock)."""
    first = workshop.first_session if workshop.pk else None
    if workshop.cancelled_at or first is None or first.is_past:
        return []
    promoted = []
    for registration in Registration.objects.waitlisted().filter(workshop=workshop).select_related("person"):
        if not take_seat(workshop.pk):
            break
        registration.workshop = workshop
        registration.save(update_fields=registration.promote())
        emit_registration_promoted(registration)
        audit_log(
            actor=actor,
            action=Action.REGISTRATION_PROMOTED,
            obj=registration,
            person=registration.person,
            request=request,
        )
        notify_later(
            person=registration.person,
            template=PROMOTED,
            related=registration,
            actor=actor,
            dedupe_key=f"mediation-registration-{registration.pk}-promoted",
        )
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_cancel(
    *, registration: Registration, actor, request: HttpRequest | None = None
) -> tuple[Registration, list[Registration]]:
    """Free the seat (or the waitlist place); the first waiting gets the seat and is told."""
    workshop = Workshop.objects.select_for_update().get(pk=registration.workshop_id)
    registration = Registration.objects.select_for_update(of=("self",)).select_related("person").get(pk=registration.pk)
    had_seat = registration.holds_seat
    registration.save(update_fields=registration.cancel())
    registration.workshop = workshop
    promoted = []
    if had_seat:
        give_seat_back(workshop)
        promoted = promote_waitlisted(workshop, actor=actor, request=request)
    audit_log(
        actor=actor,
        action=Action.REGISTRATION_CANCELLED,
        obj=registration,
        person=registration.person,
        request=request,
        details={"workshop": workshop.pk, "promoted": [r.pk for r in promoted]},
    )
    notify(
        person=registration.person,
        template="mediation_registration_cancelled",
        context=workshop_context(registration),
        related=registration,
        actor=actor,
        dedupe_key=f"mediation-registration-{registration.pk}-cancelled",
    )
    return registration, promoted


@transaction.atomic
def workshop_cancel(
    *, workshop: Workshop, notice: str, actor, request: HttpRequest | None = None
) -> list[Registration]:
    """Cancel a whole workshop: every seat and waitlist place is freed, and everyone who
    was expected (seated, waiting, or who came to a first session) is told, with the
    calendar file that removes its sessions. Returns the registrations told."""
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    check_mediation_team(actor, locked.team_id, "Only the team's advisors and managers cancel its workshops.")
    if locked.cancelled_at:
        raise ValidationError(_("Cet atelier est déjà annulé."))
    now = timezone.now()
    told = list(
        locked.registrations.filter(status__in=[*c.EXPECTED, c.RegistrationStatus.WAITLISTED])
        .select_related("person")
        .order_by("pk")
    )
    freed = [r.pk for r in told if r.status != c.RegistrationStatus.ATTENDED]
    Registration.objects.filter(pk__in=freed).update(status=c.RegistrationStatus.CANCELLED, cancelled_at=now)
    locked.cancelled_at = now
    locked.cancel_notice = notice[:300]
    locked.confirmed_count = locked.registrations.seated().count()
    locked.save(update_fields=["cancelled_at", "cancel_notice", "confirmed_count", "updated_at"])
    invitation = ics.to_text(locked.title, ics.workshop_events(locked), method="CANCEL")
    for registration in told:
        registration.workshop = locked
        context = workshop_context(registration)
        context["notice"] = locked.cancel_notice
        notify(
            person=registration.person,
            template="mediation_workshop_cancelled",
            context=context,
            related=registration,
            actor=actor,
            dedupe_key=f"mediation-registration-{registration.pk}-workshop-cancelled",
            attachments=[{"filename": "atelier.ics", "content_type": "text/calendar", "content": invitation}],
        )
    audit_log(
        actor=actor,
        action=Action.WORKSHOP_CANCELLED,
        obj=locked,
        request=request,
        details={"told": [r.person_id for r in told], "notice": locked.cancel_notice},
    )
    return told


@transaction.atomic
def attendance_record(
    *, session: WorkshopSession, present_ids: set[int], actor, request: HttpRequest | None = None
) -> dict[str, int]:
    """Who came to `session` (ids of registrations); statuses follow (attended / no show).
    Nobody has come to a session that has not begun: it is refused until its start."""
    if not session.has_started:
        raise ValidationError(
            _("Cette séance n'a pas encore commencé : les présences se notent à partir du %(start)s.")
            % {"start": text.moment_text(session.starts_at)}
        )
    workshop = Workshop.objects.select_for_update().get(pk=session.workshop_id)
    registrations = list(workshop.registrations.seated().select_related("person"))
    for registration in registrations:
        Attendance.objects.update_or_create(
            registration=registration,
            session=session,
            defaults={"present": registration.pk in present_ids, "recorded_by": actor_or_none(actor)},
        )
    session_count = workshop.sessions.count()
    marks: dict[int, list[bool]] = {}
    for registration_id, present in Attendance.objects.filter(registration__in=registrations).values_list(
        "registration_id", "present"
    ):
        marks.setdefault(registration_id, []).append(present)
    for registration in registrations:
        seen = marks.get(registration.pk, [])
        if any(seen):
            status = c.RegistrationStatus.ATTENDED
        elif len(seen) >= session_count:
            status = c.RegistrationStatus.NO_SHOW
        else:
            status = c.RegistrationStatus.CONFIRMED
        if status != registration.status:
            registration.status = status
            registration.save(update_fields=["status"])
    present = sum(1 for r in registrations if r.pk in present_ids)
    audit_log(
        actor=actor,
        action=Action.ATTENDANCE_RECORDED,
        obj=session,
        request=request,
        details={"present": present, "absent": len(registrations) - present},
    )
    return {"present": present, "absent": len(registrations) - present}


def certificate_pdf(
    *, registration: Registration, actor, request: HttpRequest | None = None, large_print: bool = False
) -> bytes:
    """A certificate of attendance: only for someone who came to at least one session that
    has taken place (a presence ticked in advance proves nothing). In large print when the
    person asked for it, or the staff member chose it (`large_print`)."""
    attended = list(
        WorkshopSession.objects.filter(
            attendances__registration=registration, attendances__present=True, starts_at__lte=timezone.now()
        ).order_by("starts_at")
    )
    if registration.status != c.RegistrationStatus.ATTENDED or not attended:
        raise ValidationError(_("Cette personne n'a participé à aucune séance."))
    minutes = sum(int((s.ends_at - s.starts_at).total_seconds() // 60) for s in attended)
    # The statistics count certificates given: the first print is the giving.
    Registration.objects.filter(pk=registration.pk, certificate_given_at__isnull=True).update(
        certificate_given_at=timezone.now()
    )
    audit_log(
        actor=actor,
        action=Action.CERTIFICATE_PRINTED,
        obj=registration,
        person=registration.person,
        request=request,
    )
    return render_pdf(
        "mediation/pdf/certificate.html",
        {
            "registration": registration,
            "workshop": registration.workshop,
            "sessions": [text.span_text(s.starts_at, s.ends_at) for s in attended],
            "duration": text.duration_text(minutes),
            "today": text.day_text(timezone.localdate(), year=True),
            "large_print": wants_large_print(registration.person, asked=large_print),
        },
    )
