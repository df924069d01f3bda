"""Query filters for list endpoints (django-filter), strict like the body fields.

A related id (`?store=`, `?product=`…) is a plain integer narrowing the caller's own rows: an
id that does not exist and another tenant's id both give the same empty page, so ids cannot be
enumerated (a choice filter over every row would answer 400 for one and 200 for the other).
A value that does not parse, an unknown choice, or a timestamp outside the supported range is
400 `invalid`."""
import datetime as dt
from copy import deepcopy

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as BaseFilterSet
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.utils import extend_schema_field

from .fields import EARLIEST, LATEST, plainly_an_id

MAX_ID = 2 ** 63 - 1


class _IdFormField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        # ASCII digits only (`config.api.fields.plainly_an_id`): int() would read `?store=１` as 1
        if isinstance(value, str) and value and not plainly_an_id(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A related object's id; rows outside the caller's scope are never in the queryset."""

    field_class = _IdFormField


class _RangedIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {"out_of_range": _("Timestamp must lie between 2000-01-01 and 2100-01-01.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            day = value.astimezone(dt.timezone.utc).date()
        except OverflowError:
            day = dt.date.min
        if not EARLIEST <= day < LATEST:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return value


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 timestamp between 2000-01-01 and 2100-01-01."""

    field_class = _RangedIsoDateTimeField


class _StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    """`true`/`false` (or 1/0); anything else is 400 instead of being silently ignored."""

    field_class = _StrictBooleanField


FILTER_DEFAULTS = deepcopy(FILTER_FOR_DBFIELD_DEFAULTS)
FILTER_DEFAULTS.update({
    models.ForeignKey: {"filter_class": IdFilter},
    models.OneToOneField: {"filter_class": IdFilter},
    models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    models.BooleanField: {"filter_class": BooleanFilter},
})


class FilterSet(BaseFilterSet):
    """Base of every API filter set (also of those built from `filterset_fields`). A filter given with
    an empty value (`?status=`) is 400, as the schema's `minLength`/enum says, instead of being ignored."""

    FILTER_DEFAULTS = FILTER_DEFAULTS

    def is_valid(self):
        valid = super().is_valid()
        empty = [name for name in self.filters if name in self.data and self.data.get(name) == ""]
        for name in empty:
            self.form.add_error(name, _("Leave the parameter out rather than sending it empty."))
        return valid and not empty


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet
