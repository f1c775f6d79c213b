"""Reads of the outbox for staff screens."""

from django.db.models import Count, Q, QuerySet

from relais.notifications.models import LetterBatch, Message, MessageStatus


def outbox_summary() -> dict:
    return {
        "letters_waiting": Message.objects.letters_to_print().count(),
        "to_call": Message.objects.to_call().select_related("person").order_by("created_at"),
        # Failed messages to residents that nothing replaced (a letter or a call usually does).
        "failed": Message.objects.filter(
            status=MessageStatus.FAILED, fallback__isnull=True, person__isnull=False, sensitive=False
        )
        .select_related("person")
        .order_by("-created_at")[:50],
        "failed_accounts": Message.objects.filter(status=MessageStatus.FAILED, person__isnull=True).count(),
        "retrying": Message.objects.filter(
            status=MessageStatus.QUEUED, channel__in=["email", "sms"], attempts__gt=0
        ).count(),
        "batches": LetterBatch.objects.annotate(
            n=Count("letters"), unsent=Count("letters", filter=~Q(letters__status=MessageStatus.SENT))
        )[:20],
    }


def messages_of(person) -> QuerySet[Message]:
    return Message.objects.filter(person=person).order_by("-created_at")
