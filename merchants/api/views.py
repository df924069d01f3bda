import uuid

from django.conf import settings
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from config.api.errors import DomainError

from config.api.views import MerchantReadOnlyViewSet, PlatformGenericView, errors
from merchants import services
from merchants.models import ZERO, CreditApplication, LedgerEntry, Product, Store, Violation

from . import serializers as s


# --- platform services -----------------------------------------------------------------------
class PlatformStoreCreate(PlatformGenericView):
    serializer_class = s.StoreCreateIn

    @extend_schema(request=s.StoreCreateIn, responses={201: s.StoreCreatedOut, **errors(400, 401, 403)},
                   summary="Create a store (and its owner user, returning the owner's token once)")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.store_create(**data.validated_data)
        body = {"id": result.store.pk}
        if result.owner_token:
            body["owner_token"] = result.owner_token
        return Response(body, status=status.HTTP_201_CREATED)


class PlatformStoreMetrics(PlatformGenericView):
    serializer_class = s.MetricsIn
    queryset = Store.objects.all()

    @extend_schema(request=s.MetricsIn, responses={201: s.MetricsOut, **errors(400, 401, 403, 404)},
                   summary="Upsert a store's metrics for one month")
    def post(self, request, pk):
        store = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        month = values.pop("month")
        metrics, _created = services.metrics_upsert(store=store, month=month, values=values)
        return Response(s.MetricsOut(metrics).data, status=status.HTTP_201_CREATED)


class PlatformWalletTopup(PlatformGenericView):
    serializer_class = s.TopupIn
    queryset = Store.objects.all()

    @extend_schema(request=s.TopupIn, responses={201: s.LedgerEntryOut, **errors(400, 401, 403, 404)},
                   summary="Top up a store's wallet")
    def post(self, request, pk):
        store = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        entry = services.wallet_topup(
            store=store, amount=data.validated_data["amount"], user=request.user,
            idempotency_key=f"topup:{request.auth.pk}:{key}" if key else f"topup:{store.pk}:{uuid.uuid4().hex}")
        return Response(s.LedgerEntryOut(entry).data, status=status.HTTP_201_CREATED)


class PlatformCategoryCreate(PlatformGenericView):
    serializer_class = s.CategoryIn

    @extend_schema(request=s.CategoryIn, responses={201: s.CategoryOut, **errors(400, 401, 403)},
                   summary="Create a category")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(**data.validated_data)
        return Response(s.CategoryOut(category).data, status=status.HTTP_201_CREATED)


class PlatformProductCreate(PlatformGenericView):
    serializer_class = s.ProductIn

    @extend_schema(request=s.ProductIn, responses={201: s.IdOut, **errors(400, 401, 403)},
                   summary="Create a product")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        return Response({"id": product.pk}, status=status.HTTP_201_CREATED)


class PlatformOrderCreate(PlatformGenericView):
    serializer_class = s.OrderIn

    @extend_schema(request=s.OrderIn, responses={201: s.OrderCreatedOut, **errors(
        400, 401, 403, _400="invalid input, or a pay-later refusal: paylater_not_enrolled, store_frozen, "
                            "paylater_suspended, product_not_in_activity, buyer_not_eligible, "
                            "credit_limit_exceeded")},
        summary="Record an order (standard or pay-later)")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.pop("payment_method") == "paylater":
            # The pay-later app decides acceptance; merchants does not import it (STYLE).
            accept = import_string(settings.PAYLATER_ORDER_SERVICE) if settings.PAYLATER_ORDER_SERVICE else None
            if accept is None:
                raise DomainError("paylater_not_enrolled", _("Pay-later is not available for this store."))
            order = accept(**values)
        else:
            values.pop("buyer_credit_score", None)
            order = services.order_create_standard(**values)
        return Response({"id": order.pk, "fee": f"{order.fee:.2f}", "status": order.status},
                        status=status.HTTP_201_CREATED)


# --- merchant clients ------------------------------------------------------------------------
def with_wallet_balance(queryset):
    """Annotate each store with its balance in the same query (fixed query count in lists)."""
    total = (LedgerEntry.objects.filter(store=OuterRef("pk")).order_by().values("store")
             .annotate(total=Sum("amount")).values("total"))
    return queryset.annotate(wallet_balance=Coalesce(Subquery(total), Value(ZERO),
                                                     output_field=DecimalField(max_digits=14, decimal_places=2)))


@extend_schema(responses={200: s.StoreOut, **errors(401, 403, 404)})
class MerchantStoreViewSet(MerchantReadOnlyViewSet):
    """The caller's stores with credit and wallet."""

    serializer_class = s.StoreOut
    store_field = "self"

    def get_queryset(self):
        return with_wallet_balance(self.scope(Store.objects.all()))


class LedgerEntryViewSet(MerchantReadOnlyViewSet):
    """Wallet ledger, newest first."""

    serializer_class = s.LedgerEntryOut
    queryset = LedgerEntry.objects.order_by("-created_at", "-id")
    filterset_fields = ["store", "kind"]


class MerchantProductViewSet(MerchantReadOnlyViewSet):
    serializer_class = s.ProductOut
    queryset = Product.objects.order_by("id")
    filterset_fields = ["store", "category", "listed"]


class MerchantViolationViewSet(MerchantReadOnlyViewSet):
    """The caller's stores' violations with the penalty applied (read-only)."""

    serializer_class = s.ViolationOut
    queryset = Violation.objects.order_by("-occurred_at", "-id")
    filterset_fields = ["store", "kind", "status"]


class MerchantCreditApplicationViewSet(mixins.CreateModelMixin, MerchantReadOnlyViewSet):
    """Limit-increase applications (提额申请) of the caller's stores; numbers shown masked."""

    serializer_class = s.CreditApplicationOut
    queryset = CreditApplication.objects.order_by("-submitted_at", "-id")
    filterset_fields = ["store", "status"]

    def get_serializer_class(self):
        return s.CreditApplicationIn if self.action == "create" else s.CreditApplicationOut

    @extend_schema(request=s.CreditApplicationIn, responses={201: s.CreditApplicationOut, **errors(
        401, 403, 404, _400="invalid input, or a refusal: annual_application_limit, dsr_below_threshold, "
                            "raise_banned, application_pending, store_suspended, "
                            "requested_limit_not_above_current")},
        summary="Apply for a higher pay-later limit")
    def create(self, request, *args, **kwargs):
        from merchants.applications import application_submit

        data = s.CreditApplicationIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        app = application_submit(**data.validated_data, user=request.user)
        return Response(s.CreditApplicationOut(app).data, status=status.HTTP_201_CREATED)

