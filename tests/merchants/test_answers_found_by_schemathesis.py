"""Answers schemathesis found wrong (5xx) and that now hold."""
import pytest

from merchants.models import LedgerEntry

pytestmark = pytest.mark.django_db
BIGGEST = "999999999999.99"  # the largest amount one top-up accepts


def test_a_topup_with_the_longest_idempotency_key_is_posted_once(platform_api, store):
    url = f"/api/v1/platform/stores/{store.pk}/wallet-topups/"
    key = "k" * 255
    first = platform_api.post(url, {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = platform_api.post(url, {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert LedgerEntry.objects.filter(store=store).count() == 1


def test_a_balance_larger_than_any_one_amount_is_shown(platform_api, merchant_api, store):
    for _ in range(3):
        platform_api.post(f"/api/v1/platform/stores/{store.pk}/wallet-topups/", {"amount": BIGGEST}, format="json")
    response = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/")
    assert response.status_code == 200
    assert response.json()["wallet"]["balance"] == "2999999999999.97"
