"""API for credit: platform services push monthly metrics; merchants read the score breakdown
and credit summary (as part of their store, see `merchants.stores.api`)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import STRICT_FIELD_MAPPING, MoneyField, MonthField, RateField
from config.api.views import PlatformGenericView, errors
from merchants.stores.models import Store

from .models import StoreMetrics
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
