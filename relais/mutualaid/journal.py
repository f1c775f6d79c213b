"""What the mutual-aid board writes in the journal (see `relais.core.journal`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    LISTING_CREATED = "mutualaid.listing.created", _("Annonce déposée")
    LISTING_UPDATED = "mutualaid.listing.updated", _("Annonce modifiée par son auteur")
    LISTING_APPROVED = "mutualaid.listing.approved", _("Annonce publiée par la modération")
    LISTING_REVIEWED = "mutualaid.listing.reviewed", _("Annonce relue et gardée en ligne")
    LISTING_REJECTED = "mutualaid.listing.rejected", _("Annonce refusée par la modération")
    LISTING_HIDDEN = "mutualaid.listing.hidden", _("Annonce retirée par la modération")
    LISTING_RESTORED = "mutualaid.listing.restored", _("Annonce remise en ligne par la modération")
    LISTING_EDITED = "mutualaid.listing.edited", _("Annonce corrigée par la modération")
    LISTING_RENEWED = "mutualaid.listing.renewed", _("Annonce prolongée")
    LISTING_CLOSED = "mutualaid.listing.closed", _("Annonce terminée")
    LISTING_REMINDED = "mutualaid.listing.reminded", _("Rappel de fin d'annonce envoyé")
    LISTING_EXPIRED = "mutualaid.listing.expired", _("Annonce arrivée à échéance")
    LISTING_PURGED = "mutualaid.listing.purged", _("Annonce supprimée au bout de sa durée de conservation")
    LISTING_VIEWED = "mutualaid.listing.viewed", _("Annonce consultée (équipe)")
    LISTING_LIST_VIEWED = "mutualaid.listing.list_viewed", _("Liste des annonces consultée (équipe)")
    LISTING_POST_FORM_VIEWED = (
        "mutualaid.listing.post_form_viewed",
        _("Formulaire d'annonce pour une personne ouvert (équipe)"),
    )
    LISTING_RESPOND_FORM_VIEWED = (
        "mutualaid.listing.respond_form_viewed",
        _("Formulaire de réponse pour une personne ouvert (équipe)"),
    )
    LISTING_SENT_BY_LETTER = "mutualaid.listing.sent_by_letter", _("Annonces envoyées par courrier")
    QUEUE_VIEWED = "mutualaid.queue.viewed", _("File de modération consultée")
    CONVERSATION_STARTED = "mutualaid.conversation.started", _("Conversation commencée")
    CONVERSATION_VIEWED = "mutualaid.conversation.viewed", _("Conversation consultée (équipe)")
    CONVERSATION_CONTACTS_AGREED = "mutualaid.conversation.contacts_agreed", _("Accord pour échanger ses coordonnées")
    MESSAGE_SENT = "mutualaid.message.sent", _("Message envoyé")
    MESSAGE_RELAYED = "mutualaid.message.relayed", _("Messages transmis à une personne sans internet")
    RELAY_LIST_VIEWED = "mutualaid.relay.list_viewed", _("Messages à transmettre consultés")
    RELAY_SHEET_VIEWED = "mutualaid.relay.sheet_viewed", _("Fiche de transmission consultée")
    BLOCK_CREATED = "mutualaid.block.created", _("Personne bloquée")
    BLOCK_REMOVED = "mutualaid.block.removed", _("Personne débloquée")
    THANKS_SENT = "mutualaid.thanks.sent", _("Remerciement envoyé")
    THANKS_SHOWN = "mutualaid.thanks.shown", _("Remerciement affiché sur les annonces")
    THANKS_UNSHOWN = "mutualaid.thanks.unshown", _("Remerciement retiré des annonces")
    REPORT_CREATED = "mutualaid.report.created", _("Signalement reçu")
    REPORT_VIEWED = "mutualaid.report.viewed", _("Signalement consulté")
    REPORT_DISMISSED = "mutualaid.report.dismissed", _("Signalement classé sans suite")
    REPORT_ACTED = "mutualaid.report.acted", _("Signalement suivi : contenu retiré")
    PERSON_SUSPENDED = "mutualaid.person.suspended", _("Participation au tableau d'entraide suspendue")
    PERSON_UNSUSPENDED = "mutualaid.person.unsuspended", _("Suspension du tableau d'entraide levée")
    PERSON_HISTORY_VIEWED = "mutualaid.person.history_viewed", _("Historique d'entraide d'une personne consulté")
    BADGE_GIVEN = "mutualaid.badge.given", _("Badge « rencontré » donné")
    BADGE_REVOKED = "mutualaid.badge.revoked", _("Badge « rencontré » retiré")
    MODERATION_PURGED = (
        "mutualaid.moderation.purged",
        _("Suspension, badge ou décision supprimés au bout de leur durée de conservation"),
    )
    SETTINGS_CHANGED = "mutualaid.settings.changed", _("Réglages du tableau d'entraide modifiés")
    NEIGHBOURHOOD_CREATED = "mutualaid.neighbourhood.created", _("Quartier ajouté")
    NEIGHBOURHOOD_UPDATED = "mutualaid.neighbourhood.updated", _("Quartier modifié")


RENAMED = {
    "mutualaid.listing.approve": Action.LISTING_APPROVED,
    "mutualaid.listing.review": Action.LISTING_REVIEWED,
    "mutualaid.listing.reject": Action.LISTING_REJECTED,
    "mutualaid.listing.hide": Action.LISTING_HIDDEN,
    "mutualaid.listing.restore": Action.LISTING_RESTORED,
    "mutualaid.listing_purged": Action.LISTING_PURGED,
    "mutualaid.listings.viewed": Action.LISTING_LIST_VIEWED,
    "mutualaid.post_form.viewed": Action.LISTING_POST_FORM_VIEWED,
    "mutualaid.respond_form.viewed": Action.LISTING_RESPOND_FORM_VIEWED,
    "mutualaid.listings.sent_by_letter": Action.LISTING_SENT_BY_LETTER,
    "mutualaid.contacts.agreed": Action.CONVERSATION_CONTACTS_AGREED,
    "mutualaid.messages.relayed": Action.MESSAGE_RELAYED,
    "mutualaid.relay.viewed": Action.RELAY_LIST_VIEWED,
    "mutualaid.relay_sheet.viewed": Action.RELAY_SHEET_VIEWED,
    "mutualaid.report.dismiss": Action.REPORT_DISMISSED,
    "mutualaid.report.hide": Action.REPORT_ACTED,
    "mutualaid.history.viewed": Action.PERSON_HISTORY_VIEWED,
    "mutualaid.moderation_purged": Action.MODERATION_PURGED,
}
