"""The messages a person was sent, on their staff page: those the viewer may see (the
content of messages about their team's records; the envelope only, for the counter)."""

from django.utils.translation import gettext_lazy as _

from relais.core.extensions import ExportSection, PersonSection
from relais.notifications.selectors import messages_of


def sections(*, person, user):
    shown = list(messages_of(person, user)[:20])
    if not shown:
        return []
    return [
        PersonSection(_("Messages envoyés"), "notifications/staff/_person_messages.html", {"messages": shown}, order=90)
    ]


# ---------------------------------------------------------------- the person's rights (core.rights)

ERASURE_KEEPS = [
    _(
        "Les messages envoyés restent comptés (canal, modèle, date, état), sans destinataire ni texte ; "
        "ceux qui attendaient encore d'être envoyés sont annulés."
    ),
    _(
        "Un courrier déjà imprimé reste dans le fichier de sa tournée d'impression (le PDF que l'accueil a "
        "imprimé) jusqu'à ce que la durée de conservation des messages efface ce fichier."
    ),
]


def export(*, person):
    messages = person.messages.order_by("created_at", "pk")
    if not messages:
        return []
    fields = {
        "created_at": _("Créé le"),
        "channel": _("Canal"),
        "to": _("Destinataire"),
        "subject": _("Objet"),
        "body": _("Texte"),
        "status": _("État"),
        "sent_at": _("Envoyé le"),
    }
    items = [
        {
            "created_at": m.created_at,
            "channel": m.get_channel_display(),
            "to": m.to_email or m.to_phone or m.to_address,
            "subject": m.subject,
            # A sensitive message (a code, a private link) is listed but not repeated.
            "body": "" if m.sensitive else m.body,
            "status": m.get_status_display(),
            "sent_at": m.sent_at,
        }
        for m in messages
    ]
    return [ExportSection("messages", _("Messages envoyés par la mairie"), fields, items)]


def erase(*, person):
    from relais.notifications.models import Message

    cancelled = Message.objects.filter(person=person, status="queued").update(status="cancelled")
    blanked = Message.objects.filter(person=person).update(
        to_email="",
        to_phone="",
        to_address="",
        subject="",
        body="",
        sms_body="",
        html_body="",
        attachments=[],
        paper_codes=[],
        call_notes="",
        last_error="",
    )
    return {"messages": blanked, "messages_cancelled": cancelled}
