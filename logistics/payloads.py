"""A store's weekly result as the merchant API returns it: what its GET answers with and what the
logistics.week_settled webhook carries. Payloads stand apart from the API and import no API
module, so the settlement that emits the event can use them."""
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField, RateField, WeekField
from logistics.models import WeeklyResult


class LogisticsWeeklyResultOut(serializers.ModelSerializer):
    week = WeekField()
    daily_average = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    on_time_rate = RateField(allow_null=True)
    tier = serializers.ChoiceField(choices=["0.30", "0.20"], allow_null=True,
                                   help_text="Incentive per picked-up parcel of the tier reached, or null.")
    amount = MoneyField(positive=False)
    payout = serializers.ChoiceField(choices=["cash", "ad_credit"], allow_null=True)
    status = serializers.ChoiceField(choices=WeeklyResult.Status.choices)
    settled_at = AwareDateTimeField()
    clawed_back_at = AwareDateTimeField(allow_null=True)

    class Meta:
        model = WeeklyResult
        fields = ["id", "week", "store", "counted_days", "orders", "on_time_orders", "daily_average",
                  "on_time_rate", "tier", "parcels", "amount", "payout", "status", "settled_at", "clawed_back_at"]

    def to_representation(self, obj):
        data = super().to_representation(obj)
        data["tier"] = f"{obj.tier:.2f}" if obj.tier is not None else None
        return data
