"""A risk self-check as the merchant API's GET returns it: the serializer the API answers with
and the `risk_check.warning` webhook carries. Imports no API module, so the services that emit
the event can use it."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MonthField

from .models import RiskStatus


class RiskPointOut(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text=_("Null when the data is missing."))
    warning_at = serializers.CharField()
    limit_at = serializers.CharField()
    status = serializers.ChoiceField(choices=RiskStatus.choices)


class RiskCheckOut(serializers.Serializer):
    month = MonthField()
    status = serializers.ChoiceField(choices=RiskStatus.choices, help_text=_("The worst point's status."))
    points = RiskPointOut(many=True)
    checked_at = AwareDateTimeField()
