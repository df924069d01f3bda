"""Serializer fields for the API conventions: money, aware timestamps, months, weeks."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config import timeutil


class MoneyField(serializers.DecimalField):
    """CNY: accepted as a string or number with at most 2 decimals, output as "199.00"."""

    def __init__(self, *, positive=True, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        if positive:
            kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class RateField(serializers.DecimalField):
    """A fraction 0–1, output with 4 decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", Decimal("1"))
        super().__init__(**kwargs)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a naive timestamp is refused instead of guessed."""

    default_error_messages = {"naive": _("Timestamp must carry a UTC offset, e.g. 2026-11-20T10:00:00+08:00.")}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)

    def to_internal_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            self.fail("naive")
        return super().to_internal_value(value)

    def to_representation(self, value):
        if value is None:
            return None
        return timezone.localtime(value, timeutil.platform_tz()).isoformat()


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class MonthField(serializers.Field):
    """`YYYY-MM` ↔ the first day of that month (a date)."""

    default_error_messages = {"invalid": _("Month must look like 2026-10.")}

    def to_internal_value(self, data):
        try:
            return timeutil.parse_month(str(data))
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.strftime("%Y-%m")


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-W\d{2}$", "example": "2026-W47"})
class WeekField(serializers.Field):
    """ISO week `YYYY-Www` ↔ the Monday that starts it (a date)."""

    default_error_messages = {"invalid": _("Week must look like 2026-W47.")}

    def to_internal_value(self, data):
        try:
            return timeutil.parse_week(str(data))
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return timeutil.week_name(value)

