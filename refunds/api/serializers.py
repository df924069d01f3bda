from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import (
    AwareDateTimeField,
    BlankAsNullChoiceField,
    DateField,
    IdField,
    IdRelatedField,
    MoneyField,
    QuerySerializer,
    RateField,
    StrictBooleanField,
    StrictCharField,
)
from merchants.models import Order

from ..models import Contest, Negotiation, RefundCase, RefundReason, RefundRules, RefundType


# --- output ------------------------------------------------------------------------------------
class NegotiationOut(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    proposed_at = AwareDateTimeField(read_only=True)
    expires_at = AwareDateTimeField(read_only=True)
    closed_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Negotiation
        fields = ["id", "case", "type", "amount", "return_address", "status", "proposed_at", "expires_at",
                  "closed_at"]


class ContestOut(serializers.ModelSerializer):
    """The merchant's contest of a received return and the operator's decision (SPEC §6)."""

    contested_at = AwareDateTimeField(read_only=True)
    refunded_amount = MoneyField(positive=False, read_only=True, allow_null=True,
                                 help_text=_("What the decision refunded (0.00 for no_refund); null until decided."))
    decided_at = AwareDateTimeField(read_only=True)
    decision = serializers.ChoiceField(choices=Contest.Decision.choices, read_only=True, allow_null=True)

    class Meta:
        model = Contest
        fields = ["reason", "statement", "contested_at", "decision", "refunded_amount", "decided_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["decision"] = data["decision"] or None
        return data


class RefundCaseOut(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    requested_amount = MoneyField(read_only=True)
    negotiation = serializers.SerializerMethodField()
    contest = serializers.SerializerMethodField()
    opened_at = AwareDateTimeField(read_only=True)
    merchant_deadline = AwareDateTimeField(read_only=True)
    decided_at = AwareDateTimeField(read_only=True)
    return_ship_deadline = AwareDateTimeField(read_only=True)
    return_shipped_at = AwareDateTimeField(read_only=True)
    return_delivered_at = AwareDateTimeField(read_only=True, help_text=_(
        "When the return parcel reached the merchant, as the platform's logistics tracking reported it."))
    return_received_at = AwareDateTimeField(read_only=True)
    refund_deadline = AwareDateTimeField(read_only=True)
    refunded_at = AwareDateTimeField(read_only=True)
    escalation_deadline = AwareDateTimeField(read_only=True)
    escalated_at = AwareDateTimeField(read_only=True)
    judged_at = AwareDateTimeField(read_only=True)
    closed_at = AwareDateTimeField(read_only=True)
    return_address_set_at = AwareDateTimeField(read_only=True)
    receipt_confirm_deadline = AwareDateTimeField(read_only=True)
    judgement = BlankAsNullChoiceField(choices=RefundCase.Judgement.choices,
                                       help_text=_("The platform's judgement of an escalated case, null before it."))
    return_address_missing = serializers.BooleanField(
        read_only=True, help_text=_("A return agreed without an address: waiting for the merchant to set it."))

    class Meta:
        model = RefundCase
        fields = ["id", "store", "order", "buyer_id", "type", "reason", "amount", "requested_type",
                  "requested_amount", "shipped", "status", "opened_at", "merchant_deadline", "decided_at",
                  "negotiation", "return_address", "return_address_missing", "return_address_set_at",
                  "return_ship_deadline", "tracking_no", "return_shipped_at", "receipt_confirm_deadline",
                  "return_received_at", "refund_deadline", "refunded_at", "reject_reason", "escalation_deadline",
                  "escalated_at", "judgement", "judged_at", "closed_at", "contest", "return_delivered_at"]

    @extend_schema_field(ContestOut(allow_null=True))
    def get_contest(self, obj):
        try:
            contest = obj.contest
        except Contest.DoesNotExist:
            return None
        return ContestOut(contest).data

    @extend_schema_field(NegotiationOut(allow_null=True))
    def get_negotiation(self, obj):
        try:
            negotiation = obj.negotiation
        except Negotiation.DoesNotExist:
            return None
        return NegotiationOut(negotiation).data


class NegotiatedCaseOut(RefundCaseOut):
    """The case a negotiation modifies, without the negotiation it is nested in."""

    class Meta(RefundCaseOut.Meta):
        fields = [f for f in RefundCaseOut.Meta.fields if f != "negotiation"]


class RefundRulesSerializer(serializers.ModelSerializer):
    store = serializers.IntegerField(source="store_id", read_only=True)
    auto_agree_unshipped_refund_only = StrictBooleanField(required=False)
    auto_agree_no_reason_return = StrictBooleanField(required=False)
    # A JSON string only: `{"return_address": 0}` is refused, not stored as "0".
    return_address = StrictCharField(max_length=300, required=False, allow_blank=True, help_text=_(
        "Used when a return is agreed without an address (rules, timeouts)."))

    class Meta:
        model = RefundRules
        fields = ["store", "auto_agree_unshipped_refund_only", "auto_agree_no_reason_return", "return_address"]


class ReturnStageOut(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, help_text=_(
        "Mean hours of the stage over the cases where both its moments are known; null with no case."))
    cases = serializers.IntegerField(help_text=_("The cases in that mean."))
    merchant = serializers.BooleanField(help_text=_("One of the merchant's three stages."))


class ReturnStagesOut(serializers.Serializer):
    """SPEC §6, return time by stage, over the cases of `return_refund_completion_hours`."""

    agree = ReturnStageOut(help_text=_("Opened → agreed."))
    buyer_mailing = ReturnStageOut(help_text=_("Agreed → the buyer shipped the return."))
    transit = ReturnStageOut(help_text=_("Shipped → delivered to the merchant (logistics tracking)."))
    inspection = ReturnStageOut(help_text=_("Delivered → the merchant confirmed receipt."))
    refund = ReturnStageOut(help_text=_("Receipt confirmed → refunded."))


class RefundMetricsOut(serializers.Serializer):
    store = serializers.IntegerField()
    as_of = serializers.DateField()
    window_start = serializers.DateField()
    product_experience_refund_rate = RateField(allow_null=True)
    refund_only_completion_hours = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    return_refund_completion_hours = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    dispute_refund_rate = RateField(allow_null=True)
    return_refund_stages = ReturnStagesOut()


# --- input -------------------------------------------------------------------------------------
class RefundCaseOpenIn(serializers.Serializer):
    order = IdRelatedField(queryset=Order.objects.select_related("store"))
    type = serializers.ChoiceField(choices=RefundType.choices)
    reason = serializers.ChoiceField(choices=RefundReason.choices)
    amount = MoneyField()
    opened_at = AwareDateTimeField()
    shipped = serializers.BooleanField()


class AgreeIn(serializers.Serializer):
    return_address = StrictCharField(max_length=300, required=False, allow_blank=True, default="",
                                           help_text=_("Required for a return unless the store has a default."))


class ReturnAddressIn(serializers.Serializer):
    return_address = StrictCharField(max_length=300)


class RejectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class NegotiateIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=RefundType.choices)
    amount = MoneyField()
    return_address = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class ReturnShippedIn(serializers.Serializer):
    tracking_no = serializers.CharField(max_length=64)


class ReturnDeliveredIn(serializers.Serializer):
    delivered_at = AwareDateTimeField(help_text=_("When logistics tracking saw the return parcel reach the merchant."))


class MetricsQuery(QuerySerializer):
    as_of = DateField(required=False)


class NegotiationQuery(QuerySerializer):
    buyer_id = serializers.CharField(max_length=64, required=False)
    status = serializers.ChoiceField(choices=Negotiation.Status.choices, required=False)


class CaseListQuery(QuerySerializer):
    status = serializers.ChoiceField(choices=RefundCase.Status.choices, required=False)
    store = IdField(required=False)


class BuyerNegotiationOut(NegotiationOut):
    """What the buyer app shows: the negotiation with the case it modifies."""

    case = serializers.SerializerMethodField()

    class Meta(NegotiationOut.Meta):
        fields = NegotiationOut.Meta.fields

    @extend_schema_field(NegotiatedCaseOut)
    def get_case(self, obj):
        return NegotiatedCaseOut(obj.case).data
