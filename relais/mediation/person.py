"""A person's mediation records on their staff page, on a resident's "My account", and
what a merge of two records of one person needs first."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from relais.core.audit import audit_log
from relais.core.extensions import PersonSection
from relais.mediation import selectors, services


def sections(*, person, user):
    if not selectors.can_book(user):
        return []
    records = selectors.person_records(person=person, user=user)
    shown = {name: [r.pk for r in rows] for name, rows in records.items() if rows}
    if shown:
        # The person page journals the visit; this entry says which mediation records were shown.
        audit_log(actor=user, action="mediation.person_records_viewed", person=person, details=shown)
    can_record = selectors.is_mediation_staff(user)
    return [
        PersonSection(
            _("Aide au numérique"),
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
    services.registrations_fold_for_merge(duplicate=duplicate, kept=kept)
    services.appointments_fold_for_merge(duplicate=duplicate, kept=kept)
    services.participants_move_for_merge(duplicate=duplicate, kept=kept)
