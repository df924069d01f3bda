"""Thin Celery tasks: take ids/strings, call a service."""
import datetime as dt

from celery import shared_task

from config import timeutil
from merchants.credit.services import evaluate_month
from merchants.webhooks.tasks import deliver, dispatch  # noqa: F401  (registers the webhook tasks)


@shared_task(name="merchants.tasks.evaluate_credit_limits")
def evaluate_credit_limits(month: str | None = None) -> int:
    """The 1st of each month: evaluate the month just closed (or `month`, `YYYY-MM`)."""
    first: dt.date = timeutil.parse_month(month) if month else timeutil.previous_month()
    return evaluate_month(month=first)
