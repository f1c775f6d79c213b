"""What the journal records about requests (see core.journal)."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    CASE_SUBMITTED = "cases.case.submitted", _("Demande envoyée ou enregistrée")
    CASE_VIEWED = "cases.case.viewed", _("Demande consultée")
    CASE_ASSIGNED = "cases.case.assigned", _("Demande attribuée à un agent")
    CASE_STATUS_CHANGED = "cases.case.status_changed", _("État d'une demande changé")
    CASE_NOTE_ADDED = "cases.case.note_added", _("Note interne ajoutée à une demande")
    CASE_MESSAGE_SENT = "cases.case.message_sent", _("Message envoyé à l'habitant sur sa demande")
    CASE_RESIDENT_REPLIED = "cases.case.resident_replied", _("Réponse de l'habitant à sa demande")
    CASE_DOCUMENT_ADDED = "cases.case.document_added", _("Pièce ajoutée à une demande")
    CASE_DOCUMENT_VIEWED = "cases.case.document_viewed", _("Pièce d'une demande consultée")
    CASE_MARKED_SPAM = "cases.case.marked_spam", _("Demande classée comme indésirable")
    CASE_LOOKED_UP = "cases.case.looked_up", _("Demande retrouvée par sa référence (page de suivi)")
    CASE_VIEWED_BY_REFERENCE = (
        "cases.case.viewed_by_reference",
        _("Demande consultée en lecture seule après la page de suivi"),
    )
    CASE_FOLLOWED_BY_APPLICATION = (
        "cases.case.followed_by_application",
        _("Demande suivie par l'application partenaire qui l'a déposée"),
    )
    CASE_CORRECTION_WITHDRAWN = "cases.case.correction_withdrawn", _("Correction demandée retirée par un agent")
    CASE_LOOKUP_FAILED = "cases.case.lookup_failed", _("Essai de suivi d'une demande sans succès")
    CASE_FOUND_BY_REFERENCE = "cases.case.found_by_reference", _("Demande trouvée par un agent par sa référence")
    CASE_CORRECTION_ASKED = "cases.case.correction_asked", _("Correction d'une réponse demandée à l'habitant")
    CASE_CORRECTION_RECEIVED = "cases.case.correction_received", _("Réponse corrigée par l'habitant")
    CASE_PURGED = "cases.case.purged", _("Demande supprimée au bout de sa durée de conservation")
    QUEUE_VIEWED = "cases.queue.viewed", _("File des demandes consultée")
    QUEUE_EXPORTED = "cases.queue.exported", _("Demandes exportées (tableur)")
    FORM_CREATED = "cases.form.created", _("Formulaire de demande créé")
    FORM_UPDATED = "cases.form.updated", _("Formulaire de demande modifié")
    FORM_TRANSLATED = "cases.form.translated", _("Traduction d'un formulaire de demande enregistrée")
    FORM_FIELD_SAVED = "cases.form_field.saved", _("Question d'un formulaire enregistrée")
    FORM_FIELD_DELETED = "cases.form_field.deleted", _("Question d'un formulaire supprimée")
    STREET_REPORT_PUBLISHED = "cases.street_report.published", _("Signalement publié (texte relu par l'équipe)")
    STREET_REPORT_UNPUBLISHED = "cases.street_report.unpublished", _("Signalement retiré de la liste publique")
    CASE_MARKED_DUPLICATE = "cases.case.marked_duplicate", _("Signalement rattaché à un autre (doublon)")
    CASE_UNMARKED_DUPLICATE = "cases.case.unmarked_duplicate", _("Signalement détaché de son original")
    STREET_CLOSE_CASES_VIEWED = (
        "cases.street.close_cases_viewed",
        _("Signalements proches consultés (emplacements indiqués par d'autres habitants)"),
    )
    TOWN_PLAN_SET = "cases.town_plan.set", _("Plan de la commune remplacé")


RENAMED = {
    "case.submitted": Action.CASE_SUBMITTED,
    "case.viewed": Action.CASE_VIEWED,
    "case.assigned": Action.CASE_ASSIGNED,
    "case.status_changed": Action.CASE_STATUS_CHANGED,
    "case.note_added": Action.CASE_NOTE_ADDED,
    "case.message_sent": Action.CASE_MESSAGE_SENT,
    "case.resident_replied": Action.CASE_RESIDENT_REPLIED,
    "case.document_added": Action.CASE_DOCUMENT_ADDED,
    "case.document_viewed": Action.CASE_DOCUMENT_VIEWED,
    "case.marked_spam": Action.CASE_MARKED_SPAM,
    "case.purged": Action.CASE_PURGED,
    "cases.queue_viewed": Action.QUEUE_VIEWED,
    "cases.exported": Action.QUEUE_EXPORTED,
    "form.created": Action.FORM_CREATED,
    "form.updated": Action.FORM_UPDATED,
    "form_field.saved": Action.FORM_FIELD_SAVED,
    "form_field.deleted": Action.FORM_FIELD_DELETED,
}
