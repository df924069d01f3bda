"""API for credit: platform services push monthly metrics; merchants read the score breakdown
and credit summary (as part of their store, see `merchants.stores.api`)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import STRICT_FIELD_MAPPING, AwareDateTimeField, MoneyField, MonthField, RateField
from config.api.views import PlatformGenericView, errors
from merchants.stores.models import Store

from .models import CreditScorePolicy, StoreMetrics
from .services import metrics_upsert


class MetricsIn(serializers.ModelSerializer):
    serializer_field_mapping = STRICT_FIELD_MAPPING
    month = MonthField()
    monthly_sales = MoneyField(positive=False, min_value=0, required=False, allow_null=True)
    net_cash_flow = MoneyField(positive=False, required=False, allow_null=True)

    class Meta:
        model = StoreMetrics
        exclude = ["id", "store", "updated_at"]


class MetricsOut(MetricsIn):
    conversion_rate = RateField(read_only=True, allow_null=True)  # None without UV or buyers

    class Meta(MetricsIn.Meta):
        exclude = ["store"]


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



class PlatformStoreMetrics(PlatformGenericView):
    serializer_class = MetricsIn
    queryset = Store.objects.all()

    @extend_schema(request=MetricsIn, responses={201: MetricsOut, **errors(400, 401, 403, 404)},
                   summary="Upsert a store's metrics for one month")
    def post(self, request, pk):
        store = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        month = values.pop("month")
        metrics, _created = metrics_upsert(store=store, month=month, values=values)
        return Response(MetricsOut(metrics).data, status=status.HTTP_201_CREATED)
