"""Calendar rules in the platform time zone (SPEC ground rules). Storage is UTC."""
import datetime as dt
import re
import zoneinfo

from django.conf import settings
from django.utils import timezone


def platform_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.PLATFORM_TIME_ZONE)


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, platform_tz())


def local_date(value: dt.datetime) -> dt.date:
    return local(value).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware instant a local calendar day starts."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=platform_tz())


def local_at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=platform_tz())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local day."""
    return local_midnight(day), local_midnight(day + dt.timedelta(days=1))


def parse_month(text: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m:
        raise ValueError(text)
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def month_bounds(first: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar month, given its first day."""
    return local_midnight(first), local_midnight(next_month(first))


def previous_month(now: dt.datetime | None = None) -> dt.date:
    today = local_date(now or timezone.now())
    last_of_previous = today.replace(day=1) - dt.timedelta(days=1)
    return last_of_previous.replace(day=1)


def month_is_closed(first: dt.date, now: dt.datetime | None = None) -> bool:
    return month_bounds(first)[1] <= (now or timezone.now())


def parse_week(text: str) -> dt.date:
    """`2026-W47` → the Monday starting that ISO week."""
    m = re.fullmatch(r"(\d{4})-W(\d{2})", text.strip())
    if not m:
        raise ValueError(text)
    return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)


def week_name(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) local."""
    return local_midnight(monday), local_midnight(monday + dt.timedelta(days=7))
