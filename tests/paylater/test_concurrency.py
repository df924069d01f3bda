import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from config.api.errors import DomainError
from merchants.models import LedgerEntry, Order, Store
from merchants.orders.selectors import store_exposure
from paylater import services

from .factories import paylater_product, paylater_store


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


@pytest.mark.django_db(transaction=True)
def test_concurrent_invoice_requests_create_one_invoice(threads):
    from paylater.models import FeeStatement, InvoiceRequest

    statement = FeeStatement.objects.create(store=paylater_store(), month=dt.date(2026, 10, 1), order_count=1,
                                            fee_total=Decimal("1.00"))

    def request(i):
        return services.invoice_request(statement=statement, title=f"t{i}", tax_id="91420100MA4K1234X5")

    results = threads(request, 8)
    assert sum(isinstance(r, InvoiceRequest) for r in results) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {"invoice_already_requested"}
    assert InvoiceRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_detector_runs_open_one_violation(threads):
    from config import timeutil
    from merchants.models import Violation
    from tests.factories import OrderFactory

    store = paylater_store()
    at = dt.datetime(2026, 11, 20, 12, 0, tzinfo=timeutil.platform_tz())
    OrderFactory(store=store, product__store=store, amount=Decimal("60000.00"), payment_method="paylater",
                 status="advanced", paid_at=at - dt.timedelta(days=3), advanced_at=at)
    threads(lambda i: services.excess_advances_detect(day=at.date()), 6)
    assert Violation.objects.filter(store=store, kind="excess_advance").count() == 1
