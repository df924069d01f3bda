"""GET /merchant/stores/{id}/risk-checks/?month=YYYY-MM (SPEC §5, monthly risk self-check)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from config.api.fields import MonthField, QuerySerializer
from config.api.views import errors
from merchants.stores.tenancy import MerchantGenericView

from .payloads import RiskCheckOut
from .selectors import risk_check_for


class RiskCheckQuery(QuerySerializer):
    month = MonthField(required=False)


class MerchantRiskCheck(MerchantGenericView):
    @extend_schema(parameters=[OpenApiParameter("month", str, description=_("YYYY-MM; the latest when omitted"))],
                   responses={200: RiskCheckOut, **errors(400, 401, 403, 404)},
                   summary="The store's monthly risk self-check (SPEC §5)")
    def get(self, request, pk):
        store = self.get_own_store(pk)
        query = RiskCheckQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        check = risk_check_for(store_id=store.pk, month=query.validated_data.get("month"))
        if check is None:
            raise exceptions.NotFound(_("No risk self-check for this month yet."))
        return Response(RiskCheckOut(check).data)
