"""Retention of mandates (core.retention): the proof of a resident's consent is kept five
years after the mandate ended, then the mandate goes with its proof."""

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule, delete_files_on_commit
from relais.mandates.journal import Action

# Acts done under a mandate can be contested for five years (civil limitation period,
# article 2224 of the Code civil): the proof of consent (text shown, method, dates, signed
# scan) must outlive them, so no configuration may keep it less.
CONSENT_PROOF_DAYS = 5 * 365


def ended_mandates_due(cutoff):
    """Mandates revoked, expired, or never consented to, ended before `cutoff`, that no
    request still held points at (the request goes first, then its mandate)."""
    from relais.mandates.models import Mandate

    ended = Coalesce("revoked_at", "expires_at", "created_at")
    return (
        Mandate.objects.annotate(ended_at=ended)
        .filter(ended_at__lt=cutoff)
        .filter(Q(revoked_at__isnull=False) | Q(expires_at__lt=cutoff) | Q(activated_at__isnull=True))
        # through the reverse relation: mandates import nothing from cases (cases → mandates)
        .exclude(cases__isnull=False)
    )


def purge_ended_mandates(*, cutoff, days, dry_run, limit=None) -> int:
    from relais.core.audit import audit_log
    from relais.core.models import Person
    from relais.mandates.models import Mandate

    due = ended_mandates_due(cutoff)
    if dry_run:
        return due.count()
    rows = list(due.select_for_update().order_by("pk")[:limit].values_list("pk", "person_id", "paper_scan"))
    for pk, person_id, _scan in rows:
        audit_log(actor=None, action=Action.MANDATE_PURGED, person=Person(pk=person_id), details={"mandate": pk})
    Mandate.objects.filter(pk__in=[pk for pk, _p, _s in rows]).delete()
    delete_files_on_commit([scan for _pk, _p, scan in rows])
    return len(rows)


RULES = [
    Rule(
        kind="mandates",
        label=_("Mandats terminés ou révoqués et la preuve du consentement"),
        setting="RELAIS_MANDATES_RETENTION_DAYS",
        default_days=CONSENT_PROOF_DAYS,
        floor_days=CONSENT_PROOF_DAYS,
        action=DELETE,
        purge=purge_ended_mandates,
        batched=True,
        order=50,
        starts=_(
            "depuis la fin du mandat (révocation ou échéance) ; un mandat reste tant qu'une demande faite "
            "en son nom est gardée"
        ),
        keeps=_("Rien : le journal garde que le mandat a existé et a été effacé."),
        purpose=_(
            "Permettre à une structure aidante d'agir pour un habitant, avec son accord écrit, "
            "et pouvoir prouver cet accord."
        ),
        legal_basis=_(
            "Consentement de l'habitant (article 6-1-a du RGPD), dont la commune doit pouvoir apporter "
            "la preuve (article 7-1)."
        ),
        data=_(
            "Identité de l'habitant, structure aidante, démarches couvertes, durée, texte accepté, "
            "mode de consentement, formulaire signé numérisé, dates."
        ),
        people=_("Habitants aidés ; aidants et agents des structures aidantes."),
        recipients=_("Agents de la structure aidante ; l'habitant lui-même."),
        floor_reason=_(
            "la preuve du consentement est gardée cinq ans après la fin du mandat, délai pendant lequel "
            "un acte fait en son nom peut être contesté (article 2224 du Code civil)"
        ),
    )
]
