"""Thin Celery tasks for webhook delivery (ids in, service call)."""
from celery import shared_task
from django.db import transaction

from .delivery import deliver_batch, dispatch_due


@shared_task(name="merchants.webhooks.dispatch")
def dispatch() -> int:
    """Beat, every 5 seconds: hand due deliveries to workers, one task per endpoint batch."""
    batches = dispatch_due()
    for endpoint_id, ids in batches:
        deliver.delay(endpoint_id, ids)
    return sum(len(ids) for _e, ids in batches)


@shared_task(name="merchants.webhooks.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(endpoint_id: int, delivery_ids: list[int]) -> dict:
    return deliver_batch(endpoint_id=endpoint_id, delivery_ids=delivery_ids)


def deliver_soon() -> None:
    """After the current transaction commits, sweep at once instead of waiting for beat (the
    endpoint test and replays, where someone is watching)."""
    transaction.on_commit(dispatch.delay)
