"""Retention of the outbox (core.retention): messages sent (or given up) and the print
batches of letters, with their PDF."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule, delete_files_on_commit


def messages_due(cutoff):
    from relais.notifications.models import Message, MessageStatus

    done = Q(status=MessageStatus.SENT) | Q(status=MessageStatus.FAILED)
    return Message.objects.annotate(done_at=Coalesce("sent_at", "created_at")).filter(done, done_at__lt=cutoff)


def batches_due(cutoff):
    from relais.notifications.models import LetterBatch, Message

    return LetterBatch.objects.filter(posted_at__lt=cutoff).exclude(
        Exists(Message.objects.filter(batch=OuterRef("pk")).exclude(pk__in=messages_due(cutoff).values("pk")))
    )


def purge_messages(*, cutoff, days, dry_run, limit=None) -> int:
    """Delete old messages sent or given up, then the posted print batches left empty.

    A copy sent another way (fallback) points at the message it replaces: copies go first,
    and a message whose copy is kept (still queued) stays with it."""
    from relais.notifications.models import LetterBatch, Message

    if dry_run:
        return messages_due(cutoff).count() + batches_due(cutoff).count()
    removed = 0
    while limit is None or removed < limit:
        room = None if limit is None else limit - removed
        leaves = list(
            messages_due(cutoff).filter(fallback__isnull=True).order_by("pk").values_list("pk", flat=True)[:room]
        )
        if not leaves:
            break
        Message.objects.filter(pk__in=leaves).delete()
        removed += len(leaves)
    if limit is not None and removed >= limit:
        return removed  # the batches on the next round
    batches = list(batches_due(cutoff).values_list("pk", "pdf"))
    LetterBatch.objects.filter(pk__in=[pk for pk, _pdf in batches]).delete()
    delete_files_on_commit([pdf for _pk, pdf in batches])
    return removed + len(batches)


RULES = [
    Rule(
        kind="messages",
        label=_("Messages envoyés aux habitants (courriels, SMS, courriers) et lots de courriers imprimés"),
        setting="RELAIS_MESSAGES_RETENTION_DAYS",
        default_days=365,
        floor_days=90,
        action=DELETE,
        purge=purge_messages,
        batched=True,
        order=60,
        starts=_("depuis l'envoi du message, ou l'envoi postal du lot"),
        keeps=_("Rien ; les messages en attente ne sont jamais effacés."),
        purpose=_("Prévenir les habitants par courriel, SMS, appel ou courrier, et savoir ce qui leur a été envoyé."),
        legal_basis=_("Mission d'intérêt public (article 6-1-e du RGPD)."),
        data=_("Destinataire, adresse ou numéro, texte du message, date d'envoi, incidents d'envoi."),
        people=_("Habitants destinataires."),
        recipients=_(
            "Agents de l'équipe concernée ; prestataire d'envoi des SMS et serveur de courriel (sous-traitants)."
        ),
        floor_reason=_("un habitant peut demander ce qui lui a été envoyé et quand"),
    )
]
