"""A store as the merchant API returns it: what its GET answers with and what the webhook events
carry (credit_limit.changed). Payloads stand apart from the API (views, input serializers) and
import no API module, so the services that emit events (`merchants.events`) can use them."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField
from merchants.credit.models import CreditScorePolicy
from merchants.credit.payloads import CreditOut, ScoreOut, score_breakdown
from merchants.credit.selectors import latest_evaluation, latest_evaluations, store_credit, store_credit_many
from merchants.ledger.payloads import WalletOut
from merchants.ledger.selectors import wallet_balance

from .models import Store


class StoreListOut(serializers.ListSerializer):
    """Works out credit and the latest evaluation of the whole page at once, so the store list
    costs a fixed number of queries however many stores the caller has."""

    def to_representation(self, data):
        stores = list(data.all() if hasattr(data, "all") else data)
        self.child.context["credit_by_store"] = store_credit_many(stores=stores)
        evaluations = self.child.context["evaluation_by_store"] = latest_evaluations(stores=stores)
        if evaluations:
            self.child.context["score_weights"] = CreditScorePolicy.current().weights()
        return super().to_representation(stores)


class StoreOut(serializers.ModelSerializer):
    credit = serializers.SerializerMethodField()
    wallet = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    created_at = AwareDateTimeField()

    class Meta:
        model = Store
        fields = ["id", "name", "main_category", "city", "grade", "status", "created_at", "credit", "wallet",
                  "score"]
        list_serializer_class = StoreListOut

    @extend_schema_field(ScoreOut(allow_null=True))
    def get_score(self, store):
        by_store = self.context.get("evaluation_by_store")
        if by_store is None:
            return score_breakdown(latest_evaluation(store=store))
        return score_breakdown(by_store.get(store.pk), self.context.get("score_weights"))

    def _credit(self, store):
        by_store = self.context.get("credit_by_store")
        return by_store[store.pk] if by_store is not None else store_credit(store=store)

    def get_credit(self, store) -> CreditOut:
        credit = self._credit(store)
        return CreditOut({"base_limit": credit.base_limit, "raised_limit": credit.raised_limit,
                          "effective_limit": credit.effective_limit,
                          "available": credit.available, "exposure": credit.exposure,
                          "frozen_until": credit.frozen_until}).data

    def get_wallet(self, store) -> WalletOut:
        balance = getattr(store, "wallet_balance", None)
        if balance is None:
            balance = wallet_balance(store_id=store.pk)
        return WalletOut({"balance": balance, "upgraded": store.wallet_upgraded}).data
