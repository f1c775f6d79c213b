"""Background work of the outbox (run by `relais db_worker`)."""

from django_tasks import task


@task()
def deliver_message(message_id: int) -> str:
    from relais.notifications.services import deliver

    return deliver(message_id)
