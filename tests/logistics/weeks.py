"""Helpers for settlement tests: local times in the week under test, enrolled stores, settling."""
import datetime as dt

from config import timeutil
from logistics.models import WeeklyResult
from logistics.settlement import settlement_start
from tests.logistics.factories import AFTER_WEEK, WEEK, EnrollmentFactory

SUNDAY = WEEK + dt.timedelta(days=6)


def day(n, hour=10, minute=0, second=0):
    """Local time on day n of the week (0 = Monday)."""
    return timeutil.local_at(WEEK + dt.timedelta(days=n), hour, minute, second)


def enrolled(counting_from=WEEK, **kwargs):
    return EnrollmentFactory(counting_from=counting_from, joined_at=timeutil.local_at(
        counting_from - dt.timedelta(days=2), 9), **kwargs).store


def settle(now=AFTER_WEEK):
    return settlement_start(week=WEEK, now=now, inline=True)


def result(store):
    return WeeklyResult.objects.get(store=store, week=WEEK)
