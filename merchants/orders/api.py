"""API for orders: platform services record standard and pay-later orders."""
import copy

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.errors import DomainError
from config.api.fields import AwareDateTimeField, IdRelatedField, MoneyField, plainly_an_id
from config.api.views import PlatformGenericView, errors
from merchants import registry
from merchants.stores.models import Product, Store

from .models import Order
from .services import order_create_standard


class OrderIn(serializers.Serializer):
    store = IdRelatedField(queryset=Store.objects.all())
    product = IdRelatedField(queryset=Product.objects.all())
    buyer_id = serializers.CharField(max_length=64)
    amount = MoneyField()
    paid_at = AwareDateTimeField()
    channel = serializers.ChoiceField(choices=Order.Channel.choices)
    payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
    buyer_credit_score = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)


class _PkAsSent(serializers.Field):
    """A primary key taken as sent when it is plainly one (a positive int or digit string that
    fits a bigint); anything else is left to OrderIn's related field and its errors."""

    def to_internal_value(self, data):
        if isinstance(data, str) and plainly_an_id(data) and len(data) <= 18:
            data = int(data)
        if type(data) is not int or not 0 < data < 2**63:
            raise serializers.ValidationError("not plainly a key")
        return data


class OrderIntakeIn(OrderIn):
    """`OrderIn` without its two look-ups (the intake query budget): store and product stay ids
    and the service reads them in its own statements. Whenever this refuses the body, or an id
    names nothing, the view validates it again with `OrderIn`, so every answer and its errors
    stay exactly OrderIn's."""

    store = _PkAsSent()
    product = _PkAsSent()

    def get_fields(self):
        # Shallow copies of the declared fields instead of DRF's deep copy, which rebuilds every
        # field from its arguments for every serializer: a tenth of intake's Python (decision
        # 0043). Each copy is bound to this serializer alone; nothing here changes a field after
        # it is declared, so the attributes the copies share (validators, messages) stay read-only.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class OrderCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    fee = MoneyField(positive=False)
    status = serializers.ChoiceField(choices=Order.Status.choices)



class PlatformOrderCreate(PlatformGenericView):
    serializer_class = OrderIn
    # One commit per order: the Idempotency-Key claim and the stored answer share the order's
    # transaction (config.api.idempotency, decision 0033). Every answer ≥ 400 rolls it back.
    idempotency_in_transaction = True

    @extend_schema(request=OrderIn, responses={201: OrderCreatedOut, **errors(
        400, 401, 403, _400="invalid input, or a pay-later refusal: paylater_not_enrolled, store_frozen, "
                            "paylater_suspended, product_not_in_activity, buyer_not_eligible, "
                            "credit_limit_exceeded")},
        summary="Record an order (standard or pay-later)")
    def post(self, request):
        quick = OrderIntakeIn(data=request.data)
        values = dict(quick.validated_data) if quick.is_valid() else self._validated_by_order_in(request)
        store_id, product_id = [getattr(v, "pk", v) for v in (values.pop("store"), values.pop("product"))]
        if values.pop("payment_method") == "paylater":
            # The pay-later app decides acceptance; it registers it with merchants.registry.
            accept = registry.paylater_orders()
            if accept is None:
                raise DomainError("paylater_not_enrolled", _("Pay-later is not available for this store."))
            try:
                order = accept(store_id=store_id, product_id=product_id, **values)
            except (Store.DoesNotExist, Product.DoesNotExist):
                self._validated_by_order_in(request)  # OrderIn's 400 for the missing row
                order = accept(store_id=store_id, product_id=product_id, **values)  # it exists by now
        else:
            values.pop("buyer_credit_score", None)
            product = Product.objects.select_related("store").filter(pk=product_id).first()
            if product is None or product.store_id != store_id:
                checked = self._validated_by_order_in(request)  # 400 for a missing row
                product, store = checked["product"], checked["store"]
            else:
                store = product.store
            order = order_create_standard(store=store, product=product, **values)
        return Response({"id": order.pk, "fee": f"{order.fee:.2f}", "status": order.status},
                        status=status.HTTP_201_CREATED)

    def _validated_by_order_in(self, request) -> dict:
        """OrderIn's validation with its own look-ups and errors (400 `invalid`)."""
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)
