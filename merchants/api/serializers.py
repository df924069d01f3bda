from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField, MonthField, RateField
from config.api.serializers import OwnStoreField
from merchants.models import (Category, CreditApplication, LedgerEntry, Order, Product, Store, StoreMetrics,
                              Violation)

NAME = {"max_length": 100, "allow_blank": False, "trim_whitespace": True}


# --- platform: inputs ----------------------------------------------------------------------
class StoreCreateIn(serializers.Serializer):
    name = serializers.CharField(**NAME)
    owner_username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    city = serializers.CharField(max_length=50)
    grade = serializers.ChoiceField(choices=Store.Grade.choices, default=Store.Grade.B)
    wallet_upgraded = serializers.BooleanField(default=False)


class StoreCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    owner_token = serializers.CharField(required=False, help_text=_("Only when the owner user was created."))


class CategoryIn(serializers.Serializer):
    name = serializers.CharField(**NAME)
    parent = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), allow_null=True, required=False)
    is_fresh = serializers.BooleanField(default=False)
    paylater_excluded = serializers.BooleanField(default=False)


class CategoryOut(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "is_fresh", "paylater_excluded"]


class ProductIn(serializers.Serializer):
    store = serializers.PrimaryKeyRelatedField(queryset=Store.objects.all())
    title = serializers.CharField(max_length=200)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    price = MoneyField()


class IdOut(serializers.Serializer):
    id = serializers.IntegerField()


class OrderIn(serializers.Serializer):
    store = serializers.PrimaryKeyRelatedField(queryset=Store.objects.all())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    buyer_id = serializers.CharField(max_length=64)
    amount = MoneyField()
    paid_at = AwareDateTimeField()
    channel = serializers.ChoiceField(choices=Order.Channel.choices)
    payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
    buyer_credit_score = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)


class OrderCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    fee = MoneyField(positive=False)
    status = serializers.ChoiceField(choices=Order.Status.choices)


class TopupIn(serializers.Serializer):
    amount = MoneyField()


class MetricsIn(serializers.ModelSerializer):
    month = MonthField()
    monthly_sales = MoneyField(positive=False, min_value=0, required=False, allow_null=True)
    net_cash_flow = MoneyField(positive=False, required=False, allow_null=True)

    class Meta:
        model = StoreMetrics
        exclude = ["id", "store", "updated_at"]


class MetricsOut(MetricsIn):
    conversion_rate = RateField(read_only=True)

    class Meta(MetricsIn.Meta):
        exclude = ["store"]


# --- outputs --------------------------------------------------------------------------------
class LedgerEntryOut(serializers.ModelSerializer):
    amount = MoneyField(positive=False)
    created_at = AwareDateTimeField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "store", "kind", "amount", "created_at", "reference", "memo"]


class CreditOut(serializers.Serializer):
    base_limit = MoneyField(positive=False)
    raised_limit = MoneyField(positive=False, allow_null=True,
                              help_text=_("The active part of approved limit increases, if any."))
    effective_limit = MoneyField(positive=False)
    available = MoneyField(positive=False)
    exposure = MoneyField(positive=False)
    frozen_until = AwareDateTimeField(allow_null=True)


class WalletOut(serializers.Serializer):
    balance = MoneyField(positive=False)
    upgraded = serializers.BooleanField()


class DimensionScoresOut(serializers.Serializer):
    store_health = serializers.DecimalField(max_digits=5, decimal_places=2)
    capital_turnover = serializers.DecimalField(max_digits=5, decimal_places=2)
    risk_control = serializers.DecimalField(max_digits=5, decimal_places=2)
    market = serializers.DecimalField(max_digits=5, decimal_places=2)


class IndicatorScoreOut(serializers.Serializer):
    dimension = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text=_("The indicator's value; null when missing."))
    source = serializers.CharField(allow_null=True, help_text=_("ingested, computed or orders"))
    score = serializers.DecimalField(max_digits=5, decimal_places=2)


class ScoreOut(serializers.Serializer):
    """The latest credit evaluation's breakdown (SPEC §1)."""

    month = MonthField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2, help_text=_("Composite score S, 0–100."))
    monthly_sales = MoneyField(positive=False)
    base_limit = MoneyField(positive=False)
    dimensions = DimensionScoresOut()
    weights = serializers.DictField(child=serializers.IntegerField(), help_text=_("Dimension weights in %."))
    indicators = serializers.DictField(child=IndicatorScoreOut())
    missing = serializers.ListField(child=serializers.CharField(), help_text=_("Indicators that scored 0 "
                                                                               "for lack of data."))
    evaluated_at = AwareDateTimeField()


def score_breakdown(evaluation) -> dict | None:
    if evaluation is None:
        return None
    from merchants.models import CreditScorePolicy

    return ScoreOut({
        "month": evaluation.month, "score": evaluation.score, "monthly_sales": evaluation.monthly_sales,
        "base_limit": evaluation.base_limit, "evaluated_at": evaluation.evaluated_at,
        "dimensions": {d: getattr(evaluation, d) for d in DimensionScoresOut().fields},
        "weights": {str(k): v for k, v in CreditScorePolicy.current().weights().items()},
        "indicators": evaluation.indicators, "missing": evaluation.missing}).data


class StoreListOut(serializers.ListSerializer):
    """Works out credit and the latest evaluation of the whole page at once, so the store list
    costs a fixed number of queries however many stores the caller has."""

    def to_representation(self, data):
        from merchants.credit import latest_evaluations
        from merchants.selectors import store_credit_many

        stores = list(data.all() if hasattr(data, "all") else data)
        self.child.context["credit_by_store"] = store_credit_many(stores=stores)
        self.child.context["evaluation_by_store"] = latest_evaluations(stores=stores)
        return super().to_representation(stores)


class StoreOut(serializers.ModelSerializer):
    credit = serializers.SerializerMethodField()
    wallet = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    created_at = AwareDateTimeField()

    class Meta:
        model = Store
        fields = ["id", "name", "main_category", "city", "grade", "status", "created_at", "credit", "wallet",
                  "score"]
        list_serializer_class = StoreListOut

    @extend_schema_field(ScoreOut(allow_null=True))
    def get_score(self, store):
        from merchants.credit import latest_evaluation

        by_store = self.context.get("evaluation_by_store")
        return score_breakdown(by_store.get(store.pk) if by_store is not None else latest_evaluation(store=store))

    def _credit(self, store):
        from merchants.selectors import store_credit

        by_store = self.context.get("credit_by_store")
        return by_store[store.pk] if by_store is not None else store_credit(store=store)

    def get_credit(self, store) -> CreditOut:
        credit = self._credit(store)
        return CreditOut({"base_limit": credit.base_limit, "raised_limit": credit.raised_limit,
                          "effective_limit": credit.effective_limit,
                          "available": credit.available, "exposure": credit.exposure,
                          "frozen_until": credit.frozen_until}).data

    def get_wallet(self, store) -> WalletOut:
        balance = getattr(store, "wallet_balance", None)
        if balance is None:
            from merchants.selectors import wallet_balance

            balance = wallet_balance(store_id=store.pk)
        return WalletOut({"balance": balance, "upgraded": store.wallet_upgraded}).data


class ProductOut(serializers.ModelSerializer):
    price = MoneyField()
    created_at = AwareDateTimeField()

    class Meta:
        model = Product
        fields = ["id", "store", "title", "category", "price", "listed", "created_at"]


# --- violations (merchant, read-only) -----------------------------------------------------------
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


class ViolationOut(serializers.ModelSerializer):
    occurred_at = AwareDateTimeField()
    confirmed_at = AwareDateTimeField(allow_null=True)
    revoked_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()
    penalty = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = ["id", "store", "kind", "status", "occurred_at", "confirmed_at", "revoked_at", "revoke_reason",
                  "reference", "detail", "created_at", "penalty"]

    @extend_schema_field(PenaltyOut(allow_null=True))
    def get_penalty(self, violation):
        """The penalty confirming applied; null unless confirmed (or confirmed then revoked)."""
        import datetime as dt

        p = violation.penalty
        if not p:
            return None
        when = {k: dt.datetime.fromisoformat(p[k]) if p.get(k) else None
                for k in ("credit_frozen_until", "raise_banned_until", "paylater_suspended_until")}
        return PenaltyOut({**p, **when, "fine": violation.fine_amount or 0,
                           "reversed": violation.status == Violation.Status.REVOKED}).data


# --- limit-increase applications (merchant) ------------------------------------------------------
class CreditApplicationIn(serializers.Serializer):
    store = OwnStoreField()
    requested_limit = MoneyField(max_digits=12)
    business_license_no = serializers.RegexField(
        r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$", max_length=18,
        help_text=_("Unified social credit code (18) or old registration number (15), upper case."),
        error_messages={"invalid": _("Must be 15 or 18 digits/capital letters.")})
    legal_rep_id_no = serializers.RegexField(
        r"^\d{17}[\dX]$|^\d{15}$", max_length=18, help_text=_("Resident ID number (18, last may be X)."),
        error_messages={"invalid": _("Must be an 18-digit ID number (last may be X).")})
    bank_account = serializers.RegexField(r"^\d{8,30}$", max_length=30, min_length=8,
                                          error_messages={"invalid": _("Digits only, 8–30 of them.")})

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("legal_rep_id_no"), str):
            data = {**data, "legal_rep_id_no": data["legal_rep_id_no"].upper()}
        return super().to_internal_value(data)


class OperatingMonthOut(serializers.Serializer):
    month = serializers.CharField()
    monthly_sales = MoneyField(positive=False)
    dsr_score = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ActivationOut(serializers.Serializer):
    increase = MoneyField(positive=False)
    volume = MoneyField(positive=False, help_text=_("Pay-later volume since approval (not cancelled)."))
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
        from merchants.applications import activation_volume, refresh_activation
        from merchants.models import CreditApplicationPolicy

        refresh_activation(app)
        policy = CreditApplicationPolicy.current()
        return ActivationOut({"increase": app.increase, "volume": activation_volume(app),
                              "step1_volume": app.increase * policy.activation_step1_rate,
                              "step2_volume": app.increase * policy.activation_step2_rate,
                              "step1_at": app.step1_at, "step2_at": app.step2_at}).data
