from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField, RateField, WeekField
from logistics.models import Enrollment, LogisticsProfile, Shipment, WeeklyResult
from merchants.stores.tenancy import OwnStoreField


class LogisticsSetupIn(serializers.Serializer):
    official_logistics_enabled = serializers.BooleanField()
    deposit_paid = MoneyField(positive=False, min_value=0)


class LogisticsProfileOut(serializers.ModelSerializer):
    deposit_paid = MoneyField(positive=False)
    deposit_required = serializers.SerializerMethodField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = LogisticsProfile
        fields = ["store", "official_logistics_enabled", "deposit_paid", "deposit_required", "updated_at"]

    def get_deposit_required(self, obj) -> str:
        return f"{self.context['deposit_required']:.2f}"


class LogisticsEnrollmentIn(serializers.Serializer):
    store = OwnStoreField()
    agreement_signed = serializers.BooleanField()
    withholding_signed = serializers.BooleanField()
    ship_from_city = serializers.CharField(max_length=50)


class LogisticsEnrollmentOut(serializers.ModelSerializer):
    joined_at = AwareDateTimeField()
    cancelled_at = AwareDateTimeField(allow_null=True)
    counting_from = serializers.DateField(help_text="Local date: joined + 2 days (T+2).")

    class Meta:
        model = Enrollment
        fields = ["id", "store", "status", "counting_from", "joined_at", "cancelled_at", "ship_from_city",
                  "agreement_signed", "withholding_signed"]


class LogisticsShipmentIn(serializers.Serializer):
    order = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    tracking_no = serializers.CharField(max_length=64)
    official_logistics = serializers.BooleanField()


class LogisticsShipmentOut(serializers.ModelSerializer):
    shipped_at = AwareDateTimeField()
    deadline = AwareDateTimeField()
    picked_up_at = AwareDateTimeField(allow_null=True)
    on_time = serializers.BooleanField(help_text="Taote order, official logistics, shipped by the deadline "
                                                 "(inclusive) and picked up.")
    awaiting_pickup = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = ["id", "order", "store", "tracking_no", "official_logistics", "shipped_at", "deadline",
                  "picked_up_at", "on_time", "awaiting_pickup"]

    def get_awaiting_pickup(self, obj) -> bool:
        return obj.picked_up_at is None


class LogisticsPickupIn(serializers.Serializer):
    picked_up_at = AwareDateTimeField()


class LogisticsPickupByTrackingIn(LogisticsPickupIn):
    tracking_no = serializers.CharField(max_length=64)


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
