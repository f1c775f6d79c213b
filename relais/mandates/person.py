from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import HELPER_ROLES, has_role
from relais.core.extensions import PersonSection
from relais.mandates.selectors import mandates_visible_to


def sections(*, person, user):
    if not has_role(user, *HELPER_ROLES, Role.RECEPTION):
        return []
    return [
        PersonSection(
            _("Mandats"),
            "mandates/staff/_person_mandates.html",
            {
                "mandates": mandates_visible_to(user).filter(person=person),
                "can_create": has_role(user, *HELPER_ROLES),
            },
            order=20,
        )
    ]


def resident_sections(*, person):
    mandates = person.mandates.select_related("team").prefetch_related("scopes").order_by("-created_at")
    if not mandates:
        return []
    return [PersonSection(_("Vos mandats"), "mandates/_resident_mandates.html", {"mandates": mandates}, order=30)]
