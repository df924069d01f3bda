"""A store's credit and score breakdown as the merchant API returns it: what its GET answers with
and what the webhook events carry (a store's, in credit_limit.changed). Payloads stand apart
from the API (views, input serializers) and import no API module, so the services that emit
events (`merchants.events`) can use them."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, MoneyField, MonthField

from .models import CreditScorePolicy


class CreditOut(serializers.Serializer):
    base_limit = MoneyField(positive=False)
    # Sums (limits plus increases, orders outstanding) are wider than one amount.
    raised_limit = MoneyField(positive=False, max_digits=20, allow_null=True,
                              help_text=_("The active part of approved limit increases, if any."))
    effective_limit = MoneyField(positive=False, max_digits=20)
    available = MoneyField(positive=False, max_digits=20)
    exposure = MoneyField(positive=False, max_digits=20)
    frozen_until = AwareDateTimeField(allow_null=True)


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
    eco_bonus_rate = serializers.DecimalField(max_digits=5, decimal_places=4, help_text=_(
        "Eco-packaging bonus applied before rounding down to 100 (0 when not verified)."))
    dimensions = DimensionScoresOut()
    weights = serializers.DictField(child=serializers.IntegerField(), help_text=_("Dimension weights in %."))
    indicators = serializers.DictField(child=IndicatorScoreOut())
    missing = serializers.ListField(child=serializers.CharField(), help_text=_("Indicators that scored 0 "
                                                                               "for lack of data."))
    evaluated_at = AwareDateTimeField()


def score_breakdown(evaluation, weights: dict | None = None) -> dict | None:
    """`weights` (the policy's) may be passed by a list that reads the policy once per page."""
    if evaluation is None:
        return None
    weights = CreditScorePolicy.current().weights() if weights is None else weights
    return ScoreOut({
        "month": evaluation.month, "score": evaluation.score, "monthly_sales": evaluation.monthly_sales,
        "base_limit": evaluation.base_limit, "eco_bonus_rate": evaluation.eco_bonus_rate,
        "evaluated_at": evaluation.evaluated_at,
        "dimensions": {d: getattr(evaluation, d) for d in DimensionScoresOut().fields},
        "weights": {str(k): v for k, v in weights.items()},
        "indicators": evaluation.indicators, "missing": evaluation.missing}).data
