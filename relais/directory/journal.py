"""What the journal records about places and the catalogue (see core.journal)."""

from django.utils.translation import gettext_lazy as _

from relais.core.journal import AuditAction


class Action(AuditAction):
    PLACE_CREATED = "directory.place.created", _("Lieu créé")
    PLACE_UPDATED = "directory.place.updated", _("Lieu modifié")
    PLACES_IMPORTED = "directory.place.imported", _("Lieux importés d'un fichier")
    PROCEDURE_CREATED = "directory.procedure.created", _("Fiche du catalogue créée")
    PROCEDURE_UPDATED = "directory.procedure.updated", _("Fiche du catalogue modifiée")
    PLACE_TRANSLATED = "directory.place.translated", _("Traduction d'un lieu enregistrée")
    PROCEDURE_TRANSLATED = "directory.procedure.translated", _("Traduction d'une fiche du catalogue enregistrée")
    THEME_TRANSLATED = "directory.theme.translated", _("Traduction d'un thème enregistrée")
    THEME_CREATED = "directory.theme.created", _("Thème créé")
    THEME_UPDATED = "directory.theme.updated", _("Thème modifié")
    ORGANISATION_CREATED = "directory.organisation.created", _("Organisme créé")
    ORGANISATION_UPDATED = "directory.organisation.updated", _("Organisme modifié")
    ACRONYM_CREATED = "directory.acronym.created", _("Sigle ajouté à la liste")
    ACRONYM_UPDATED = "directory.acronym.updated", _("Sigle de la liste modifié")
    ACRONYM_DELETED = "directory.acronym.deleted", _("Sigle retiré de la liste")


RENAMED = {
    "place.created": Action.PLACE_CREATED,
    "place.updated": Action.PLACE_UPDATED,
    "places.imported": Action.PLACES_IMPORTED,
    "procedure.created": Action.PROCEDURE_CREATED,
    "procedure.updated": Action.PROCEDURE_UPDATED,
    "theme.created": Action.THEME_CREATED,
    "theme.updated": Action.THEME_UPDATED,
    "organisation.created": Action.ORGANISATION_CREATED,
    "organisation.updated": Action.ORGANISATION_UPDATED,
}


def translated(obj) -> Action:
    """The action for a catalogue object's translation saved."""
    return Action(f"directory.{obj._meta.model_name}.translated")


def saved(obj, *, created: bool) -> Action:
    """The action for a catalogue object saved from its form."""
    return Action(f"directory.{obj._meta.model_name}.{'created' if created else 'updated'}")
