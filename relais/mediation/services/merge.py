"""What two records of one person need before core.services.person_merge moves their
rows (called from `mediation.person.merge_conflicts`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core.audit import audit_log
from relais.core.models import Person
from relais.mediation import choices as c
from relais.mediation.journal import Action
from relais.mediation.models import Accompaniment, Appointment, Registration, Workshop
from relais.mediation.services.workshops import give_seat_back, promote_waitlisted


def _registration_rank(registration: Registration) -> tuple:
    """The better of two registrations of one person to one workshop: a seat over a waitlist
    place, the earlier over the later."""
    order = {
        c.RegistrationStatus.ATTENDED: 0,
        c.RegistrationStatus.CONFIRMED: 1,
        c.RegistrationStatus.NO_SHOW: 2,
        c.RegistrationStatus.WAITLISTED: 3,
    }
    return (order.get(registration.status, 9), registration.pk)


@transaction.atomic
def registrations_fold_for_merge(*, duplicate: Person, kept: Person) -> list[Registration]:
    """Before two records of one person are merged: where both hold an active registration
    to the same workshop, the lesser one is cancelled under the workshop lock, its seat (if
    any) goes to the first person waiting, who is told. Returns the registrations dropped."""
    dropped = []
    both = Registration.objects.active().filter(person=kept).values("workshop_id")
    for workshop_id in (
        Registration.objects.active()
        .filter(person=duplicate, workshop_id__in=both)
        .values_list("workshop_id", flat=True)
    ):
        workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
        pair = list(
            Registration.objects.select_for_update().filter(
                workshop=workshop, person__in=[duplicate, kept], status__in=c.ACTIVE_REGISTRATION
            )
        )
        if len(pair) < 2:
            continue
        loser = max(pair, key=_registration_rank)
        had_seat = loser.holds_seat
        Registration.objects.filter(pk=loser.pk).update(
            status=c.RegistrationStatus.CANCELLED, cancelled_at=timezone.now()
        )
        promoted = []
        if had_seat:
            give_seat_back(workshop)
            promoted = promote_waitlisted(workshop, actor=None)
        audit_log(
            actor=None,
            action=Action.REGISTRATION_MERGED_AWAY,
            obj=loser,
            person=loser.person,
            details={"workshop": workshop.pk, "kept": kept.pk, "promoted": [r.pk for r in promoted]},
        )
        dropped.append(loser)
    return dropped


@transaction.atomic
def appointments_fold_for_merge(*, duplicate: Person, kept: Person) -> list[Appointment]:
    """Before a merge: an active appointment of the duplicate record that overlaps one of
    the kept record (the same person booked twice at once) is cancelled by the service and
    its slot freed; the person keeps the other one, so no message is sent."""
    dropped = []
    for appointment in Appointment.objects.active().select_for_update().filter(person=duplicate):
        if Appointment.objects.overlapping(appointment.starts_at, appointment.ends_at).filter(person=kept).exists():
            appointment.cancelled_at = timezone.now()
            appointment.outcome = c.Outcome.REVOKED
            appointment.cancel_reason = _("En double : la même personne avait un autre rendez-vous au même moment.")
            appointment.calendar_sequence += 1
            appointment.save(update_fields=["cancelled_at", "outcome", "cancel_reason", "calendar_sequence"])
            audit_log(
                actor=None,
                action=Action.APPOINTMENT_MERGED_AWAY,
                obj=appointment,
                person=duplicate,
                details={"kept": kept.pk},
            )
            dropped.append(appointment)
    return dropped


def participants_move_for_merge(*, duplicate: Person, kept: Person) -> int:
    """Named participants of collective records follow the merge (a many-to-many relation is
    not moved by person_merge); a record naming both keeps one. Returns the rows moved."""
    through = Accompaniment.participants.through
    through.objects.filter(person=duplicate, accompaniment__participants=kept).delete()
    return through.objects.filter(person=duplicate).update(person=kept)
