"""API for orders: platform services record standard and pay-later orders."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.errors import DomainError
from config.api.fields import AwareDateTimeField, MoneyField
from config.api.views import PlatformGenericView, errors
from merchants import registry
from merchants.stores.models import Product, Store

from .models import Order
from .services import order_create_standard


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



class PlatformOrderCreate(PlatformGenericView):
    serializer_class = OrderIn

    @extend_schema(request=OrderIn, responses={201: OrderCreatedOut, **errors(
        400, 401, 403, _400="invalid input, or a pay-later refusal: paylater_not_enrolled, store_frozen, "
                            "paylater_suspended, product_not_in_activity, buyer_not_eligible, "
                            "credit_limit_exceeded")},
        summary="Record an order (standard or pay-later)")
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.pop("payment_method") == "paylater":
            # The pay-later app decides acceptance; it registers it with merchants.registry.
            accept = registry.paylater_orders()
            if accept is None:
                raise DomainError("paylater_not_enrolled", _("Pay-later is not available for this store."))
            order = accept(**values)
        else:
            values.pop("buyer_credit_score", None)
            order = order_create_standard(**values)
        return Response({"id": order.pk, "fee": f"{order.fee:.2f}", "status": order.status},
                        status=status.HTTP_201_CREATED)
