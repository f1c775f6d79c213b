"""Reads of the outbox for staff screens."""

from django.db.models import Count, Q, QuerySet

from relais.notifications.models import LetterBatch, Message, MessageStatus


def outbox_summary() -> dict:
    return {
        "letters_waiting": Message.objects.letters_to_print().count(),
        "to_call": Message.objects.to_call().select_related("person").order_by("created_at"),
        "failed": Message.objects.filter(status=MessageStatus.FAILED, fallback__isnull=True)
        .select_related("person")
        .order_by("-created_at")[:50],
        "retrying": Message.objects.due().filter(attempts__gt=0).count(),
        "batches": LetterBatch.objects.annotate(
            n=Count("letters"), unsent=Count("letters", filter=~Q(letters__status=MessageStatus.SENT))
        )[:20],
    }


def messages_of(person) -> QuerySet[Message]:
    return Message.objects.filter(person=person).order_by("-created_at")


def messages_about(obj) -> QuerySet[Message]:
    return Message.objects.filter(related_type=obj._meta.label_lower, related_id=str(obj.pk)).order_by("created_at")
