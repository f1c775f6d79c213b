"""The messages a person was sent, on their page (for staff who serve residents)."""

from django.utils.translation import gettext_lazy as _

from relais.accounts.permissions import PEOPLE_ROLES, has_role
from relais.core.extensions import PersonSection
from relais.notifications.selectors import messages_of


def sections(*, person, user):
    if not has_role(user, *PEOPLE_ROLES):
        return []
    return [
        PersonSection(
            _("Messages envoyés"),
            "notifications/staff/_person_messages.html",
            {"messages": messages_of(person)[:20]},
            order=90,
        )
    ]
