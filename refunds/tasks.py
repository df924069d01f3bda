"""Thin Celery tasks: they call a service."""
from celery import shared_task


@shared_task(name="refunds.tasks.run_refund_timeouts")
def run_refund_timeouts(now: str | None = None) -> dict:
    """Every minute (config/schedules.py): expire negotiations, agree overdue cases, close
    unshipped returns, refund received returns past 48 hours and shipped returns not confirmed
    within 10 days. Deadlines live in the database;
    no per-case ETA task is ever scheduled."""
    from dataclasses import asdict

    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from .services import refund_timeouts_run

    moment = parse_datetime(now) if now else None
    if now and (moment is None or timezone.is_naive(moment)):
        raise ValueError("now must be an ISO 8601 timestamp with an offset")
    return asdict(refund_timeouts_run(now=moment))
