import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from config import timeutil
from merchants.credit.selectors import store_credit
from merchants.ledger.selectors import wallet_balance
from merchants.models import LedgerEntry, Order, Sanction, Store
from merchants.orders.selectors import store_exposure
from merchants.orders.services import order_record_refund
from paylater import services
from paylater.models import FeeRate
from tests.factories import CategoryFactory, ProductFactory, StoreFactory

from .factories import ActivityFactory, ActivityItemFactory, paylater_product, paylater_store

URL = "/api/v1/platform/orders/"
pytestmark = pytest.mark.django_db


def order_body(item, **over):
    body = {"store": item.store_id, "product": item.pk, "buyer_id": "b1", "amount": "99.00",
            "paid_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "channel": "taote",
            "payment_method": "paylater", "buyer_credit_score": 85}
    body.update(over)
    return body


@pytest.fixture
def pl_store(db):
    return paylater_store(base_limit=Decimal("1000.00"))


@pytest.fixture
def product(pl_store):
    return paylater_product(pl_store)


def test_accepted_order_is_placed_with_fee_debited_from_wallet(platform_api, product):
    resp = platform_api.post(URL, order_body(product), format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["status"] == "placed" and body["fee"] == "0.99"
    order = Order.objects.get(pk=body["id"])
    assert order.payment_method == "paylater" and order.amount == Decimal("99.00")
    fee = LedgerEntry.objects.get(idempotency_key=f"order:{order.pk}:fee")
    assert fee.kind == "paylater_fee" and fee.amount == Decimal("-0.99") and fee.reference == f"order:{order.pk}"
    assert wallet_balance(store_id=product.store_id) == Decimal("-0.99")  # a wallet may go negative
    assert store_exposure(store_id=product.store_id) == Decimal("99.00")


def test_not_enrolled_store_is_refused(platform_api):
    store = StoreFactory(base_limit=Decimal("1000.00"))
    item = ActivityItemFactory(activity=ActivityFactory(store=store), product=ProductFactory(store=store))
    resp = platform_api.post(URL, order_body(item.product), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "paylater_not_enrolled"
    assert not Order.objects.exists()


def test_suspended_store_is_refused_with_store_suspended(platform_api, product):
    Store.objects.filter(pk=product.store_id).update(status=Store.Status.SUSPENDED)
    resp = platform_api.post(URL, order_body(product), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "store_suspended"


@pytest.mark.parametrize("kind, code", [(Sanction.Kind.CREDIT_FREEZE, "store_frozen"),
                                        (Sanction.Kind.PAYLATER_SUSPENSION, "paylater_suspended")])
def test_sanctioned_store_is_refused(platform_api, product, kind, code):
    now = timezone.now()
    Sanction.objects.create(store=product.store, kind=kind, starts_at=now - dt.timedelta(hours=1),
                            ends_at=now + dt.timedelta(days=15))
    resp = platform_api.post(URL, order_body(product), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == code
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()


def test_expired_freeze_no_longer_refuses(platform_api, product):
    now = timezone.now()
    Sanction.objects.create(store=product.store, kind=Sanction.Kind.CREDIT_FREEZE,
                            starts_at=now - dt.timedelta(days=20), ends_at=now - dt.timedelta(days=5))
    assert platform_api.post(URL, order_body(product), format="json").status_code == 201


def test_product_not_in_an_active_item_at_paid_at_is_refused(platform_api, pl_store):
    plain = ProductFactory(store=pl_store)
    resp = platform_api.post(URL, order_body(plain), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "product_not_in_activity"


def test_product_checked_at_paid_at_not_at_arrival(platform_api, pl_store):
    now = timezone.now()
    activity = ActivityFactory(store=pl_store, duration="short_term", starts_at=now - dt.timedelta(days=2),
                               ends_at=now - dt.timedelta(hours=1))
    item = ActivityItemFactory(activity=activity, product=ProductFactory(store=pl_store))
    inside = order_body(item.product, paid_at=(now - dt.timedelta(hours=2)).isoformat())
    assert platform_api.post(URL, inside, format="json").status_code == 201
    after = order_body(item.product, paid_at=(now - dt.timedelta(minutes=30)).isoformat())
    resp = platform_api.post(URL, after, format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "product_not_in_activity"


@pytest.mark.parametrize("score, accepted", [(79, False), (80, True), (None, False)])
def test_buyer_credit_score_at_least_80(platform_api, product, score, accepted):
    resp = platform_api.post(URL, order_body(product, buyer_credit_score=score), format="json")
    if accepted:
        assert resp.status_code == 201
    else:
        assert resp.status_code == 400 and resp.json()["code"] == "buyer_not_eligible"


def test_amount_must_fit_the_available_limit(platform_api, product):
    assert platform_api.post(URL, order_body(product, amount="900.00"), format="json").status_code == 201
    resp = platform_api.post(URL, order_body(product, amount="100.01"), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "credit_limit_exceeded"
    assert platform_api.post(URL, order_body(product, amount="100.00"), format="json").status_code == 201
    credit = store_credit(store=Store.objects.get(pk=product.store_id))
    assert credit.exposure == Decimal("1000.00") and credit.available == Decimal("0.00")


def test_product_of_another_store_is_refused(platform_api, product):
    other = paylater_product(paylater_store())
    resp = platform_api.post(URL, order_body(product, product=other.pk), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "product_not_in_store"


def test_paid_at_more_than_5_minutes_ahead_is_400(platform_api, product):
    ahead = (timezone.now() + dt.timedelta(minutes=6)).isoformat()
    resp = platform_api.post(URL, order_body(product, paid_at=ahead), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "timestamp_in_future"


def test_naive_paid_at_is_400(platform_api, product):
    resp = platform_api.post(URL, order_body(product, paid_at="2026-01-01T10:00:00"), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "invalid"


# --- fees -------------------------------------------------------------------------------------
def local(*args):
    return dt.datetime(*args, tzinfo=timeutil.platform_tz())


@pytest.mark.parametrize("paid_at, fee", [
    (local(2022, 1, 5, 23, 59, 59), Decimal("10.00")),
    (local(2022, 1, 6, 0, 0, 0), Decimal("1.00")),
    (local(2022, 4, 6, 23, 59, 59), Decimal("1.00")),
    (local(2022, 4, 7, 0, 0, 0), Decimal("10.00")),
])
def test_promotional_rate_covers_2022_01_06_to_04_06_local_inclusive(pl_store, paid_at, fee):
    product = paylater_product(pl_store)
    order = services.paylater_order_accept(store=pl_store, product=product, buyer_id="b", amount=Decimal("1000.00"),
                                           paid_at=paid_at, channel="taote", buyer_credit_score=90)
    assert order.fee == fee
    assert LedgerEntry.objects.get(kind="paylater_fee").amount == -fee


@pytest.mark.parametrize("amount, paid_at, fee", [
    (Decimal("0.50"), local(2023, 1, 1, 12), Decimal("0.01")),      # 0.005 → half-up to 0.01
    (Decimal("0.49"), local(2023, 1, 1, 12), Decimal("0.00")),      # 0.0049 → 0.00, no ledger entry
    (Decimal("5.50"), local(2022, 2, 1, 12), Decimal("0.01")),      # 0.0055 → 0.01
    (Decimal("150.50"), local(2023, 1, 1, 12), Decimal("1.51")),    # 1.505 → 1.51
])
def test_fee_rounds_half_up_to_the_fen(pl_store, amount, paid_at, fee):
    product = paylater_product(pl_store)
    order = services.paylater_order_accept(store=pl_store, product=product, buyer_id="b", amount=amount,
                                           paid_at=paid_at, channel="taote", buyer_credit_score=90)
    assert order.fee == fee
    assert LedgerEntry.objects.filter(kind="paylater_fee").count() == (1 if fee else 0)


def test_fee_rate_is_an_editable_dated_policy(pl_store):
    FeeRate.objects.create(name="2023 promo", rate=Decimal("0.0050"), starts_on=dt.date(2023, 3, 1),
                           ends_on=dt.date(2023, 3, 31))
    product = paylater_product(pl_store)
    order = services.paylater_order_accept(store=pl_store, product=product, buyer_id="b", amount=Decimal("100.00"),
                                           paid_at=local(2023, 3, 31, 23, 0), channel="taote", buyer_credit_score=90)
    assert order.fee == Decimal("0.50")


def test_fee_is_never_refunded_when_the_order_is_refunded(platform_api, product):
    order_id = platform_api.post(URL, order_body(product), format="json").json()["id"]
    order = order_record_refund(order_id=order_id, amount=Decimal("99.00"), at=timezone.now(), reference="case:1")
    assert order.status == "cancelled"
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [("paylater_fee", Decimal("-0.99"))]
    assert store_exposure(store_id=product.store_id) == Decimal("0.00")


def test_replayed_order_with_idempotency_key_charges_the_fee_once(platform_api, product):
    body = order_body(product)
    first = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json() == second.json()
    assert Order.objects.count() == 1 and LedgerEntry.objects.filter(kind="paylater_fee").count() == 1


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc), tick=False)
def test_standard_orders_do_not_need_paylater(platform_api):
    store = StoreFactory()
    product = ProductFactory(store=store, category=CategoryFactory(paylater_excluded=True))
    body = order_body(product, payment_method="standard", buyer_credit_score=None)
    resp = platform_api.post(URL, body, format="json")
    assert resp.status_code == 201 and resp.json()["fee"] == "0.00" and resp.json()["status"] == "paid"
