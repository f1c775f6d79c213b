"""A person's mediation records on their staff page, and on a resident's "My account"."""

from django.utils.translation import gettext_lazy as _

from relais.accounts.permissions import has_role
from relais.core.audit import audit_log
from relais.core.extensions import PersonSection
from relais.mediation import selectors


def sections(*, person, user):
    if not has_role(user, *selectors.BOOKING_ROLES):
        return []
    records = selectors.person_records(person=person, user=user)
    shown = {name: [r.pk for r in rows] for name, rows in records.items() if rows}
    if shown:
        # The person page journals the visit; this entry says which mediation records were shown.
        audit_log(actor=user, action="mediation.person_records_viewed", person=person, details=shown)
    can_record = has_role(user, *selectors.MEDIATION_ROLES)
    return [
        PersonSection(
            _("Aide au numérique"),
            "mediation/staff/_person_section.html",
            {**records, "can_record": can_record},
            order=40,
        )
    ]


def resident_sections(*, person):
    records = selectors.resident_records(person)
    return [PersonSection(_("Mes rendez-vous et ateliers"), "mediation/_account_section.html", records, order=40)]
