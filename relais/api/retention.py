"""Retention of the API's own records (core.retention): the replies kept for retried creates, and
the webhook delivery log.

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


# The webhook delivery log: no personal data (ids, references, statuses, dates), kept a month
# to explain a partner's missed or failed event.
def _due(cutoff):
    from relais.api.models import DeliveryStatus, WebhookDelivery

    # One still waiting for a try is kept: its log would vanish under the worker.
    return WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=DeliveryStatus.PENDING)


def purge_deliveries(*, cutoff, days, dry_run, limit=None) -> int:
    from relais.api.models import WebhookDelivery

    due = _due(cutoff)
    if dry_run:
        return due.count()
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:limit])
    WebhookDelivery.objects.filter(pk__in=ids).delete()
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
    Rule(
        kind="api.webhook_deliveries",
        label=_("Journal des envois aux adresses de rappel des applications partenaires (webhooks)"),
        setting="RELAIS_WEBHOOK_DELIVERIES_RETENTION_DAYS",
        default_days=30,
        floor_days=7,
        action=DELETE,
        purge=purge_deliveries,
        batched=True,
        order=75,
        starts=_("depuis l'événement envoyé"),
        keeps=_("Rien ; un envoi encore en attente d'un essai n'est pas effacé."),
        purpose=_("Prévenir les systèmes partenaires des événements choisis, et expliquer un envoi manqué."),
        legal_basis=_("Mission d'intérêt public (article 6-1-e du RGPD)."),
        data=_(
            "Numéros et références des dossiers, rendez-vous et inscriptions, états, dates, canaux ; aucun nom ni coordonnée."
        ),
        people=_("Aucune personne identifiée directement."),
        recipients=_("Administrateurs de Relais ; l'application partenaire destinataire."),
        floor_reason=_("un partenaire doit pouvoir signaler un envoi manqué"),
    ),
]
