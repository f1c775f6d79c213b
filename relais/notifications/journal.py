"""What the journal records about messages to residents (see core.journal)."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    MESSAGE_QUEUED = "notifications.message.queued", _("Message mis dans la file d'envoi")
    MESSAGE_FAILED = "notifications.message.failed", _("Message non remis")
    MESSAGE_EXPIRED = "notifications.message.expired", _("Message périmé avant envoi")
    MESSAGE_RETRIED = "notifications.message.retried", _("Message renvoyé")
    MESSAGE_VIEWED = "notifications.message.viewed", _("Message consulté")
    MESSAGE_PRINTED = "notifications.message.printed", _("Courrier imprimé")
    MESSAGE_CALLED = "notifications.message.called", _("Habitant appelé au téléphone")
    MESSAGE_CALL_UNANSWERED = "notifications.message.call_unanswered", _("Appel sans réponse")
    OUTBOX_VIEWED = "notifications.outbox.viewed", _("File des messages consultée")
    OUTBOX_UNREACHABLE_VIEWED = (
        "notifications.outbox.unreachable_viewed",
        _("Liste des habitants injoignables consultée"),
    )
    OUTBOX_HELD = "notifications.outbox.held", _("Envois suspendus")
    OUTBOX_RELEASED = "notifications.outbox.released", _("Envois suspendus relâchés")
    OUTBOX_DISCARDED = "notifications.outbox.discarded", _("Envois suspendus annulés")
    LETTER_BATCH_CREATED = "notifications.letter_batch.created", _("Lot de courriers préparé")
    LETTER_BATCH_DOWNLOADED = "notifications.letter_batch.downloaded", _("Lot de courriers téléchargé")
    LETTER_BATCH_POSTED = "notifications.letter_batch.posted", _("Lot de courriers posté")
    LETTER_BATCH_RECIPIENTS_VIEWED = (
        "notifications.letter_batch.recipients_viewed",
        _("Liste des destinataires d'un lot de courriers consultée"),
    )
    TEMPLATE_SAVED = "notifications.template.saved", _("Texte d'un message modifié")
    TEMPLATE_RESET = "notifications.template.reset", _("Texte d'un message remis par défaut")


RENAMED = {
    "message.queued": Action.MESSAGE_QUEUED,
    "message.failed": Action.MESSAGE_FAILED,
    "message.expired": Action.MESSAGE_EXPIRED,
    "message.retried": Action.MESSAGE_RETRIED,
    "message.viewed": Action.MESSAGE_VIEWED,
    "message.printed": Action.MESSAGE_PRINTED,
    "message.called": Action.MESSAGE_CALLED,
    "message.call_unanswered": Action.MESSAGE_CALL_UNANSWERED,
    "outbox.viewed": Action.OUTBOX_VIEWED,
    "outbox.unreachable_viewed": Action.OUTBOX_UNREACHABLE_VIEWED,
    "outbox.held": Action.OUTBOX_HELD,
    "outbox.released": Action.OUTBOX_RELEASED,
    "outbox.discarded": Action.OUTBOX_DISCARDED,
    "letters.batch_created": Action.LETTER_BATCH_CREATED,
    "letters.batch_downloaded": Action.LETTER_BATCH_DOWNLOADED,
    "letters.batch_posted": Action.LETTER_BATCH_POSTED,
    "message_template.saved": Action.TEMPLATE_SAVED,
    "message_template.reset": Action.TEMPLATE_RESET,
}
