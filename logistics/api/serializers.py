from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField
from logistics.models import Enrollment, LogisticsProfile, Shipment
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

