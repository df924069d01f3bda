"""Working days in the platform time zone: Monday–Friday, except the dates operators mark in
the Holiday calendar (a holiday on a weekday, or a worked weekend day — 调休)."""
import datetime as dt

from config import timeutil

from .models import Holiday


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "working_day"))


def is_working_day(day: dt.date, exceptions: dict | None = None) -> bool:
    exceptions = _exceptions(day, day) if exceptions is None else exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(at: dt.datetime, days: int) -> dt.datetime:
    """The same local clock time on the `days`-th working day after `at`'s local date
    (a submission on Friday 15:00 with 5 days → the next Friday 15:00; on Saturday → Friday).
    One query for the calendar exceptions of the whole span."""
    local = timeutil.local(at)
    day = local.date()
    exceptions = _exceptions(day, day + dt.timedelta(days=days * 3 + 40))
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=timeutil.platform_tz())
