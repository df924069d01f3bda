"""Serializer fields for the API conventions: money, aware timestamps, months, weeks.

Input is strict so that nothing odd reaches the services: decimals are ASCII digits (no
exponent, no full-width digits), and every date, timestamp, month and week lies in
[EARLIEST, LATEST) — far outside it no business rule applies and date arithmetic overflows."""
import datetime as dt
import math
import re
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config import timeutil

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 1, 1)
RANGE_TEXT = f"from {EARLIEST.isoformat()} (inclusive) to {LATEST.isoformat()} (exclusive)"


class StrictDecimalField(serializers.DecimalField):
    """A JSON number or a string of ASCII digits, exactly as the schema says (`decimal_pattern`): no
    exponent ("1e5"), `-` only where negatives are allowed, no leading zeros or spaces, at most
    `decimal_places` decimals. A JSON number is a binary float: one within a billionth of a value with
    `decimal_places` decimals is that value (the schema's `multipleOf`). NaN and booleans are refused."""

    default_error_messages = {"invalid": _("A valid number is required: ASCII digits, no exponent.")}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, float):
            if not math.isfinite(data) or "e" in repr(data):
                self.fail("invalid")
            rounded = round(data, self.decimal_places)
            if abs(rounded - data) <= 1e-9 * max(1.0, abs(data)):
                data = format(rounded, f".{self.decimal_places}f")
        elif isinstance(data, str):
            if len(data) > 100 or not re.fullmatch(decimal_pattern(self), data):
                self.fail("invalid")
        elif not isinstance(data, (int, Decimal)):
            self.fail("invalid")
        return super().to_internal_value(data)


def decimal_pattern(field: serializers.DecimalField) -> str:
    """The strings a StrictDecimalField accepts: an optional `+`, `0` or digits without a leading zero,
    then 1 to `decimal_places` decimals; a `-` only when the field allows negatives; zero excluded when the least
    value is positive (money: 0.01); at most 1 when the largest is 1 (rates)."""
    places = field.decimal_places
    whole = field.max_digits - places
    fraction = rf"(\.\d{{1,{places}}})?" if places else ""
    minimum, maximum = field.min_value, field.max_value
    if maximum is not None and Decimal(maximum) == 1 and minimum is not None and Decimal(minimum) >= 0:
        return rf"^\+?(0{fraction}|1(\.0{{1,{places}}})?)$"
    if minimum is not None and Decimal(minimum) > 0:
        small = "|".join("0" * k + "[1-9]" + (rf"\d{{0,{places - 1 - k}}}" if k < places - 1 else "")
                         for k in range(places))
        tail = rf"|0\.({small})" if places else ""
        return rf"^\+?([1-9]\d{{0,{whole - 1}}}{fraction}{tail})$"
    sign = "[-+]?" if minimum is None or Decimal(minimum) < 0 else r"\+?"
    return rf"^{sign}(0|[1-9]\d{{0,{whole - 1}}}){fraction}$"


def plainly_an_id(data) -> bool:
    """An id as a client sends one: a JSON integer, or a string of ASCII digits. Python's `int()`
    also reads full-width, Arabic-Indic and other Unicode digits, signs, spaces and underscores, so
    `"１"` would name object 1 in a body while the same id in a route is a 404."""
    if isinstance(data, bool):
        return False
    return isinstance(data, int) or (isinstance(data, str) and data.isascii() and data.isdigit())


class IdField(serializers.IntegerField):
    """An object id in a query or body: a whole number from 1 to 2**63 - 1 (a larger one would
    overflow the database's integer, so it is refused like any other malformed id), as an integer
    or a string of ASCII digits (`plainly_an_id`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2 ** 63 - 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not plainly_an_id(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object's id in a request body (`store`, `product`, `category`…): as `IdField`,
    an integer or a string of ASCII digits; then the object, or DRF's `does_not_exist`."""

    default_error_messages = {**serializers.PrimaryKeyRelatedField.default_error_messages,
                              "not_an_id": _("An id is a whole number from 1, in ASCII digits.")}

    def to_internal_value(self, data):
        if not plainly_an_id(data):
            self.fail("not_an_id")
        return super().to_internal_value(data)


class MoneyField(StrictDecimalField):
    """CNY: accepted as a string of ASCII digits or a JSON number with at most 2 decimals (no
    exponent), output as "199.00"."""

    def __init__(self, *, positive=True, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        if positive:
            kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)


class RateField(StrictDecimalField):
    """A fraction 0–1, output with 4 decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_value", Decimal("1"))
        super().__init__(**kwargs)


def _in_range(day: dt.date) -> bool:
    return EARLIEST <= day < LATEST


# The schema states the range (years 2000–2099 as written), which the server checks too.
# A timestamp as the schema states it: years 2000–2099, days 01–31, seconds, an optional fraction and a
# UTC offset. The server takes any ISO 8601 timestamp with an offset in the range (29–31 of a shorter
# month stays refused by the format).
TIMESTAMP_PATTERN = (r"^20\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
                     r"(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$")
DATE_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


@extend_schema_field({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN,
                      "description": f"ISO 8601 with a UTC offset, {RANGE_TEXT} (as written)."})
class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a naive timestamp is refused instead of guessed."""

    default_error_messages = {
        "naive": _("Timestamp must carry a UTC offset, e.g. 2026-11-20T10:00:00+08:00."),
        "out_of_range": _("Timestamp must lie between 2000-01-01 and 2100-01-01."),
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)

    def to_internal_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            self.fail("naive")
        if isinstance(value, str) and len(value) > 64:
            self.fail("invalid", format="ISO 8601")
        # The range applies to the date as written (the schema's pattern), checked before DRF converts
        # it to the platform's time zone, which overflows near year 1 or 9999.
        written = value
        if isinstance(value, str):
            try:
                written = parse_datetime(value)
            except ValueError:
                written = None
        if isinstance(written, dt.datetime) and not _in_range(written.date()):
            self.fail("out_of_range")
        return super().to_internal_value(value)

    def to_representation(self, value):
        if value is None:
            return None
        return timezone.localtime(value, timeutil.platform_tz()).isoformat()


@extend_schema_field({"type": "string", "format": "date", "pattern": DATE_PATTERN,
                      "description": f"YYYY-MM-DD, {RANGE_TEXT}."})
class DateField(serializers.DateField):
    """A local calendar date `YYYY-MM-DD` within the supported range."""

    default_error_messages = {"out_of_range": _("Date must lie between 2000-01-01 and 2100-01-01.")}

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) > 32:
            self.fail("invalid", format="YYYY-MM-DD")
        day = super().to_internal_value(value)
        if not _in_range(day):
            self.fail("out_of_range")
        return day


@extend_schema_field({"type": "string", "pattern": r"^20\d{2}-(0[1-9]|1[0-2])$", "examples": ["2026-10"],
                      "description": f"A month YYYY-MM, {RANGE_TEXT}."})
class MonthField(serializers.Field):
    """`YYYY-MM` ↔ the first day of that month (a date)."""

    default_error_messages = {"invalid": _("Month must look like 2026-10."),
                              "out_of_range": _("Month must lie between 2000-01 and 2099-12.")}

    def to_internal_value(self, data):
        try:
            month = timeutil.parse_month(str(data)[:32])
        except ValueError:
            self.fail("invalid")
        if not _in_range(month):
            self.fail("out_of_range")
        return month

    def to_representation(self, value):
        return value.strftime("%Y-%m")


# Weeks 01–52: a 53rd exists in some years only (the server takes it there).
@extend_schema_field({"type": "string", "pattern": r"^20\d{2}-W(0[1-9]|[1-4]\d|5[0-2])$", "examples": ["2026-W47"],
                      "description": f"An ISO week YYYY-Www, {RANGE_TEXT}."})
class WeekField(serializers.Field):
    """ISO week `YYYY-Www` ↔ the Monday that starts it (a date)."""

    default_error_messages = {"invalid": _("Week must look like 2026-W47."),
                              "out_of_range": _("Week must lie between 2000-W01 and 2099-W53.")}

    def to_internal_value(self, data):
        try:
            monday = timeutil.parse_week(str(data)[:32])
        except ValueError:
            self.fail("invalid")
        if not _in_range(monday):
            self.fail("out_of_range")
        return monday

    def to_representation(self, value):
        return timeutil.week_name(value)



class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice column stored as '' for "none" (`blank=True`, no NULL), answered as null: one way to say
    "none" to clients, an enum or null (never a `BlankEnum` of '')."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class QuerySerializer(serializers.Serializer):
    """Query parameters read by a serializer: one given empty (`?status=`) is 400, as the schema says
    (an enum or `minLength`), rather than silently ignored like an absent one."""

    default_error_messages = {"empty": _("Leave the parameter out rather than sending it empty.")}

    def to_internal_value(self, data):
        if hasattr(data, "get"):
            empty = {name: [self.error_messages["empty"]] for name in self.fields
                     if name in data and data.get(name) == ""}
            if empty:
                raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON `true` or `false` only, as the schema's `boolean` says (DRF would also take "yes", 1, "on"…)."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """Text that must be a JSON string: a number or a boolean is refused, not stored as "0" or "True"."""

    default_error_messages = {"not_a_string": _("A text value (a JSON string) is required.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


# For a ModelSerializer that takes input: `serializer_field_mapping = STRICT_FIELD_MAPPING`.
STRICT_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.DecimalField: StrictDecimalField,
    models.DateTimeField: AwareDateTimeField,
    models.DateField: DateField,
}
