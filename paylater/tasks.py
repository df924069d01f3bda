"""Thin periodic tasks: each calls a service; both are idempotent and safe to run concurrently."""
import datetime as dt

from celery import shared_task
from django.utils import timezone

from config import timeutil

from . import services


@shared_task(name="paylater.tasks.detect_excess_advances")
def detect_excess_advances(day: str | None = None) -> int:
    """Hourly: today so far and yesterday (advances reported late still count for their day)."""
    if day:
        days = [dt.date.fromisoformat(day)]
    else:
        today = timeutil.local_date(timezone.now())
        days = [today - dt.timedelta(days=1), today]
    return sum(len(services.excess_advances_detect(day=d)) for d in days)


@shared_task(name="paylater.tasks.generate_fee_statements")
def generate_fee_statements(month: str | None = None) -> int:
    """On the 1st: statements for the month just closed."""
    first = timeutil.parse_month(month) if month else timeutil.previous_month()
    return services.fee_statements_generate(month=first)


@shared_task(name="paylater.tasks.settle_due_proceeds")
def settle_due_proceeds(now: str | None = None) -> int:
    """Every few minutes: credit pay-later proceeds whose cycle ran out (idempotent)."""
    from django.utils.dateparse import parse_datetime

    from .proceeds import proceeds_settle_due

    moment = parse_datetime(now) if now else None
    if now and (moment is None or timezone.is_naive(moment)):
        raise ValueError("now must be an ISO 8601 timestamp with an offset")
    return proceeds_settle_due(now=moment)
