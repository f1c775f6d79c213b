"""A person's mediation records on their staff page, on a resident's "My account", and
what a merge of two records of one person needs first."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import has_role
from relais.core.audit import audit_log
from relais.core.extensions import LinkTarget, PersonSection
from relais.mediation import selectors
from relais.mediation.journal import Action
from relais.mediation.services import appointments, merge, workshops


def sections(*, person, user):
    if not selectors.handles_appointments(user):
        return []
    records = selectors.person_records(person=person, user=user)
    shown = {name: [r.pk for r in rows] for name, rows in records.items() if rows}
    if shown:
        # The person page journals the visit; this entry says which mediation records were shown.
        audit_log(actor=user, action=Action.PERSON_RECORDS_VIEWED, person=person, details=shown)
    can_record = selectors.is_mediation_staff(user)
    # Agents of a team taking appointments (État civil…) see its appointments, named plainly.
    digital = can_record or has_role(user, Role.RECEPTION)
    return [
        PersonSection(
            _("Aide au numérique") if digital else _("Rendez-vous"),
            "mediation/staff/_person_section.html",
            {**records, "can_record": can_record},
            order=40,
        )
    ]


def message_filter(*, user):
    return selectors.messages_about_team_records(user)


def has_relation(*, user, person) -> bool:
    return selectors.team_has_relation(user=user, person=person)


def resident_sections(*, person):
    records = selectors.resident_records(person)
    return [PersonSection(_("Mes rendez-vous et ateliers"), "mediation/_account_section.html", records, order=40)]


@transaction.atomic
def merge_conflicts(*, duplicate, kept) -> None:
    """Prepare `duplicate`'s mediation records to move to `kept` (called by
    core.services.person_merge before it moves rows):

    - both registered to one workshop: the lesser registration is cancelled under the
      workshop lock and its seat goes to the first person waiting (the database allows
      one active registration per person and workshop);
    - both booked at overlapping times: the duplicate's appointment is cancelled;
    - named participants of collective records (a many-to-many relation, which the merge
      does not move) are moved here.
    """
    merge.registrations_fold_for_merge(duplicate=duplicate, kept=kept)
    merge.appointments_fold_for_merge(duplicate=duplicate, kept=kept)
    merge.participants_move_for_merge(duplicate=duplicate, kept=kept)


# ---------------------------------------------------------------- the person's rights (core.rights)

ERASURE_KEEPS = [
    _(
        "Les rendez-vous, inscriptions et accompagnements restent comptés (date, lieu, durée, thèmes, "
        "suite donnée) dans la fréquentation, sans nom, sans motif et sans notes."
    ),
]


def export(*, person):
    from relais.core.extensions import ExportSection
    from relais.mediation.models import Accompaniment

    sections = []
    appointments = person.mediation_appointments.select_related("place").order_by("starts_at")
    if appointments:
        fields = {
            "starts_at": _("Début"),
            "ends_at": _("Fin"),
            "place": _("Lieu"),
            "topic": _("Pour quoi"),
            "channel": _("Pris"),
            "outcome": _("Suite"),
            "cancelled_at": _("Annulé le"),
            "cancel_reason": _("Motif d'annulation"),
        }
        items = [
            {
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "place": a.place.nom,
                "topic": a.topic,
                "channel": a.get_channel_display(),
                "outcome": a.get_outcome_display(),
                "cancelled_at": a.cancelled_at,
                "cancel_reason": a.cancel_reason,
            }
            for a in appointments
        ]
        sections.append(ExportSection("appointments", _("Rendez-vous"), fields, items))
    registrations = person.mediation_registrations.select_related("workshop").order_by("created_at")
    if registrations:
        fields = {
            "workshop": _("Atelier"),
            "status": _("État"),
            "channel": _("Inscrit"),
            "created_at": _("Inscription le"),
            "cancelled_at": _("Annulée le"),
        }
        items = [
            {
                "workshop": r.workshop.title,
                "status": r.get_status_display(),
                "channel": r.get_channel_display(),
                "created_at": r.created_at,
                "cancelled_at": r.cancelled_at,
            }
            for r in registrations
        ]
        sections.append(ExportSection("registrations", _("Inscriptions aux ateliers"), fields, items))
    accompaniments = (
        Accompaniment.objects.filter(Q(person=person) | Q(participants=person)).distinct().order_by("date", "pk")
    )
    if accompaniments:
        fields = {
            "date": _("Date"),
            "duration": _("Durée (minutes)"),
            "kind": _("Type"),
            "themes": _("Thèmes"),
            "autonomy": _("Autonomie"),
            "oriented_to": _("Orienté vers"),
            "notes": _("Notes"),
        }
        items = [
            {
                "date": a.date,
                "duration": a.duration,
                "kind": a.get_kind_display(),
                "themes": a.theme_labels(),
                "autonomy": a.get_autonomy_display(),
                "oriented_to": a.get_oriented_to_display(),
                "notes": a.notes if a.person_id == person.pk else "",
            }
            for a in accompaniments
        ]
        sections.append(ExportSection("accompaniments", _("Accompagnements au numérique"), fields, items))
    return sections


def _future_appointments(person):
    return person.mediation_appointments.active().filter(starts_at__gte=timezone.now()).select_related("place")


def _future_registrations(person):
    from relais.mediation import choices

    return (
        person.mediation_registrations.filter(
            status__in=[choices.RegistrationStatus.CONFIRMED, choices.RegistrationStatus.WAITLISTED],
            workshop__sessions__ends_at__gte=timezone.now(),
        )
        .distinct()
        .select_related("workshop")
    )


def open_records(*, person):
    found = [
        _("Rendez-vous du %(date)s à venir") % {"date": date_format(timezone.localtime(a.starts_at), "j F Y H:i")}
        for a in _future_appointments(person)
    ]
    found += [
        _("Inscription à l'atelier « %(title)s »") % {"title": r.workshop.title} for r in _future_registrations(person)
    ]
    return found


def close_open_records(*, person, actor, reason):
    for appointment in _future_appointments(person):
        appointments.appointment_cancel(appointment=appointment, actor=actor, by_service=True)
    for registration in _future_registrations(person):
        workshops.registration_cancel(registration=registration, actor=actor)


@transaction.atomic
def erase(*, person):
    """Keep every row counted in the statistics, without the free text, the private links
    or the person: a named participant of a group becomes one of its anonymous count."""
    from relais.mediation.models import Accompaniment, Appointment, BookingCode, Registration, new_token

    now = timezone.now()
    BookingCode.objects.filter(person=person).delete()  # codes asked for, never typed
    appointments = list(Appointment.objects.filter(person=person).values_list("pk", flat=True))
    for pk in appointments:
        Appointment.objects.filter(pk=pk).update(topic="", cancel_reason="", token=new_token(), anonymised_at=now)
    registrations = list(Registration.objects.filter(person=person).values_list("pk", flat=True))
    for pk in registrations:
        Registration.objects.filter(pk=pk).update(token=new_token(), anonymised_at=now)
    individual = Accompaniment.objects.filter(person=person).update(person=None, notes="")
    through = Accompaniment.participants.through
    groups = list(through.objects.filter(person=person).values_list("accompaniment_id", flat=True))
    through.objects.filter(person=person).delete()
    Accompaniment.objects.filter(pk__in=groups).update(anonymous_count=F("anonymous_count") + 1)
    return {
        "appointments": len(appointments),
        "registrations": len(registrations),
        "accompaniments": individual + len(groups),
    }


def link_target(*, view_name, kwargs):
    """An appointment's link (and its paper code) opens it until the appointment is over; a
    moved appointment's follows the move (the code lives with the new date), a cancelled
    one's dies. A workshop registration's works until the workshop's last session is over.
    The staff page offered is one the agent may open, by that page's own rule."""
    from relais.mediation.models import Appointment, Registration

    now = timezone.now()
    if view_name == "mediation:appointment_manage":
        appointment = Appointment.objects.filter(token=kwargs.get("token")).first()
        seen = set()
        while appointment is not None and appointment.rescheduled_to_id and appointment.pk not in seen:
            seen.add(appointment.pk)
            appointment = Appointment.objects.filter(pk=appointment.rescheduled_to_id).first()
        if appointment is None:
            return LinkTarget(alive=False)
        return LinkTarget(
            alive=appointment.cancelled_at is None and appointment.ends_at > now,
            staff_url=appointment.get_absolute_url(),
            visible_to=lambda user: (
                selectors.handles_appointments(user)
                and selectors.appointments_visible_to(user).filter(pk=appointment.pk).exists()
            ),
        )
    if view_name == "mediation:registration_manage":
        registration = (
            Registration.objects.select_related("workshop", "person").filter(token=kwargs.get("token")).first()
        )
        if registration is None:
            return LinkTarget(alive=False)
        workshop = registration.workshop
        person = registration.person
        return LinkTarget(
            alive=workshop.sessions.filter(ends_at__gt=now).exists(),
            staff_url=workshop.get_staff_url(),
            # The workshop's page is its mediation team's; the counter, which registers people
            # for any workshop, sees the registration on the person's page.
            visible_to=lambda user: (
                selectors.is_mediation_staff(user)
                and selectors.workshops_visible_to(user).filter(pk=workshop.pk).exists()
            ),
            other_pages=(
                (
                    person.get_absolute_url() if person is not None else "",
                    lambda user: (
                        has_role(user, Role.RECEPTION)
                        and selectors.registrations_visible_to(user).filter(pk=registration.pk).exists()
                    ),
                ),
            ),
        )
    return None
