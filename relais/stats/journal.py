"""What the journal records about statistics (see core.journal): reading them is a staff
read like any other, and every figure that leaves the staff area says where it went."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    PAGE_VIEWED = "stats.page.viewed", _("Statistiques consultées")
    EXPORTED = "stats.page.exported", _("Statistiques exportées")
    REPORT_PRINTED = "stats.report.printed", _("Rapport d'activité produit")
    SHARE_CREATED = "stats.share.created", _("Lien de partage des statistiques créé")
    SHARE_REVOKED = "stats.share.revoked", _("Lien de partage des statistiques retiré")
    SHARE_OPENED = "stats.share.opened", _("Statistiques partagées consultées par lien")
    SIMPLIFY_VIEWED = "stats.simplify.viewed", _("Démarches à simplifier consultées")
    FEEDBACK_VIEWED = "stats.simplify.feedback_viewed", _("Avis des habitants sur une démarche consultés")
