"""The journal's vocabulary: every action an audit entry may record.

Each app lists its own in `relais/<app>/journal.py`: `class Action(AuditAction)`, members
named `"<app label>.<entity>.<verb>"` (lower-case, snake case: `cases.case.viewed`,
`mediation.appointment.booked`) with the French words an administrator reads in the
journal. `audit_log` refuses any other name, so the vocabulary cannot drift again.

The journal is append-only and every entry is sealed in a MAC chain: entries written under
an older name are never rewritten. An app's `RENAMED = {"old.name": Action.NEW}` keeps the
old names it used; the journal filter and the labels read them as the new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Base of every app's `journal.Action` (an enumeration has no members of its own)."""


class Action(AuditAction):
    JOURNAL_VIEWED = "core.journal.viewed", _("Journal consulté")
    JOURNAL_VERIFIED = "core.journal.verified", _("Journal vérifié (chaîne de sceaux)")
    JOURNAL_PURGED = "core.journal.purged", _("Entrées anciennes du journal supprimées")
    PERSON_CREATED = "core.person.created", _("Fiche personne créée")
    PERSON_UPDATED = "core.person.updated", _("Fiche personne modifiée")
    PERSON_VIEWED = "core.person.viewed", _("Fiche personne consultée")
    PERSON_SEARCHED = "core.person.searched", _("Recherche de personnes")
    PERSON_MERGED = "core.person.merged", _("Deux fiches regroupées (fiche gardée)")
    PERSON_MERGED_AWAY = "core.person.merged_away", _("Deux fiches regroupées (doublon retiré)")
    PERSON_DELETED = "core.person.deleted", _("Fiche personne supprimée")
    PERSON_DATA_EXPORTED = "core.person.data_exported", _("Données d'une personne remises (droit d'accès)")
    PERSON_RECTIFIED = "core.person.rectified", _("Données corrigées à la demande de la personne")
    PERSON_ERASED = "core.person.erased", _("Données effacées à la demande de la personne")
    SENDER_BLOCKED = "core.sender.blocked", _("Expéditeur bloqué")
    ACCESS_CODE_USED = "core.access_code.used", _("Code d'un courrier utilisé")
    ACCESS_CODE_REFUSED = "core.access_code.refused", _("Code d'un courrier refusé")
    ACCESS_CODE_STAFF_LOOKUP = "core.access_code.staff_lookup", _("Code d'un courrier tapé par un agent")
    BACKUP_CREATED = "core.backup.created", _("Sauvegarde faite")
    BACKUP_RESTORED = "core.backup.restored", _("Sauvegarde restaurée")
    RETENTION_PURGED = "core.retention.purged", _("Données arrivées au bout de leur durée de conservation traitées")
    ACCESSIBILITY_STATEMENT_UPDATED = "core.accessibility_statement.updated", _("Déclaration d'accessibilité modifiée")


RENAMED = {
    "audit.viewed": Action.JOURNAL_VIEWED,
    "audit.verified": Action.JOURNAL_VERIFIED,
    "audit.purged": Action.JOURNAL_PURGED,
    "person.created": Action.PERSON_CREATED,
    "person.updated": Action.PERSON_UPDATED,
    "person.viewed": Action.PERSON_VIEWED,
    "person.searched": Action.PERSON_SEARCHED,
    "person.merged": Action.PERSON_MERGED,
    "person.merged_away": Action.PERSON_MERGED_AWAY,
    "person.deleted": Action.PERSON_DELETED,
    "person.data_exported": Action.PERSON_DATA_EXPORTED,
    "person.rectified": Action.PERSON_RECTIFIED,
    "person.erased": Action.PERSON_ERASED,
    "sender.blocked": Action.SENDER_BLOCKED,
    "access.code_used": Action.ACCESS_CODE_USED,
    "access.code_refused": Action.ACCESS_CODE_REFUSED,
    "backup.create": Action.BACKUP_CREATED,
    "backup.restore": Action.BACKUP_RESTORED,
    "retention.purged": Action.RETENTION_PURGED,
}


@dataclass(frozen=True)
class Vocabulary:
    labels: dict  # action name → label
    renamed: dict  # old name → current name
    groups: list  # (app verbose name, app label, [(name, label), …]) in app order


@cache
def vocabulary() -> Vocabulary:
    """Every app's actions, read once from its `journal` module."""
    labels, renamed, groups = {}, {}, []
    for config in apps.get_app_configs():
        if not config.name.startswith("relais.") or find_spec(f"{config.name}.journal") is None:
            continue
        module = import_module(f"{config.name}.journal")
        enum = getattr(module, "Action", None)
        if enum is None:
            continue
        members = []
        for member in enum:
            if not member.value.startswith(f"{config.label}."):
                raise ValueError(f"journal action {member.value!r} of {config.name} must start with {config.label}.")
            labels[member.value] = member.label
            members.append((member.value, member.label))
        for old, new in getattr(module, "RENAMED", {}).items():
            renamed[old] = str(new.value if isinstance(new, AuditAction) else new)
        groups.append((config.verbose_name, config.label, members))
    unknown = {new for new in renamed.values() if new not in labels}
    if unknown:
        raise ValueError(f"RENAMED points at unknown journal actions: {sorted(unknown)}")
    return Vocabulary(labels=labels, renamed=renamed, groups=groups)


def is_known(action: str) -> bool:
    return action in vocabulary().labels


def current_name(action: str) -> str:
    """The name an entry's action has today (an old entry's, through RENAMED)."""
    return vocabulary().renamed.get(action, action)


def label(action: str) -> str:
    """What an administrator reads for an entry's action (the code itself when unknown)."""
    return str(vocabulary().labels.get(current_name(action), action))


def names_for(choice: str) -> list[str]:
    """Every stored name that the journal filter's `choice` means: one action (with its old
    names), or every action of an app when `choice` is an app label followed by a dot."""
    vocab = vocabulary()
    if choice.endswith("."):
        wanted = {name for name in vocab.labels if name.startswith(choice)}
    else:
        wanted = {current_name(choice)} & set(vocab.labels)
    return sorted(wanted | {old for old, new in vocab.renamed.items() if new in wanted})


def filter_choices() -> list:
    """The journal filter's options: every app, then each of its actions, in French."""
    choices = [("", _("Toutes les actions"))]
    for verbose_name, app_label, members in vocabulary().groups:
        options = [(f"{app_label}.", _("Toutes : %(app)s") % {"app": verbose_name})]
        options += sorted(members, key=lambda m: str(m[1]))
        choices.append((verbose_name, options))
    return choices
