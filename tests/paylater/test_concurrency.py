import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from config.api.errors import DomainError
from merchants.models import LedgerEntry, Order, Store
from merchants.selectors import store_exposure
from paylater import services

from .factories import paylater_product, paylater_store


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_orders_never_push_exposure_above_the_limit(threads):
    store = paylater_store(base_limit=Decimal("1000.00"))
    product = paylater_product(store)
    paid_at = timezone.now() - dt.timedelta(minutes=1)

    def place(i):
        return services.paylater_order_accept(
            store=Store.objects.get(pk=store.pk), product=product, buyer_id=f"b{i}", amount=Decimal("70.00"),
            paid_at=paid_at, channel="taote", buyer_credit_score=90)

    results = threads(place, 50)
    accepted = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(accepted) + len(refused) == 50, [r for r in results if not isinstance(r, (Order, DomainError))]
    assert {e.code for e in refused} == {"credit_limit_exceeded"}
    assert len(accepted) == 14  # 14 × 70 = 980 ≤ 1000 < 15 × 70
    assert store_exposure(store_id=store.pk) == Decimal("980.00")
    assert LedgerEntry.objects.filter(store=store, kind="paylater_fee").count() == 14
