"""Background work of the webhooks (run by `relais db_worker`)."""

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    from relais.api.webhooks import deliver

    return deliver(delivery_id)
