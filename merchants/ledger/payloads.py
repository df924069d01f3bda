"""A store's wallet as the merchant API returns it: what its GET answers with and what the webhook
events carry (a store's, in credit_limit.changed). Payloads stand apart from the API (views,
input serializers) and import no API module, so the services that emit events
(`merchants.events`) can use them."""
from rest_framework import serializers

from config.api.fields import MoneyField


class WalletOut(serializers.Serializer):
    balance = MoneyField(positive=False, max_digits=20)  # a sum of entries: wider than one amount
    upgraded = serializers.BooleanField()
