"""Retention of the outbox (core.retention): messages in a final state (sent, printed,
failed, cancelled, expired) and the print batches of letters, with their PDF. Queued and
held messages are never removed; a message and the copies sent another way in its place
(fallback) go together, once every one of them is due."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule, delete_files_on_commit


def _kept_statuses():
    from relais.notifications.models import MessageStatus

    # Still to be written or sent, or waiting for staff: never removed, whatever their age.
    return (MessageStatus.WRITING, MessageStatus.QUEUED, MessageStatus.HELD)


def _final_and_old(cutoff):
    from relais.notifications.models import Message

    return (
        Message.objects.exclude(status__in=_kept_statuses())
        .annotate(done_at=Coalesce("sent_at", "created_at"))
        .filter(done_at__lt=cutoff)
    )


def _chains_kept(cutoff) -> set[int]:
    """Messages of a fallback chain (an original and its copies) that one kept member holds
    back: a chain goes whole or not at all."""
    from relais.notifications.models import Message

    in_chain = Q(fallback_of__isnull=False) | Q(fallback__isnull=False)
    kept = set(
        Message.objects.filter(in_chain)
        .exclude(pk__in=_final_and_old(cutoff).values("pk"))
        .values_list("pk", flat=True)
    )
    frontier = kept
    while frontier:
        linked = set(
            Message.objects.filter(Q(fallback_of__in=frontier) | Q(fallback__in=frontier)).values_list("pk", flat=True)
        )
        frontier = linked - kept
        kept |= frontier
    return kept


def messages_due(cutoff):
    """Messages in a final state, sent (or created, when never sent) before `cutoff`, whose
    whole fallback chain is too."""
    return _final_and_old(cutoff).exclude(pk__in=_chains_kept(cutoff))


def batches_due(cutoff):
    """Print batches posted (or, never posted, made) before `cutoff` with no letter kept."""
    from relais.notifications.models import LetterBatch, Message

    return (
        LetterBatch.objects.annotate(over_at=Coalesce("posted_at", "created_at"))
        .filter(over_at__lt=cutoff)
        .exclude(Exists(Message.objects.filter(batch=OuterRef("pk")).exclude(pk__in=messages_due(cutoff).values("pk"))))
    )


def purge_messages(*, cutoff, days, dry_run, limit=None) -> int:
    """Delete old messages in a final state, then the print batches left empty.

    A copy sent another way (fallback) points at the message it replaces: copies go first,
    then the original; a chain with one member kept (still queued, or recent) stays whole."""
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
        starts=_(
            "depuis l'envoi du message (ou sa création s'il n'a jamais été envoyé : annulé, sans objet, "
            "en échec, imprimé mais jamais posté), ou l'envoi postal du lot"
        ),
        keeps=_("Rien ; les messages en attente ou retenus ne sont jamais effacés."),
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
