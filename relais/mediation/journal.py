"""The journal's vocabulary for digital mediation (see core.journal): every action the
mediation app writes, `mediation.<entity>.<verb>`, with what an administrator reads.

List pages write one entry per person shown, named `<entity>.list_viewed`.
"""

from django.utils.translation import gettext_lazy as _

from relais.core import journal as core_journal
from relais.core.journal import AuditAction


class Action(AuditAction):
    DROPIN_CREATED = "mediation.dropin.created", _("Permanence créée")
    DROPIN_UPDATED = "mediation.dropin.updated", _("Permanence modifiée")
    DROPIN_DATE_CANCELLED = "mediation.dropin.date_cancelled", _("Date de permanence annulée")
    DROPIN_DATE_RESTORED = "mediation.dropin.date_restored", _("Date de permanence rétablie")
    HOLIDAY_SAVED = "mediation.holiday.saved", _("Vacances scolaires enregistrées")
    HOLIDAY_DELETED = "mediation.holiday.deleted", _("Vacances scolaires supprimées")
    APPOINTMENT_BOOKED = "mediation.appointment.booked", _("Rendez-vous pris")
    APPOINTMENT_CANCELLED = "mediation.appointment.cancelled", _("Rendez-vous annulé")
    APPOINTMENT_MOVED = "mediation.appointment.moved", _("Rendez-vous déplacé")
    APPOINTMENT_OUTCOME_RECORDED = "mediation.appointment.outcome_recorded", _("Suite d'un rendez-vous notée")
    APPOINTMENT_MERGED_AWAY = (
        "mediation.appointment.merged_away",
        _("Rendez-vous en double annulé (deux fiches regroupées)"),
    )
    APPOINTMENT_VIEWED = "mediation.appointment.viewed", _("Rendez-vous consulté")
    APPOINTMENT_CODE_SENT = "mediation.appointment.code_sent", _("Code de confirmation de rendez-vous envoyé")
    APPOINTMENT_CODE_REFUSED = "mediation.appointment.code_refused", _("Code de confirmation de rendez-vous erroné")
    APPOINTMENT_DAY_LIST_VIEWED = (
        "mediation.appointment.day_list_viewed",
        _("Liste des rendez-vous du jour consultée"),
    )
    APPOINTMENT_TYPE_CREATED = "mediation.appointment_type.created", _("Type de rendez-vous créé")
    APPOINTMENT_TYPE_UPDATED = "mediation.appointment_type.updated", _("Type de rendez-vous modifié")
    OPENING_CREATED = "mediation.opening.created", _("Ouverture de rendez-vous créée")
    OPENING_UPDATED = "mediation.opening.updated", _("Ouverture de rendez-vous modifiée")
    APPOINTMENT_LIST_VIEWED = "mediation.appointment.list_viewed", _("Liste de rendez-vous consultée")
    WORKSHOP_CREATED = "mediation.workshop.created", _("Atelier créé")
    WORKSHOP_UPDATED = "mediation.workshop.updated", _("Atelier modifié")
    WORKSHOP_CANCELLED = "mediation.workshop.cancelled", _("Atelier annulé")
    REGISTRATION_CREATED = "mediation.registration.created", _("Inscription à un atelier")
    REGISTRATION_PROMOTED = "mediation.registration.promoted", _("Place d'atelier donnée à une personne en attente")
    REGISTRATION_CANCELLED = "mediation.registration.cancelled", _("Inscription à un atelier annulée")
    REGISTRATION_MERGED_AWAY = (
        "mediation.registration.merged_away",
        _("Inscription en double annulée (deux fiches regroupées)"),
    )
    REGISTRATION_VIEWED = "mediation.registration.viewed", _("Inscription à un atelier consultée")
    REGISTRATION_LIST_VIEWED = "mediation.registration.list_viewed", _("Liste des inscrits d'un atelier consultée")
    ATTENDANCE_RECORDED = "mediation.attendance.recorded", _("Présences à une séance notées")
    ATTENDANCE_VIEWED = "mediation.attendance.viewed", _("Feuille de présence consultée")
    CERTIFICATE_PRINTED = "mediation.certificate.printed", _("Attestation de participation imprimée")
    ACCOMPANIMENT_RECORDED = "mediation.accompaniment.recorded", _("Accompagnement noté")
    ACCOMPANIMENT_CORRECTED = "mediation.accompaniment.corrected", _("Accompagnement corrigé")
    ACCOMPANIMENT_VIEWED = "mediation.accompaniment.viewed", _("Accompagnement consulté")
    ACCOMPANIMENT_FORM_VIEWED = (
        "mediation.accompaniment.form_viewed",
        _("Formulaire d'accompagnement ouvert pour une personne"),
    )
    ACCOMPANIMENT_LIST_VIEWED = "mediation.accompaniment.list_viewed", _("Liste des accompagnements consultée")
    CALENDAR_TOKEN_RENEWED = "mediation.calendar_token.renewed", _("Adresse de l'agenda personnel renouvelée")
    ADVISOR_FEED_FETCHED = "mediation.advisor_feed.fetched", _("Agenda personnel d'un conseiller lu")
    PERSON_RECORDS_VIEWED = (
        "mediation.person.records_viewed",
        _("Rendez-vous, inscriptions et accompagnements d'une personne consultés"),
    )


RENAMED = {
    "mediation.dropin_created": Action.DROPIN_CREATED,
    "mediation.dropin_updated": Action.DROPIN_UPDATED,
    "mediation.dropin_date_cancelled": Action.DROPIN_DATE_CANCELLED,
    "mediation.dropin_date_restored": Action.DROPIN_DATE_RESTORED,
    "mediation.holiday_saved": Action.HOLIDAY_SAVED,
    "mediation.holiday_deleted": Action.HOLIDAY_DELETED,
    "mediation.appointment_booked": Action.APPOINTMENT_BOOKED,
    "mediation.appointment_cancelled": Action.APPOINTMENT_CANCELLED,
    "mediation.appointment_moved": Action.APPOINTMENT_MOVED,
    "mediation.appointment_outcome": Action.APPOINTMENT_OUTCOME_RECORDED,
    "mediation.appointment_merged_away": Action.APPOINTMENT_MERGED_AWAY,
    "mediation.appointment_viewed": Action.APPOINTMENT_VIEWED,
    "mediation.appointments_viewed": Action.APPOINTMENT_LIST_VIEWED,
    "mediation.workshop_created": Action.WORKSHOP_CREATED,
    "mediation.workshop_updated": Action.WORKSHOP_UPDATED,
    "mediation.workshop_cancelled": Action.WORKSHOP_CANCELLED,
    "mediation.registration_created": Action.REGISTRATION_CREATED,
    "mediation.registration_promoted": Action.REGISTRATION_PROMOTED,
    "mediation.registration_cancelled": Action.REGISTRATION_CANCELLED,
    "mediation.registration_merged_away": Action.REGISTRATION_MERGED_AWAY,
    "mediation.registrations_viewed": Action.REGISTRATION_LIST_VIEWED,
    "mediation.attendance_recorded": Action.ATTENDANCE_RECORDED,
    "mediation.attendance_viewed": Action.ATTENDANCE_VIEWED,
    "mediation.certificate_printed": Action.CERTIFICATE_PRINTED,
    "mediation.accompaniment_recorded": Action.ACCOMPANIMENT_RECORDED,
    "mediation.accompaniment_corrected": Action.ACCOMPANIMENT_CORRECTED,
    "mediation.accompaniment_viewed": Action.ACCOMPANIMENT_VIEWED,
    "mediation.accompaniment_form_viewed": Action.ACCOMPANIMENT_FORM_VIEWED,
    "mediation.accompaniments_viewed": Action.ACCOMPANIMENT_LIST_VIEWED,
    "mediation.calendar_token_renewed": Action.CALENDAR_TOKEN_RENEWED,
    "mediation.advisor_feed_fetched": Action.ADVISOR_FEED_FETCHED,
    "mediation.person_records_viewed": Action.PERSON_RECORDS_VIEWED,
    # Written by the purge mediation had before the retention framework took it over: the
    # run itself, and each person it deleted. What they recorded is now the kernel's.
    "mediation.purged": core_journal.Action.RETENTION_PURGED,
    "mediation.person_purged": core_journal.Action.PERSON_DELETED,
}
