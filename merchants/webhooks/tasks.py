"""Thin Celery tasks for webhook delivery (ids in, service call). They run on the `webhooks`
queue (CELERY_TASK_ROUTES)."""
import logging

from celery import shared_task
from django.db import transaction

from .delivery import deliver_batch, dispatch_due

log = logging.getLogger(__name__)


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
    endpoint test and replays, where someone is watching). Only a wake-up: the delivery is in
    the outbox already and the next sweep sends it, so a broker that cannot be reached is
    logged and never turns a committed request into an error."""
    transaction.on_commit(_wake_dispatcher)


def _wake_dispatcher() -> None:
    # Its own connection that gives up at the first refusal (kombu would otherwise retry for
    # broker_connection_timeout, seconds, while the client waits for its answer).
    options = {**(dispatch.app.conf.broker_transport_options or {}), "max_retries": 0}
    try:
        with dispatch.app.connection_for_write(transport_options=options) as connection:
            dispatch.apply_async(connection=connection, retry=False)
    except Exception:  # kombu's OperationalError, a refused or timed-out connection, …
        log.warning("webhooks: the broker could not be reached to wake the dispatcher; "
                    "the next sweep delivers", exc_info=True)
