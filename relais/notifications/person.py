"""The messages a person was sent, on their staff page: those the viewer may see (the
content of messages about their team's records; the envelope only, for the counter)."""

from django.utils.translation import gettext_lazy as _

from relais.core.extensions import PersonSection
from relais.notifications.selectors import messages_of


def sections(*, person, user):
    shown = list(messages_of(person, user)[:20])
    if not shown:
        return []
    return [
        PersonSection(_("Messages envoyés"), "notifications/staff/_person_messages.html", {"messages": shown}, order=90)
    ]
