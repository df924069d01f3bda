from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from config import timeutil
from config.api.filters import BooleanFilter, FilterSet, IsoDateTimeFilter
from config.api.views import PlatformGenericView, errors
from logistics import selectors, services
from logistics.models import Enrollment, LogisticsPolicy, Shipment, WeeklyResult
from logistics.payloads import LogisticsWeeklyResultOut
from merchants.models import Order, Store
from merchants.stores.tenancy import MerchantGenericView, MerchantReadOnlyViewSet

from . import serializers as s


# --- platform services -------------------------------------------------------------------------
class PlatformLogisticsSetup(PlatformGenericView):
    serializer_class = s.LogisticsSetupIn
    queryset = Store.objects.all()

    @extend_schema(request=s.LogisticsSetupIn, responses={200: s.LogisticsProfileOut, **errors(400, 401, 403, 404)},
                   summary="Record a store's official logistics and deposit paid")
    def post(self, request, pk):
        store = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.logistics_profile_set(store=store, user=request.user, **data.validated_data)
        return Response(s.LogisticsProfileOut(profile, context={
            "deposit_required": LogisticsPolicy.current().deposit_required}).data)


class PlatformShipmentPickup(PlatformGenericView):
    serializer_class = s.LogisticsPickupIn
    queryset = Shipment.objects.all()

    @extend_schema(request=s.LogisticsPickupIn, responses={200: s.LogisticsShipmentOut, **errors(
        400, 401, 403, 404, _400="invalid input, timestamp_in_future, pickup_before_shipment")},
        summary="A carrier's pickup scan (揽收) for a shipment")
    def post(self, request, pk):
        shipment = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        shipment = services.shipment_record_pickup(shipment=shipment, **data.validated_data)
        return Response(s.LogisticsShipmentOut(selectors.shipments_with_on_time().get(pk=shipment.pk)).data)


class PlatformPickupByTracking(PlatformGenericView):
    serializer_class = s.LogisticsPickupByTrackingIn

    @extend_schema(request=s.LogisticsPickupByTrackingIn, responses={200: s.LogisticsShipmentOut, **errors(
        400, 401, 403, 404, _400="invalid input, timestamp_in_future, pickup_before_shipment")},
        summary="A carrier's pickup scan (揽收) by tracking number")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        shipment = get_object_or_404(Shipment.objects.all(), tracking_no=data.validated_data["tracking_no"].strip())
        shipment = services.shipment_record_pickup(shipment=shipment,
                                                   picked_up_at=data.validated_data["picked_up_at"])
        return Response(s.LogisticsShipmentOut(selectors.shipments_with_on_time().get(pk=shipment.pk)).data)


# --- merchant clients ----------------------------------------------------------------------------
class EnrollmentFilter(FilterSet):
    class Meta:
        model = Enrollment
        fields = ["store", "status"]


class EnrollmentView(MerchantGenericView):
    queryset = Enrollment.objects.order_by("-joined_at", "-id")
    serializer_class = s.LogisticsEnrollmentOut
    filterset_class = EnrollmentFilter

    @extend_schema(responses={200: s.LogisticsEnrollmentOut(many=True), **errors(400, 401, 403)},
                   summary="The caller's plan enrollments (current and past)")
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.LogisticsEnrollmentOut(page, many=True).data)

    @extend_schema(request=s.LogisticsEnrollmentIn, responses={201: s.LogisticsEnrollmentOut, **errors(
        401, 403, 404,
        _400="invalid input, official_logistics_required, agreement_required, withholding_required, "
             "deposit_insufficient, region_not_open",
        _409="already_enrolled")},
        summary="Join the on-time shipping incentive plan (counting from T+2)")
    def post(self, request):
        data = s.LogisticsEnrollmentIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_create(user=request.user, **data.validated_data)
        return Response(s.LogisticsEnrollmentOut(enrollment).data, status=status.HTTP_201_CREATED)


class EnrollmentCancel(MerchantGenericView):
    queryset = Enrollment.objects.all()
    serializer_class = s.LogisticsEnrollmentOut

    @extend_schema(request=None,
                   responses={200: s.LogisticsEnrollmentOut, **errors(401, 403, 404, _409="invalid_state")},
                   summary="Leave the plan (days from the cancellation on do not count)")
    def post(self, request, pk):
        enrollment = self.get_object()
        enrollment = services.enrollment_cancel(enrollment=enrollment, user=request.user)
        return Response(s.LogisticsEnrollmentOut(enrollment).data)


class ShipmentFilter(FilterSet):
    awaiting_pickup = BooleanFilter(field_name="picked_up_at", lookup_expr="isnull")
    shipped_after = IsoDateTimeFilter(field_name="shipped_at", lookup_expr="gte")
    shipped_before = IsoDateTimeFilter(field_name="shipped_at", lookup_expr="lt")

    class Meta:
        model = Shipment
        fields = ["store", "order", "official_logistics", "awaiting_pickup"]


class ShipmentViewSet(MerchantReadOnlyViewSet):
    """The caller's shipments; POST ships one of the caller's orders now."""

    queryset = selectors.shipments_with_on_time().order_by("-shipped_at", "-id")
    serializer_class = s.LogisticsShipmentOut
    filterset_class = ShipmentFilter

    @extend_schema(request=s.LogisticsShipmentIn, responses={201: s.LogisticsShipmentOut, **errors(
        401, 403, 404, _400="invalid input, tracking_no_in_use",
        _409="already_shipped; invalid_state (order cancelled or fully refunded)")},
        summary="Ship one of the caller's orders now")
    def create(self, request):
        data = s.LogisticsShipmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = Order.objects.filter(pk=data.validated_data["order"], store_id__in=self.merchant_store_ids()).first()
        if order is None:
            raise exceptions.NotFound("Order not found.")
        shipment = services.shipment_create(order=order, tracking_no=data.validated_data["tracking_no"],
                                            official_logistics=data.validated_data["official_logistics"])
        shipment = selectors.shipments_with_on_time().get(pk=shipment.pk)
        return Response(s.LogisticsShipmentOut(shipment).data, status=status.HTTP_201_CREATED)


class WeeklyResultFilter(FilterSet):
    week = filters.CharFilter(method="filter_week", help_text="ISO week, e.g. 2026-W47")

    class Meta:
        model = WeeklyResult
        fields = ["store", "week", "status"]

    def filter_week(self, queryset, name, value):
        try:
            return queryset.filter(week=timeutil.parse_week(value))
        except ValueError:
            raise exceptions.ValidationError({"week": ["Week must look like 2026-W47."]})


@extend_schema(responses={200: LogisticsWeeklyResultOut, **errors(400, 401, 403, 404)})
class WeeklyResultViewSet(MerchantReadOnlyViewSet):
    """The caller's weekly evaluations and settlements."""

    queryset = WeeklyResult.objects.order_by("-week", "store_id")
    serializer_class = LogisticsWeeklyResultOut
    filterset_class = WeeklyResultFilter

