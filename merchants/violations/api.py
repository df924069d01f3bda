"""API for violations: merchants read their stores' violations with the penalty applied."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.views import errors
from merchants.stores.tenancy import MerchantReadOnlyViewSet
from merchants.violations.payloads import AppealCreatedOut, ViolationOut

from .appeals import appeal_submit
from .models import Violation


class AppealIn(serializers.Serializer):
    statement = serializers.CharField(max_length=5000, trim_whitespace=True)


class MerchantViolationViewSet(MerchantReadOnlyViewSet):
    """The caller's stores' violations with the penalty applied (read-only)."""

    serializer_class = ViolationOut
    queryset = Violation.objects.select_related("appeal").order_by("-occurred_at", "-id")
    filterset_fields = ["store", "kind", "status"]

    @extend_schema(request=AppealIn, responses={
        201: AppealCreatedOut, **errors(400, 401, 403, 404, _409="appeal_window_closed, appeal_exists, "
                                                                 "invalid_state (not confirmed)")},
        summary="Appeal a confirmed violation, once, within the window (SPEC §5)")
    @action(detail=True, methods=["post"], url_path="appeal")
    def appeal(self, request, pk=None):
        violation = self.get_object()
        data = AppealIn(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeal_submit(violation_id=violation.pk, statement=data.validated_data["statement"],
                               user=request.user)
        return Response(AppealCreatedOut(appeal).data, status=status.HTTP_201_CREATED)
