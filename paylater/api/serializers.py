from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField, MonthField, QuerySerializer, RateField
from merchants.models import Order, Product
from merchants.stores.api import ProductOut
from merchants.stores.tenancy import OwnStoreField

from ..models import Activity, ActivityItem, Enrollment, FeeStatement, InvoiceRequest, Lifecycle, Refusal


# --- platform: lifecycle events ---------------------------------------------------------------
class ReceiptIn(serializers.Serializer):
    confirmed_at = AwareDateTimeField()


class ConsumerChargeIn(serializers.Serializer):
    succeeded = serializers.BooleanField()
    at = AwareDateTimeField()


class AdvanceRecoveredIn(serializers.Serializer):
    at = AwareDateTimeField()


class PaylaterOrderOut(serializers.ModelSerializer):
    amount = MoneyField()
    fee = MoneyField(positive=False)
    paid_at = AwareDateTimeField()
    receipt_confirmed_at = AwareDateTimeField(allow_null=True)
    charged_at = AwareDateTimeField(allow_null=True)
    advanced_at = AwareDateTimeField(allow_null=True)
    advance_recovered_at = AwareDateTimeField(allow_null=True)
    cancelled_at = AwareDateTimeField(allow_null=True)
    refunded_amount = MoneyField(positive=False)

    class Meta:
        model = Order
        fields = ["id", "store", "product", "buyer_id", "amount", "fee", "status", "channel", "paid_at",
                  "receipt_confirmed_at", "charged_at", "advanced_at", "advance_recovered_at", "cancelled_at",
                  "refunded_amount"]


# --- merchant: enrollment ---------------------------------------------------------------------
class EnrollmentIn(serializers.Serializer):
    store = OwnStoreField()


class EnrollmentOut(serializers.Serializer):
    store = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[*Enrollment.Status.choices, ("not_enrolled", _("not enrolled"))],
                                     help_text=_("`active`, `refused` (the last attempt was refused; "
                                                 "retry later) or `not_enrolled` (never tried)."))
    refusal_code = serializers.CharField(allow_blank=True)
    attempts = serializers.IntegerField()
    last_attempt_at = AwareDateTimeField(allow_null=True)
    enrolled_at = AwareDateTimeField(allow_null=True)

    @classmethod
    def of(cls, enrollment: Enrollment | None, store_id: int):
        if enrollment is None:
            return cls({"store": store_id, "status": "not_enrolled", "refusal_code": "", "attempts": 0,
                        "last_attempt_at": None, "enrolled_at": None}).data
        return cls({"store": enrollment.store_id, "status": enrollment.status,
                    "refusal_code": enrollment.refusal_code, "attempts": enrollment.attempts,
                    "last_attempt_at": enrollment.last_attempt_at, "enrolled_at": enrollment.enrolled_at}).data


class EnrollmentQuery(QuerySerializer):
    store = serializers.IntegerField(min_value=1)


# --- merchant: activities ---------------------------------------------------------------------
class ActivityIn(serializers.Serializer):
    store = OwnStoreField()
    name = serializers.CharField(max_length=100, trim_whitespace=True)
    duration = serializers.ChoiceField(choices=Activity.Duration.choices)
    starts_at = AwareDateTimeField(required=False, allow_null=True,
                                   help_text=_("Short-term: required. Long-term: optional, default now."))
    ends_at = AwareDateTimeField(required=False, allow_null=True,
                                 help_text=_("Short-term only: after starts_at."))
    products = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62),
                                     min_length=1, max_length=100)

    def validate(self, attrs):
        if attrs["duration"] == Activity.Duration.SHORT_TERM:
            errors = {}
            for name in ("starts_at", "ends_at"):
                if not attrs.get(name):
                    errors[name] = [_("Required for a short-term activity.")]
            if not errors and attrs["starts_at"] >= attrs["ends_at"]:
                errors["ends_at"] = [_("Must be after starts_at.")]
            if errors:
                raise serializers.ValidationError(errors)
        elif attrs.get("ends_at"):
            raise serializers.ValidationError({"ends_at": [_("A long-term activity has no end.")]})
        ids = list(dict.fromkeys(attrs["products"]))
        found = {p.pk: p for p in Product.objects.filter(pk__in=ids, store=attrs["store"])}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(
                {"products": {str(pk): _("No such product in this store.") for pk in missing}})
        attrs["products"] = [found[pk] for pk in ids]
        return attrs


class ActivityItemOut(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Lifecycle.choices, read_only=True)
    product_title = serializers.CharField(source="product.title", read_only=True)
    ended_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()

    class Meta:
        model = ActivityItem
        fields = ["id", "activity", "product", "product_title", "status", "created_at", "ended_at"]


class ActivityOut(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Lifecycle.choices, read_only=True)
    items = ActivityItemOut(many=True, read_only=True)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField(allow_null=True)
    ended_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()

    class Meta:
        model = Activity
        fields = ["id", "store", "name", "duration", "starts_at", "ends_at", "status", "ended_at", "created_at",
                  "items"]


# --- merchant: products with eligibility --------------------------------------------------------
class EligibleProductOut(ProductOut):
    paylater_eligible = serializers.BooleanField(read_only=True)
    ineligible_reason = serializers.ChoiceField(
        choices=["category_excluded", "price_above_cap", "already_in_activity"], allow_null=True, read_only=True,
        help_text=_("Why it cannot join a pay-later activity now; null when eligible."))

    class Meta(ProductOut.Meta):
        fields = [*ProductOut.Meta.fields, "paylater_eligible", "ineligible_reason"]


# --- merchant: fee statements -------------------------------------------------------------------
class InvoiceOut(serializers.ModelSerializer):
    requested_at = AwareDateTimeField()
    issued_at = AwareDateTimeField(allow_null=True)

    class Meta:
        model = InvoiceRequest
        fields = ["id", "title", "tax_id", "status", "requested_at", "invoice_number", "issued_at"]


class FeeStatementOut(serializers.ModelSerializer):
    month = MonthField()
    fee_total = MoneyField(positive=False, max_digits=20)  # a sum of fees: wider than one amount
    generated_at = AwareDateTimeField()
    invoice = serializers.SerializerMethodField()

    class Meta:
        model = FeeStatement
        fields = ["id", "store", "month", "order_count", "fee_total", "generated_at", "invoice"]

    @extend_schema_field(InvoiceOut(allow_null=True))
    def get_invoice(self, obj):
        invoice = getattr(obj, "invoice", None)
        return InvoiceOut(invoice).data if invoice else None


class InvoiceRequestIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, trim_whitespace=True)
    tax_id = serializers.RegexField(r"^[0-9A-Za-z]{15,20}\Z", max_length=20,
                                    help_text=_("Taxpayer id (统一社会信用代码), 15–20 letters and digits."))


class PlatformProductOut(ProductOut):
    paylater_active = serializers.BooleanField(read_only=True,
                                               help_text=_("In an active pay-later activity item now."))

    class Meta(ProductOut.Meta):
        fields = [*ProductOut.Meta.fields, "paylater_active"]


# --- merchant: orders lost to the limit (SPEC §6) ------------------------------------------------
class RefusalQuery(serializers.Serializer):
    days = serializers.IntegerField(required=False, default=30, min_value=1, max_value=90,
                                    help_text=_("The last N local days, today included (1–90)."))


class RefusalCodeOut(serializers.Serializer):
    code = serializers.CharField()
    count = serializers.IntegerField()
    amount = MoneyField(positive=False)


class RefusalSummaryOut(serializers.Serializer):
    days = serializers.IntegerField()
    since = AwareDateTimeField(help_text=_("Local midnight starting the first of the days."))
    attempts = serializers.IntegerField(help_text=_("Accepted pay-later orders plus refused ones."))
    refused = serializers.IntegerField()
    refused_amount = MoneyField(positive=False)
    refused_rate = RateField(allow_null=True, help_text=_("refused ÷ attempts; null with no attempts."))
    by_code = RefusalCodeOut(many=True)
    largest_shortfall = MoneyField(allow_null=True, help_text=_(
        "The largest order amount − available limit of a credit_limit_exceeded refusal; null without one."))


class RefusalOut(serializers.ModelSerializer):
    amount = MoneyField()
    available = MoneyField(allow_null=True)
    at = AwareDateTimeField()

    class Meta:
        model = Refusal
        fields = ["id", "amount", "code", "available", "at", "buyer_id"]
