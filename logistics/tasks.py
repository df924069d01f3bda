"""Thin Celery tasks for the logistics plan: they take ids/strings and call a service. The task
of one settlement batch (`settle_batch`) is defined beside its function in `settlement`, which
queues it; it is imported here so the worker registers it with the others."""
from celery import shared_task

from config import timeutil

from .recovery import settlement_watchdog_sweep
from .settlement import clawback_sweep, previous_week, settle_batch, settlement_start

__all__ = ["settle_batch", "settle_week", "settlement_watchdog", "sweep_clawbacks"]


@shared_task(name="logistics.tasks.settle_week")
def settle_week(week: str | None = None):
    """Tuesday 02:00 local: settle last Mon–Sun week (or the given `2026-W47`), batches as tasks."""
    monday = timeutil.parse_week(week) if week else previous_week()
    run = settlement_start(week=monday, triggered_by="job: settle logistics incentives")
    return run.pk


@shared_task(name="logistics.tasks.sweep_clawbacks")
def sweep_clawbacks():
    """Claw back payouts of weeks a violation confirmed after settlement disqualifies."""
    return clawback_sweep()


@shared_task(name="logistics.tasks.settlement_watchdog")
def settlement_watchdog():
    """Every 5 minutes: queue again the batches of settlement runs that lost their worker."""
    return settlement_watchdog_sweep()
