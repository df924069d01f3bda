"""GET /merchant/stores/{id}/logistics-week-to-date/ (SPEC §5, this week so far)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from config.api.fields import AwareDateTimeField, RateField, WeekField
from config.api.views import errors
from merchants.stores.tenancy import MerchantGenericView

from ..week_to_date import week_to_date


class WeekToDateOut(serializers.Serializer):
    week = WeekField()
    as_of = AwareDateTimeField()
    counted_days = serializers.IntegerField()
    orders = serializers.IntegerField()
    on_time_orders = serializers.IntegerField()
    late_orders = serializers.IntegerField()
    open_orders = serializers.IntegerField(help_text=_("Not on time yet, deadline not passed."))
    on_time_rate = RateField(allow_null=True, help_text=_("On time ÷ decided (on time + late) so far."))
    best_rate = RateField(allow_null=True, help_text=_("If every open order ships on time."))
    worst_rate = RateField(allow_null=True, help_text=_("If every open order is late."))
    daily_average = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    projected_tier = serializers.ChoiceField(choices=["0.30", "0.20"], allow_null=True)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        data["projected_tier"] = f"{obj.projected_tier:.2f}" if obj.projected_tier is not None else None
        return data


class StoreWeekToDate(MerchantGenericView):
    serializer_class = WeekToDateOut

    @extend_schema(responses={200: WeekToDateOut, **errors(401, 403, 404)},
                   summary="The logistics plan's current week so far (SPEC §5)")
    def get(self, request, pk):
        store = self.get_own_store(pk)
        return Response(WeekToDateOut(week_to_date(store_id=store.pk)).data)
