from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import has_role
from relais.cases.selectors import cases_visible_to
from relais.cases.views_staff import RECORD_ROLES
from relais.core.extensions import PersonSection
from relais.notifications.selectors import about


def sections(*, person, user):
    """The person's requests the user may open, and a way to record a new one."""
    visible = list(cases_visible_to(user).filter(person=person).select_related("form").order_by("-submitted_at")[:30])
    # The counter answers "where is my request?" on the phone: status only, not the file.
    others = (
        person.cases.exclude(pk__in=[c.pk for c in visible])
        .select_related("form", "team")
        .order_by("-submitted_at")[:30]
        if has_role(user, Role.RECEPTION)
        else []
    )
    can_record = has_role(user, *RECORD_ROLES)
    if not visible and not others and not can_record:
        return []
    return [
        PersonSection(
            _("Demandes"),
            "cases/staff/_person_cases.html",
            {"cases": visible, "others": others, "can_record": can_record},
            order=10,
        )
    ]


def resident_sections(*, person):
    cases = person.cases.select_related("form").order_by("-submitted_at")[:20]
    if not cases:
        return []
    return [PersonSection(_("Vos demandes"), "cases/_resident_cases.html", {"cases": cases}, order=10)]


def message_filter(*, user):
    """Staff who may open a case may read the messages sent about it."""
    return about(cases_visible_to(user))


def has_relation(*, user, person) -> bool:
    return cases_visible_to(user).filter(person=person).exists()
