import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from config import timeutil
from config.api.filters import BooleanFilter, FilterSet, IdFilter
from config.api.views import PlatformGenericView, errors
from merchants.models import Order, Product
from merchants.stores.api import MerchantProductViewSet
from merchants.stores.tenancy import MerchantGenericView, MerchantReadOnlyViewSet

from .. import refusals, selectors, services
from ..models import ActivityItem, Enrollment, FeeStatement, Lifecycle, Refusal
from . import serializers as s


# --- platform: the order lifecycle ------------------------------------------------------------
class _OrderEvent(PlatformGenericView):
    queryset = Order.objects.none()

    def respond(self, order):
        return Response(s.PaylaterOrderOut(order).data)


ORDER_EVENT_ERRORS = errors(400, 401, 403, 404, _409="invalid_state: the order is not in a state that allows it")


class PlatformOrderReceipt(_OrderEvent):
    serializer_class = s.ReceiptIn

    @extend_schema(request=s.ReceiptIn, responses={200: s.PaylaterOrderOut, **ORDER_EVENT_ERRORS},
                   summary="The buyer confirmed receipt of a pay-later order (placed → receipt_confirmed)")
    def post(self, request, pk):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.respond(services.order_confirm_receipt(order_id=pk, **data.validated_data))


class PlatformOrderConsumerCharge(_OrderEvent):
    serializer_class = s.ConsumerChargeIn

    @extend_schema(request=s.ConsumerChargeIn, responses={200: s.PaylaterOrderOut, **ORDER_EVENT_ERRORS},
                   summary="Result of charging the consumer (paid, or a platform advance if it failed)")
    def post(self, request, pk):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.respond(services.order_consumer_charge(order_id=pk, **data.validated_data))


class PlatformOrderAdvanceRecovered(_OrderEvent):
    serializer_class = s.AdvanceRecoveredIn

    @extend_schema(request=s.AdvanceRecoveredIn, responses={200: s.PaylaterOrderOut, **ORDER_EVENT_ERRORS},
                   summary="The consumer paid the platform back for an advanced order")
    def post(self, request, pk):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.respond(services.order_advance_recovered(order_id=pk, **data.validated_data))


class PlatformProductDetail(PlatformGenericView):
    serializer_class = s.PlatformProductOut

    def get_queryset(self):
        return selectors.products_with_paylater_active(Product.objects.all())

    @extend_schema(responses={200: s.PlatformProductOut, **errors(401, 403, 404)},
                   summary="A product with `paylater_active` (the 先用后付 badge the buyer app shows)")
    def get(self, request, pk):
        product = selectors.platform_product(product_id=pk)  # get_queryset's row, one statement
        if product is None:
            raise NotFound()
        self.check_object_permissions(request, product)
        return Response(self.get_serializer(product).data)


# --- merchant: enrollment ---------------------------------------------------------------------
class EnrollmentView(MerchantGenericView):
    serializer_class = s.EnrollmentIn
    queryset = Enrollment.objects.all()

    @extend_schema(request=s.EnrollmentIn, responses={201: s.EnrollmentOut, **errors(
        400, 401, 403, 404, _400="wallet_not_upgraded, store_suspended, paylater_suspended, grade_not_allowed, "
                                 "no_credit_limit", _409="already_enrolled")},
        summary="Enroll a store in pay-later (checked at once)")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_request(store=data.validated_data["store"])
        return Response(s.EnrollmentOut.of(enrollment, enrollment.store_id), status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("store", int, required=True)],
                   responses={200: s.EnrollmentOut, **errors(400, 401, 403, 404)},
                   summary="A store's pay-later enrollment state")
    def get(self, request):
        query = s.EnrollmentQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        store = self.get_own_store(query.validated_data["store"])
        return Response(s.EnrollmentOut.of(Enrollment.objects.filter(store=store).first(), store.pk))


# --- merchant: activities ---------------------------------------------------------------------
class ActivityFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=Lifecycle.choices, help_text=_("Derived status."))
    store = IdFilter()


@extend_schema_view(list=extend_schema(responses={200: s.ActivityOut(many=True), **errors(400, 401, 403)}),
                    retrieve=extend_schema(responses={200: s.ActivityOut, **errors(401, 403, 404)}))
class ActivityViewSet(MerchantReadOnlyViewSet):
    """Pay-later activities with their items; status derived from time and manual ends."""

    serializer_class = s.ActivityOut
    filterset_class = ActivityFilter

    def get_queryset(self):
        now = timezone.now()
        items = selectors.items_with_status(ActivityItem.objects.select_related("product", "activity"), at=now)
        return (self.scope(selectors.activities_with_status(at=now))
                .prefetch_related(Prefetch("items", queryset=items.order_by("id")))
                .order_by("-created_at", "-id"))

    @extend_schema(request=s.ActivityIn, responses={201: s.ActivityOut, **errors(
        400, 401, 403, 404, _400="invalid input, paylater_not_enrolled, or products_ineligible with "
                                 "fields.products {id: category_excluded|price_above_cap|already_in_activity}")},
        summary="Create an activity with its products (all or nothing)")
    def create(self, request):
        data = s.ActivityIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        activity = services.activity_create(**data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.ActivityOut, **errors(401, 403, 404, _409="invalid_state")},
                   summary="End the whole activity (all its items end)")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        activity = self.get_object()
        services.activity_end(activity_id=activity.pk)
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data)


class ActivityItemViewSet(MerchantReadOnlyViewSet):
    """Activity items (one product each), with derived status."""

    serializer_class = s.ActivityItemOut
    store_field = "activity__store"
    filterset_fields = ["activity", "product"]

    def get_queryset(self):
        return self.scope(selectors.items_with_status(ActivityItem.objects.select_related("product", "activity"))
                          ).order_by("id")

    @extend_schema(request=None, responses={200: s.ActivityItemOut, **errors(401, 403, 404, _409="invalid_state")},
                   summary="End one item; the other items of its activity are untouched")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        item = self.get_object()
        services.activity_item_end(item_id=item.pk)
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)


# --- merchant: orders, products -----------------------------------------------------------------
class PaylaterOrderViewSet(MerchantReadOnlyViewSet):
    """The caller's pay-later orders (full price shown; the buyer paid 0 at order time)."""

    serializer_class = s.PaylaterOrderOut
    queryset = Order.objects.filter(payment_method=Order.PaymentMethod.PAYLATER).order_by("-paid_at", "-id")
    filterset_fields = ["store", "status", "product"]


class EligibilityFilter(FilterSet):
    paylater_eligible = BooleanFilter(
        help_text=_("Only products that can (true) or cannot (false) join a pay-later activity now."))

    class Meta:
        model = Product
        fields = ["store", "category", "listed", "paylater_eligible"]


class EligibleProductViewSet(MerchantProductViewSet):
    """Own products with pay-later eligibility (computed in SQL, one query per page)."""

    serializer_class = s.EligibleProductOut
    filterset_class = EligibilityFilter
    filterset_fields = None

    def get_queryset(self):
        return selectors.products_with_eligibility(super().get_queryset())


# --- merchant: fee statements -------------------------------------------------------------------
class FeeStatementFilter(FilterSet):
    month = django_filters.CharFilter(method="filter_month", help_text=_("A month like 2026-10."))

    class Meta:
        model = FeeStatement
        fields = ["store", "month"]

    def filter_month(self, queryset, name, value):
        try:
            return queryset.filter(month=timeutil.parse_month(value))
        except ValueError:
            raise ValidationError({"month": [_("Month must look like 2026-10.")]})


class FeeStatementViewSet(MerchantReadOnlyViewSet):
    """Monthly fee statements (closed months) and their invoice."""

    serializer_class = s.FeeStatementOut
    queryset = FeeStatement.objects.select_related("invoice").order_by("-month", "store_id")
    filterset_class = FeeStatementFilter

    @extend_schema(request=s.InvoiceRequestIn, responses={201: s.InvoiceOut, **errors(
        400, 401, 403, 404, _409="invoice_already_requested")},
        summary="Request the invoice (发票) of a statement, once")
    @action(detail=True, methods=["post"], url_path="invoice-request")
    def invoice_request(self, request, pk=None):
        statement = self.get_object()
        data = s.InvoiceRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = services.invoice_request(statement=statement, **data.validated_data)
        return Response(s.InvoiceOut(invoice).data, status=status.HTTP_201_CREATED)


# --- merchant: orders lost to the limit (SPEC §6) ------------------------------------------------
DAYS = OpenApiParameter("days", int, description="The last N local days, today included (1–90, default 30)")


class _RefusalView(MerchantGenericView):
    queryset = Refusal.objects.none()

    def window(self, pk):
        store = self.get_own_store(pk)  # another store's: 404, as every merchant store endpoint
        query = s.RefusalQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return store, query.validated_data["days"]


class MerchantRefusalSummary(_RefusalView):
    serializer_class = s.RefusalSummaryOut

    @extend_schema(parameters=[DAYS], responses={200: s.RefusalSummaryOut, **errors(
        401, 403, 404, _400="invalid: days outside 1–90")},
                   summary="Pay-later orders lost to the limit and other refusals over the last N local days")
    def get(self, request, pk):
        store, days = self.window(pk)
        return Response(s.RefusalSummaryOut(refusals.refusal_summary(store_id=store.pk, days=days)).data)


class MerchantRefusalList(_RefusalView):
    serializer_class = s.RefusalOut

    @extend_schema(parameters=[DAYS], responses={200: s.RefusalOut(many=True), **errors(
        401, 403, 404, _400="invalid: days outside 1–90")},
                   summary="The refused pay-later orders of the last N local days, newest first")
    def get(self, request, pk):
        store, days = self.window(pk)
        rows = refusals.refusals_of(store_id=store.pk, since=refusals.window_start(days=days)).order_by("-at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
