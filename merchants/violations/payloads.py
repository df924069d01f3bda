"""A violation as the merchant API returns it: what its GET answers with and what the webhook
events carry (violation.opened, .confirmed and .revoked). Payloads stand apart from the API
(views, input serializers) and import no API module, so the services that emit events
(`merchants.events`) can use them."""
import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField

from .models import Appeal, Violation


class PenaltyOut(serializers.Serializer):
    fine = MoneyField(positive=False, help_text=_("Fine debited from the wallet (0 when none)."))
    fine_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    effective_limit = MoneyField(positive=False, help_text=_("Effective limit at confirmation (the fine's base)."))
    credit_frozen_until = AwareDateTimeField(allow_null=True)
    raise_banned_until = AwareDateTimeField(allow_null=True)
    paylater_suspended_until = AwareDateTimeField(allow_null=True)
    grade_before = serializers.CharField(allow_null=True)
    grade_after = serializers.CharField(allow_null=True)
    no_logistics_incentive_that_week = serializers.BooleanField()
    reversed = serializers.BooleanField(help_text=_("True once the violation was revoked and all of it reversed."))


class AppealCreatedOut(serializers.ModelSerializer):
    submitted_at = AwareDateTimeField()

    class Meta:
        model = Appeal
        fields = ["id", "violation", "status", "statement", "submitted_at"]


class AppealOut(AppealCreatedOut):
    decided_at = AwareDateTimeField(allow_null=True)

    class Meta(AppealCreatedOut.Meta):
        fields = [*AppealCreatedOut.Meta.fields, "decision_note", "decided_at"]


class ViolationOut(serializers.ModelSerializer):
    occurred_at = AwareDateTimeField()
    confirmed_at = AwareDateTimeField(allow_null=True)
    revoked_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()
    penalty = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = ["id", "store", "kind", "status", "occurred_at", "confirmed_at", "revoked_at", "revoke_reason",
                  "reference", "detail", "created_at", "penalty", "appeal"]

    @extend_schema_field(AppealOut(allow_null=True))
    def get_appeal(self, violation):
        """The merchant's appeal (SPEC §5), or null."""
        appeal = getattr(violation, "appeal", None)
        return AppealOut(appeal).data if appeal is not None else None

    @extend_schema_field(PenaltyOut(allow_null=True))
    def get_penalty(self, violation):
        """The penalty confirming applied; null unless confirmed (or confirmed then revoked)."""
        p = violation.penalty
        if not p:
            return None
        when = {k: dt.datetime.fromisoformat(p[k]) if p.get(k) else None
                for k in ("credit_frozen_until", "raise_banned_until", "paylater_suspended_until")}
        return PenaltyOut({**p, **when, "fine": violation.fine_amount or 0,
                           "reversed": violation.status == Violation.Status.REVOKED}).data
