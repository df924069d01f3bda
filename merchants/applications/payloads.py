"""A credit application as the merchant API returns it: what its GET answers with and what the
webhook events carry (credit_application.decided). Payloads stand apart from the API (views,
input serializers) and import no API module, so the services that emit events
(`merchants.events`) can use them."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField

from .models import CreditApplication, CreditApplicationPolicy
from .selectors import activation_volume


class OperatingMonthOut(serializers.Serializer):
    month = serializers.CharField()
    monthly_sales = MoneyField(positive=False)
    dsr_score = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ActivationOut(serializers.Serializer):
    increase = MoneyField(positive=False)
    volume = MoneyField(positive=False, max_digits=20, help_text=_("Pay-later volume since approval (not cancelled)."))
    step1_volume = MoneyField(positive=False, help_text=_("Volume that activates half of the increase."))
    step2_volume = MoneyField(positive=False, help_text=_("Volume that activates all of it."))
    step1_at = AwareDateTimeField(allow_null=True)
    step2_at = AwareDateTimeField(allow_null=True)


class CreditApplicationOut(serializers.ModelSerializer):
    """Sensitive numbers are only ever shown masked (last 4 characters)."""

    requested_limit = MoneyField()
    business_license_no = serializers.CharField(source="business_license_masked")
    legal_rep_id_no = serializers.CharField(source="legal_rep_id_masked")
    bank_account = serializers.CharField(source="bank_account_masked")
    operating_data = OperatingMonthOut(many=True)
    submitted_at = AwareDateTimeField()
    due_at = AwareDateTimeField()
    decided_at = AwareDateTimeField(allow_null=True)
    granted_limit = MoneyField(allow_null=True)
    activation = serializers.SerializerMethodField()

    class Meta:
        model = CreditApplication
        fields = ["id", "store", "status", "requested_limit", "business_license_no", "legal_rep_id_no",
                  "bank_account", "operating_data", "submitted_at", "due_at", "decided_at", "granted_limit",
                  "reject_reason", "activation"]

    @extend_schema_field(ActivationOut(allow_null=True))
    def get_activation(self, app):
        if app.status != CreditApplication.Status.APPROVED:
            return None
        if "application_policy" not in self.context:  # read once per page, not once per row
            self.context["application_policy"] = CreditApplicationPolicy.current()
        policy = self.context["application_policy"]
        volume = getattr(app, "activation_volume", None)
        return ActivationOut({"increase": app.increase,
                              "volume": activation_volume(app) if volume is None else volume,
                              "step1_volume": app.increase * policy.activation_step1_rate,
                              "step2_volume": app.increase * policy.activation_step2_rate,
                              "step1_at": app.step1_at, "step2_at": app.step2_at}).data
