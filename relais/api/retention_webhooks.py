"""Retention of the webhook delivery log (core.retention): deliveries are kept 30 days,
then deleted. They hold no personal data (ids, references, statuses, dates), but the log
is only there to explain a partner's missed or failed event, which a month covers.

To be listed in relais/api/retention.py's RULES (core.retention discovers `<app>.retention`):
    from relais.api.retention_webhooks import RULES as WEBHOOK_RULES
"""

from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule


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
        kind="webhook_deliveries",
        label=_("Journal des envois aux adresses de rappel des applications partenaires (webhooks)"),
        setting="RELAIS_WEBHOOK_DELIVERIES_RETENTION_DAYS",
        default_days=30,
        floor_days=7,
        action=DELETE,
        purge=purge_deliveries,
        batched=True,
        order=90,
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
    )
]
