"""How the admin shows figures (SPEC "Operators' cockpit"): money as ¥134,100.00, rates as
85.67%, times in the platform's local time in one format, durations as "33 h 55 min"."""
import datetime as dt
from decimal import Decimal

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext as _

from config import timeutil
from config.money import money

EMPTY = "—"
TIME_FORMAT = "%Y-%m-%d %H:%M"


def yuan(value) -> str:
    if value is None or value == "":
        return EMPTY
    amount = money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def percent(rate) -> str:
    """A rate stored as a fraction (0.8567) → "85.67%"."""
    if rate is None or rate == "":
        return EMPTY
    return f"{Decimal(rate) * 100:.2f}%"


def local_time(value) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, timeutil.platform_tz()).strftime(TIME_FORMAT)
    return value.isoformat()


def duration(hours) -> str:
    """Hours as a decimal (33.9167) → "33 h 55 min"."""
    if hours is None:
        return EMPTY
    minutes = int((Decimal(hours) * 60).to_integral_value())
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}


def _column(field, description, render):
    def column(modeladmin, obj):
        return render(getattr(obj, field))

    column.__name__ = f"{field}_shown"
    return admin.display(description=description, ordering=field)(column)


def money_column(field: str, description):
    """A list column showing a money field as ¥134,100.00 (sortable by the field)."""
    return _column(field, description, yuan)


def percent_column(field: str, description):
    return _column(field, description, percent)


def time_column(field: str, description):
    return _column(field, description, local_time)
