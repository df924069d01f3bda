"""API for the wallet ledger: platform top-ups; merchants read their entries."""
import hashlib
import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.fields import AwareDateTimeField, MoneyField
from config.api.views import PlatformGenericView, errors
from merchants.stores.models import Store
from merchants.stores.tenancy import MerchantReadOnlyViewSet

from .models import LedgerEntry
from .services import wallet_topup


class TopupIn(serializers.Serializer):
    amount = MoneyField()


class LedgerEntryOut(serializers.ModelSerializer):
    amount = MoneyField(positive=False)
    created_at = AwareDateTimeField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "store", "kind", "amount", "created_at", "reference", "memo"]


class PlatformWalletTopup(PlatformGenericView):
    serializer_class = TopupIn
    queryset = Store.objects.all()

    @extend_schema(request=TopupIn, responses={201: LedgerEntryOut, **errors(400, 401, 403, 404)},
                   summary="Top up a store's wallet")
    def post(self, request, pk):
        store = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        if key and len(key) > 100:  # the header allows 255 characters, the ledger's key column 150
            key = hashlib.sha256(key.encode()).hexdigest()
        entry = wallet_topup(
            store=store, amount=data.validated_data["amount"], user=request.user,
            idempotency_key=f"topup:{request.auth.pk}:{key}" if key else f"topup:{store.pk}:{uuid.uuid4().hex}")
        return Response(LedgerEntryOut(entry).data, status=status.HTTP_201_CREATED)


class LedgerEntryViewSet(MerchantReadOnlyViewSet):
    """Wallet ledger, newest first."""

    serializer_class = LedgerEntryOut
    queryset = LedgerEntry.objects.order_by("-created_at", "-id")
    filterset_fields = ["store", "kind"]
