import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from merchants.ledger.selectors import wallet_balance
from merchants.models import LedgerEntry, Order
from merchants.orders.selectors import store_exposure
from merchants.orders.services import order_record_refund
from paylater import services

from .factories import paylater_product, paylater_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(db):
    store = paylater_store(base_limit=Decimal("5000.00"))
    product = paylater_product(store)
    return services.paylater_order_accept(store=store, product=product, buyer_id="b", amount=Decimal("200.00"),
                                          paid_at=timezone.now() - dt.timedelta(days=3), channel="taote",
                                          buyer_credit_score=90)


def at(days_ago):
    return (timezone.now() - dt.timedelta(days=days_ago)).isoformat()


def post(api, order, action, body):
    return api.post(f"/api/v1/platform/orders/{order.pk}/{action}/", body, format="json")


def test_receipt_then_charge_pays_the_order_and_settles_proceeds(platform_api, order):
    resp = post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    assert resp.status_code == 200 and resp.json()["status"] == "receipt_confirmed"
    assert store_exposure(store_id=order.store_id) == Decimal("200.00")
    resp = post(platform_api, order, "consumer-charge", {"succeeded": True, "at": at(1)})
    assert resp.status_code == 200 and resp.json()["status"] == "paid"
    order.refresh_from_db()
    assert order.charged_at is not None and order.advanced_at is None
    proceeds = LedgerEntry.objects.get(kind="order_proceeds")
    assert proceeds.amount == Decimal("200.00") and proceeds.reference == f"order:{order.pk}"
    assert proceeds.created_at == order.charged_at  # the normal cycle: 0 days after completion
    assert store_exposure(store_id=order.store_id) == Decimal("0.00")
    assert wallet_balance(store_id=order.store_id) == Decimal("198.00")  # 200 proceeds − 2.00 fee
    reasons = list(order.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["paylater: accepted", "platform: receipt confirmed", "platform: consumer charged"]


def test_failed_charge_is_a_platform_advance_paying_the_merchant_in_full(platform_api, order):
    post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    resp = post(platform_api, order, "consumer-charge", {"succeeded": False, "at": at(1)})
    assert resp.status_code == 200 and resp.json()["status"] == "advanced"
    order.refresh_from_db()
    assert order.advanced_at is not None
    assert LedgerEntry.objects.get(kind="order_proceeds").amount == Decimal("200.00")
    assert store_exposure(store_id=order.store_id) == Decimal("200.00")  # advanced, not recovered
    resp = post(platform_api, order, "advance-recovered", {"at": at(0)})
    assert resp.status_code == 200 and resp.json()["status"] == "advanced"
    order.refresh_from_db()
    assert order.advance_recovered_at is not None
    assert store_exposure(store_id=order.store_id) == Decimal("0.00")
    assert LedgerEntry.objects.filter(kind="order_proceeds").count() == 1


def test_charge_before_receipt_is_409_invalid_state(platform_api, order):
    resp = post(platform_api, order, "consumer-charge", {"succeeded": True, "at": at(1)})
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_state"
    order.refresh_from_db()
    assert order.status == "placed" and not LedgerEntry.objects.filter(kind="order_proceeds").exists()


def test_receipt_twice_is_409(platform_api, order):
    post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    resp = post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_state"


def test_recovering_twice_or_a_paid_order_is_409(platform_api, order):
    post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    assert post(platform_api, order, "advance-recovered", {"at": at(0)}).status_code == 409
    post(platform_api, order, "consumer-charge", {"succeeded": False, "at": at(1)})
    assert post(platform_api, order, "advance-recovered", {"at": at(0)}).status_code == 200
    assert post(platform_api, order, "advance-recovered", {"at": at(0)}).status_code == 409


def test_cancelled_order_cannot_be_confirmed(platform_api, order):
    order_record_refund(order_id=order.pk, amount=order.amount, at=timezone.now(), reference="case:9")
    resp = post(platform_api, order, "receipt", {"confirmed_at": at(0)})
    assert resp.status_code == 409


def test_event_before_the_previous_step_is_400(platform_api, order):
    resp = post(platform_api, order, "receipt", {"confirmed_at": at(5)})
    assert resp.status_code == 400 and resp.json()["code"] == "timestamp_out_of_order"


def test_naive_or_future_timestamps_are_400(platform_api, order):
    assert post(platform_api, order, "receipt", {"confirmed_at": "2026-01-01T00:00:00"}).json()["code"] == "invalid"
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert post(platform_api, order, "receipt", {"confirmed_at": future}).json()["code"] == "timestamp_in_future"


def test_unknown_or_standard_order_is_404(platform_api, order):
    assert post(platform_api, Order(pk=999999), "receipt", {"confirmed_at": at(0)}).status_code == 404
    Order.objects.filter(pk=order.pk).update(payment_method="standard")
    assert post(platform_api, order, "receipt", {"confirmed_at": at(0)}).status_code == 404


def test_merchant_token_on_platform_lifecycle_is_403(merchant_api, order):
    assert post(merchant_api, order, "receipt", {"confirmed_at": at(0)}).status_code == 403


def test_partial_refund_before_charge_settles_only_the_rest(platform_api, order):
    order_record_refund(order_id=order.pk, amount=Decimal("50.00"), at=timezone.now(), reference="case:2")
    post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    post(platform_api, order, "consumer-charge", {"succeeded": True, "at": at(1)})
    assert LedgerEntry.objects.get(kind="order_proceeds").amount == Decimal("150.00")


def test_refund_after_settlement_debits_the_settled_proceeds(platform_api, order):
    post(platform_api, order, "receipt", {"confirmed_at": at(2)})
    post(platform_api, order, "consumer-charge", {"succeeded": True, "at": at(1)})
    order_record_refund(order_id=order.pk, amount=Decimal("200.00"), at=timezone.now(), reference="case:3")
    assert LedgerEntry.objects.get(kind="refund").amount == Decimal("-200.00")
    assert wallet_balance(store_id=order.store_id) == Decimal("-2.00")  # the fee stays charged


def test_merchant_lists_paylater_orders_with_full_price(api, order):
    from tests.factories import merchant_token
    api.with_token(merchant_token(order.store.owner))
    rows = api.get("/api/v1/merchant/paylater/orders/").json()["results"]
    assert [(r["id"], r["amount"], r["fee"], r["status"]) for r in rows] == [(order.pk, "200.00", "2.00", "placed")]


def test_the_merchant_paylater_order_list_counts_and_pages_from_its_own_index(api, order):
    """A busy store's page: its `count` and its rows come from the pay-later list index alone,
    not from one heap page per order of the store (bench/merchant_lists.py)."""
    from tests.factories import merchant_token
    api.with_token(merchant_token(order.store.owner))
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/merchant/paylater/orders/").status_code == 200
    listed = [q["sql"] for q in queries.captured_queries if 'FROM "merchants_order"' in q["sql"]]
    assert len(listed) == 2  # the count, the page
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a test's tiny table: can the index answer at all?
        for sql in listed:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "order_paylater_list" in plan, plan
        cursor.execute("SET enable_seqscan = on")
