from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import HELPER_ROLES, has_role, team_ids
from relais.core.extensions import PersonSection
from relais.mandates.models import Mandate
from relais.mandates.selectors import mandates_visible_to
from relais.notifications.selectors import about


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


def message_filter(*, user):
    """Messages about a mandate: the staff who may see the mandate."""
    return about(mandates_visible_to(user))


def has_relation(*, user, person) -> bool:
    """A helping team with a mandate (any state) for the person."""
    return Mandate.objects.filter(person=person, team_id__in=team_ids(user, *HELPER_ROLES)).exists()
