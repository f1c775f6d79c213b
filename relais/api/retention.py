"""Retention of the API's own records (core.retention): the replies kept for retried creates.

A reply to a create made with an `Idempotency-Key` is kept so that a partner's retry gets it
again rather than filing twice; a retry comes within seconds or hours, so a day is enough.
The reply names what was created (a request's reference, a booking's address) and may hold
a resident's name: it is not kept longer than that day.
"""

from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule


def idempotent_replies_due(cutoff):
    from relais.api.models import IdempotentReply

    return IdempotentReply.objects.filter(created_at__lt=cutoff)


def purge_idempotent_replies(*, cutoff, days, dry_run, limit=None) -> int:
    due = idempotent_replies_due(cutoff)
    if dry_run:
        return due.count()
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:limit])
    due.model.objects.filter(pk__in=ids).delete()
    return len(ids)


RULES = [
    Rule(
        kind="api.idempotent_replies",
        label=_("Réponses gardées pour les nouveaux essais des applications partenaires"),
        setting="RELAIS_API_IDEMPOTENT_REPLIES_RETENTION_DAYS",
        default_days=1,
        floor_days=1,
        action=DELETE,
        purge=purge_idempotent_replies,
        batched=True,
        order=70,
        starts=_("depuis la création (dépôt d'une demande, rendez-vous, inscription) faite par l'application"),
        keeps=_("Rien : la demande, le rendez-vous ou l'inscription créés restent, avec leur propre durée."),
        purpose=_(
            "Répondre à une application partenaire qui renvoie la même création (coupure de réseau) sans rien "
            "créer deux fois."
        ),
        legal_basis=_("Mission d'intérêt public (article 6-1-e du RGPD)."),
        data=_("Clé d'idempotence choisie par l'application, empreinte de la requête, réponse envoyée."),
        people=_("Habitants pour qui une application partenaire a déposé, réservé ou inscrit."),
        recipients=_("L'application partenaire qui a fait la création."),
        floor_reason=_("une application partenaire peut renvoyer sa requête jusqu'au lendemain"),
    ),
]
