"""What the journal records about partner applications (see core.journal)."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    APPLICATION_CREATED = "api.application.created", _("Application partenaire créée")
    APPLICATION_UPDATED = "api.application.updated", _("Application partenaire modifiée")
    APPLICATION_REVOKED = "api.application.revoked", _("Application partenaire révoquée")
    KEY_ISSUED = "api.key.issued", _("Clé d'application créée")
    KEY_ROTATED = "api.key.rotated", _("Clé d'application remplacée")
    KEY_REVOKED = "api.key.revoked", _("Clé d'application révoquée")
    WEBHOOK_SAVED = "api.webhook.saved", _("Adresse de rappel enregistrée")
    WEBHOOK_DELETED = "api.webhook.deleted", _("Adresse de rappel supprimée")
    WEBHOOK_RESENT = "api.webhook.resent", _("Envoi vers une adresse de rappel relancé")
