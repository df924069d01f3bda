"""Thin Celery tasks for the logistics plan: they take ids/strings and call a service."""
from celery import shared_task

from config import timeutil


@shared_task(name="logistics.tasks.settle_week")
def settle_week(week: str | None = None):
    """Tuesday 02:00 local: settle last Mon–Sun week (or the given `2026-W47`), batches as tasks."""
    from .settlement import previous_week, settlement_start

    monday = timeutil.parse_week(week) if week else previous_week()
    run = settlement_start(week=monday, triggered_by="job: settle logistics incentives")
    return run.pk


# Acknowledged only once done, and re-queued when the worker process running it dies (the global
# settings say so too; stated here because settlement depends on it). Idempotent: a duplicate finds
# the batch done and returns.
@shared_task(name="logistics.tasks.settle_batch", acks_late=True, reject_on_worker_lost=True)
def settle_batch(batch_id: int):
    from .settlement import settlement_batch_process

    settlement_batch_process(batch_id=int(batch_id))


@shared_task(name="logistics.tasks.sweep_clawbacks")
def sweep_clawbacks():
    """Claw back payouts of weeks a violation confirmed after settlement disqualifies."""
    from .settlement import clawback_sweep

    return clawback_sweep()


@shared_task(name="logistics.tasks.settlement_watchdog")
def settlement_watchdog():
    """Every 5 minutes: queue again the batches of settlement runs that lost their worker."""
    from .recovery import settlement_watchdog_sweep

    return settlement_watchdog_sweep()
