"""Pay-later intake's rows (decision 0047): the order, its history row as simple_history writes it,
its fee entry through the ledger; no prepared statement left behind; the exposure on its index."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from config.language import platform_text
from config.models import ApiToken
from merchants.models import LedgerEntry, Order
from paylater import selectors

from .factories import FeeRateFactory, paylater_product, paylater_store

URL = "/api/v1/platform/orders/"


def order_body(product, **over):
    return {"store": product.store_id, "product": product.pk, "buyer_id": "b7", "amount": "80.00",
            "paid_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "channel": "taote",
            "payment_method": "paylater", "buyer_credit_score": 85, **over}


@pytest.mark.django_db
def test_an_accepted_order_has_the_history_row_and_fee_entry_its_saves_wrote(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    resp = platform_api.post(URL, order_body(product), format="json", HTTP_IDEMPOTENCY_KEY="rows")
    assert resp.status_code == 201, resp.json()
    order = Order.objects.get(pk=resp.json()["id"])
    [history] = order.history.all()
    assert history.history_type == "+" and history.history_change_reason == "paylater: accepted"
    assert history.history_user_id == ApiToken.objects.get().user_id  # the caller, as simple_history records it
    for field in ("store_id", "product_id", "buyer_id", "amount", "paid_at", "channel", "payment_method", "status",
                  "buyer_credit_score", "fee", "refunded_amount", "created_at"):
        assert getattr(history, field) == getattr(order, field), field
    assert order.fee == Decimal("0.80") and str(resp.json()["fee"]) == "0.80"
    entry = LedgerEntry.objects.get(idempotency_key=f"order:{order.pk}:fee")
    assert (entry.store_id, entry.kind, entry.amount, entry.reference, entry.created_at, entry.created_by_id) == (
        order.store_id, LedgerEntry.Kind.PAYLATER_FEE, -order.fee, f"order:{order.pk}", order.paid_at, None)
    assert entry.memo == platform_text("pay-later fee") or entry.memo == "先用后付服务费"


@pytest.mark.django_db
def test_an_order_without_a_fee_writes_no_fee_entry(platform_api):
    FeeRateFactory(rate=Decimal("0"), starts_on=None, ends_on=None)
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    resp = platform_api.post(URL, order_body(product), format="json")
    assert resp.status_code == 201, resp.json()
    order = Order.objects.get(pk=resp.json()["id"])
    assert order.fee == 0 and order.history.count() == 1
    assert not LedgerEntry.objects.exists()


def _prepared(fragment: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       [f"%{fragment}%"])
        return cursor.fetchall()


@pytest.mark.django_db
def test_intake_leaves_no_prepared_statement_on_the_connection(platform_api):
    """Documented driver behaviour only (decision 0047): Django binds on the client and nothing is
    prepared behind its back, so a pooler in transaction mode needs no setting for intake."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    for n in range(3):
        resp = platform_api.post(URL, order_body(product, buyer_id=f"b{n}"), format="json",
                                 HTTP_IDEMPOTENCY_KEY=f"plain-{n}")
        assert resp.status_code == 201, resp.json()
    assert _prepared("") == []
    assert Order.objects.count() == 3 and LedgerEntry.objects.count() == 3


@pytest.mark.django_db
def test_the_exposure_still_reads_its_partial_index(platform_api):
    """The rule's constants reach PostgreSQL as literals (client-side binding), so the planner
    matches `order_store_exposure`'s condition."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    queryset = selectors._intake_exposure_queryset(store_id=product.store_id, now=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether the index matches at all
    assert "order_store_exposure" in queryset.explain(), queryset.explain()
