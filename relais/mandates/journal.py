"""What the journal records about mandates (see core.journal)."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    MANDATE_CREATED = "mandates.mandate.created", _("Mandat préparé")
    MANDATE_CODE_SENT = "mandates.mandate.code_sent", _("Code de consentement envoyé à l'habitant")
    MANDATE_CODE_LOCKED = "mandates.mandate.code_locked", _("Code de consentement bloqué (trop d'essais)")
    MANDATE_ACTIVATED = "mandates.mandate.activated", _("Mandat commencé (consentement donné)")
    MANDATE_SCOPE_REVOKED = "mandates.mandate.scope_revoked", _("Une partie d'un mandat retirée")
    MANDATE_REVOKED = "mandates.mandate.revoked", _("Mandat arrêté")
    MANDATE_USED = "mandates.mandate.used", _("Action faite pour un habitant sous son mandat")
    MANDATE_VIEWED = "mandates.mandate.viewed", _("Mandat consulté")
    MANDATE_LIST_VIEWED = "mandates.mandate.list_viewed", _("Liste des mandats consultée")
    MANDATE_FORM_PRINTED = "mandates.mandate.form_printed", _("Formulaire de mandat imprimé")
    MANDATE_PURGED = "mandates.mandate.purged", _("Mandat supprimé au bout de sa durée de conservation")


RENAMED = {
    "mandate.created": Action.MANDATE_CREATED,
    "mandate.code_sent": Action.MANDATE_CODE_SENT,
    "mandate.code_locked": Action.MANDATE_CODE_LOCKED,
    "mandate.activated": Action.MANDATE_ACTIVATED,
    "mandate.scope_revoked": Action.MANDATE_SCOPE_REVOKED,
    "mandate.revoked": Action.MANDATE_REVOKED,
    "mandate.used": Action.MANDATE_USED,
    "mandate.viewed": Action.MANDATE_VIEWED,
    "mandate.list_viewed": Action.MANDATE_LIST_VIEWED,
    "mandate.form_printed": Action.MANDATE_FORM_PRINTED,
    "mandate.purged": Action.MANDATE_PURGED,
}
