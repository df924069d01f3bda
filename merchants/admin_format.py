"""How the admin shows figures (SPEC "Operators' cockpit"): money as ¥134,100.00, rates as
85.67%, times in the platform's local time in one format, durations as "33 h 55 min"."""
import datetime as dt
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin import helpers, utils
from django.contrib.admin.templatetags import admin_list
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from config import timeutil
from config.history import is_rate
from config.money import EMPTY, yuan  # noqa: F401  (yuan: re-exported, the admin's money format)

TIME_FORMAT = "%Y-%m-%d %H:%M"




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


def is_money(field) -> bool:
    """Every money column is `config.money.money_field`: DecimalField(14, 2) (no other field has
    that shape; a test walks the models to keep it so)."""
    return isinstance(field, models.DecimalField) and (field.max_digits, field.decimal_places) == (14, 2)


def _display_for_field(value, field, empty_value_display, *args, **kwargs):
    if is_money(field) and value is not None:
        return yuan(value)
    if is_rate(field) and value is not None:
        return percent(value)  # a rate reads as 20.00%, never as the stored 0.2000
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField) \
            and field.name == "month" and value is not None:
        return value.strftime("%Y-%m")  # a month reads as 2026-11, not as its first day
    return utils.display_for_field(value, field, empty_value_display, *args, **kwargs)


def show_money_as_yuan() -> None:
    """Money in every admin list and read-only detail field as ¥134,100.00, not 134100.00: the two
    places Django renders a model field's value (changelist cells and read-only fields) take
    `display_for_field` by name, so this wraps it there once (`MerchantsConfig.ready`). Sorting,
    filters, forms and exports keep the number."""
    helpers.display_for_field = admin_list.display_for_field = _display_for_field
