"""Thin Celery tasks: they take ids and moments and call a service."""
from dataclasses import asdict

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .services import SweepResult, refund_timeouts_dispatch
from .services.sweep import sweep_clock

DISPATCH_EXPIRES = 300  # seconds: a batch task not started by then is dropped (the next minute re-dispatches)


def _moment(now: str | None):
    moment = parse_datetime(now) if now else None
    if now and (moment is None or timezone.is_naive(moment)):
        raise ValueError("now must be an ISO 8601 timestamp with an offset")
    return moment


@shared_task(name="refunds.tasks.run_refund_timeouts")
def run_refund_timeouts(now: str | None = None) -> dict:
    """Every minute (config/schedules.py): count what each clock has due (expire negotiations,
    agree overdue cases, close unshipped returns, refund received returns past 48 hours and
    shipped returns not confirmed within 10 days) and queue batch tasks for the workers.
    Deadlines live in the database; no per-case ETA task is ever scheduled. Returns the due
    counts dispatched (the SweepResult field names) and the number of batches."""
    return refund_timeouts_dispatch(now=_moment(now), enqueue=_enqueue_range)


def _enqueue_range(clock: str, now: str | None, batch_size: int, since: str, until: str | None) -> None:
    """One `sweep_refund_clock` task per range; it expires after a few minutes so a backlog never
    piles up."""
    sweep_refund_clock.apply_async((clock, now, batch_size, since, until), expires=DISPATCH_EXPIRES)


# Acknowledged only once done and re-queued if its worker dies; idempotent (the batch claims its
# rows with SKIP LOCKED and re-checks they are due, so a duplicate moves nothing twice).
@shared_task(name="refunds.tasks.sweep_refund_clock", acks_late=True, reject_on_worker_lost=True)
def sweep_refund_clock(clock: str, now: str | None = None, batch_size: int = 500, since: str | None = None,
                       until: str | None = None) -> dict:
    """One range of one clock (deadlines in [since, until), as the dispatcher cut them): claim
    its due cases batch by batch and move them."""
    result = SweepResult()
    sweep_clock(clock, now=_moment(now) or timezone.now(), batch_size=int(batch_size), result=result,
                since=_moment(since), until=_moment(until))
    return asdict(result)
