import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from merchants.models import Category, LedgerEntry, Order, StoreMetrics
from tests.factories import CategoryFactory, LedgerEntryFactory, OrderFactory, ProductFactory, StoreFactory

pytestmark = pytest.mark.django_db


# --- platform: stores, categories, products, metrics, top-ups --------------------------------
def test_new_owner_gets_a_token_once_and_an_existing_owner_does_not(platform_api):
    category = CategoryFactory()
    body = {"name": "A", "owner_username": "owner1", "category": category.pk, "city": "武汉"}
    first = platform_api.post("/api/v1/platform/stores/", body, format="json")
    second = platform_api.post("/api/v1/platform/stores/", {**body, "name": "B"}, format="json")
    assert first.status_code == second.status_code == 201
    assert "owner_token" in first.json() and "owner_token" not in second.json()


@pytest.mark.parametrize("field,value", [
    ("name", "x" * 101), ("name", "bad\x00name"), ("city", ""), ("category", 999999), ("grade", "D"),
    ("owner_username", "has space"),
])
def test_store_creation_rejects_bad_input_with_400(platform_api, field, value):
    category = CategoryFactory()
    body = {"name": "A", "owner_username": "o", "category": category.pk, "city": "武汉", field: value}
    r = platform_api.post("/api/v1/platform/stores/", body, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and field in r.json()["fields"]


def test_duplicate_category_under_one_parent_is_refused(platform_api):
    platform_api.post("/api/v1/platform/categories/", {"name": "Toys"}, format="json")
    r = platform_api.post("/api/v1/platform/categories/", {"name": "Toys"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "category_exists"


def test_category_is_created_under_its_parent(platform_api):
    parent = CategoryFactory()
    r = platform_api.post("/api/v1/platform/categories/", {"name": "Lego", "parent": parent.pk,
                                                            "paylater_excluded": True}, format="json")
    assert r.status_code == 201
    assert Category.objects.get(pk=r.json()["id"]).parent == parent


def test_default_excluded_categories_exist():
    excluded = set(Category.objects.filter(paylater_excluded=True).values_list("name", flat=True))
    assert len(excluded) >= 7
    assert Category.objects.get(name__startswith="生鲜").is_fresh


@pytest.mark.parametrize("price", ["0", "-1", "12.345", "abc", True, None])
def test_product_price_must_be_positive_money(platform_api, store, price):
    r = platform_api.post("/api/v1/platform/products/", {"store": store.pk, "title": "t",
                                                          "category": CategoryFactory().pk, "price": price},
                          format="json")
    assert r.status_code == 400 and "price" in r.json()["fields"]


def test_product_is_created_and_price_accepted_as_number_or_string(platform_api, store):
    category = CategoryFactory()
    for price in (19.9, "19.90"):
        r = platform_api.post("/api/v1/platform/products/", {"store": store.pk, "title": "t",
                                                              "category": category.pk, "price": price},
                              format="json")
        assert r.status_code == 201
    assert store.products.filter(price=Decimal("19.90")).count() == 2


def test_metrics_are_upserted_per_month(platform_api, store):
    url = f"/api/v1/platform/stores/{store.pk}/metrics/"
    assert platform_api.post(url, {"month": "2026-10", "monthly_sales": "5000", "dsr_score": 4.8},
                             format="json").status_code == 201
    assert platform_api.post(url, {"month": "2026-10", "dsr_score": "4.9", "repeat_rate": 0.3},
                             format="json").status_code == 201
    metrics = StoreMetrics.objects.get(store=store)
    assert (metrics.monthly_sales, metrics.dsr_score, metrics.repeat_rate) == (
        Decimal("5000.00"), Decimal("4.90"), Decimal("0.3000"))


@pytest.mark.parametrize("body", [{"month": "2026-13"}, {"month": "oct"}, {"month": "2026-10", "dsr_score": 6},
                                  {"month": "2026-10", "repeat_rate": 1.5}])
def test_bad_metrics_are_400(platform_api, store, body):
    r = platform_api.post(f"/api/v1/platform/stores/{store.pk}/metrics/", body, format="json")
    assert r.status_code == 400


def test_metrics_for_an_unknown_store_are_404(platform_api):
    r = platform_api.post("/api/v1/platform/stores/999999/metrics/", {"month": "2026-10"}, format="json")
    assert r.status_code == 404


@pytest.mark.parametrize("amount", ["0", "-10.00", "1.001", "NaN", "1e400", ""])
def test_topup_amount_must_be_positive_money(platform_api, store, amount):
    r = platform_api.post(f"/api/v1/platform/stores/{store.pk}/wallet-topups/", {"amount": amount},
                          format="json")
    assert r.status_code == 400
    assert not LedgerEntry.objects.exists()


def test_topup_creates_a_ledger_entry(platform_api, store):
    r = platform_api.post(f"/api/v1/platform/stores/{store.pk}/wallet-topups/", {"amount": "88.80"},
                          format="json")
    assert r.status_code == 201
    assert r.json()["kind"] == "topup" and r.json()["amount"] == "88.80"
    assert r.json()["created_at"].endswith("+08:00")


# --- platform: orders ---------------------------------------------------------------------------
def order_body(product_obj, **over):
    body = {"store": product_obj.store_id, "product": product_obj.pk, "buyer_id": "b1", "amount": "99.00",
            "paid_at": "2026-11-20T10:00:00+08:00", "channel": "taote", "payment_method": "standard"}
    body.update(over)
    return body


def test_standard_order_is_recorded_as_paid(platform_api):
    product = ProductFactory()
    r = platform_api.post("/api/v1/platform/orders/", order_body(product), format="json")
    assert r.status_code == 201
    assert r.json()["status"] == "paid" and r.json()["fee"] == "0.00"
    order = Order.objects.get(pk=r.json()["id"])
    assert order.paid_at == dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.timezone.utc)


def test_order_for_another_stores_product_is_refused(platform_api, other_store):
    product = ProductFactory()
    r = platform_api.post("/api/v1/platform/orders/", order_body(product, store=other_store.pk), format="json")
    assert r.status_code == 400 and r.json()["code"] == "product_not_in_store"
    assert not Order.objects.exists()


@pytest.mark.parametrize("paid_at", ["2026-11-20T10:00:00", "yesterday", "2026-02-30T10:00:00+08:00", ""])
def test_naive_or_malformed_timestamps_are_400(platform_api, paid_at):
    r = platform_api.post("/api/v1/platform/orders/", order_body(ProductFactory(), paid_at=paid_at), format="json")
    assert r.status_code == 400 and "paid_at" in r.json()["fields"]


def test_paid_at_more_than_5_minutes_ahead_is_refused(platform_api):
    ahead = (timezone.now() + dt.timedelta(minutes=6)).isoformat()
    r = platform_api.post("/api/v1/platform/orders/", order_body(ProductFactory(), paid_at=ahead), format="json")
    assert r.status_code == 400 and r.json()["code"] == "timestamp_in_future"


@pytest.mark.parametrize("field,value", [("buyer_id", "x" * 65), ("buyer_id", "a\x00b"), ("channel", "tmall"),
                                         ("amount", "-1"), ("product", 999999), ("store", "abc")])
def test_bad_order_fields_are_400(platform_api, field, value):
    r = platform_api.post("/api/v1/platform/orders/", order_body(ProductFactory(), **{field: value}), format="json")
    assert r.status_code == 400 and field in r.json()["fields"]


# --- merchant: tenant isolation ------------------------------------------------------------------
def test_merchant_sees_only_own_stores_with_credit_and_wallet(merchant_api, store, other_store):
    LedgerEntryFactory(store=store, amount=Decimal("12.50"))
    body = merchant_api.get("/api/v1/merchant/stores/").json()
    assert [s["id"] for s in body["results"]] == [store.pk]
    detail = body["results"][0]
    assert detail["wallet"] == {"balance": "12.50", "upgraded": True}
    assert set(detail["credit"]) >= {"base_limit", "effective_limit", "available", "exposure", "frozen_until"}


def test_ledger_entries_are_own_and_newest_first(merchant_api, store, other_store):
    old = LedgerEntryFactory(store=store, created_at=timezone.now() - dt.timedelta(days=1))
    new = LedgerEntryFactory(store=store)
    LedgerEntryFactory(store=other_store)
    ids = [e["id"] for e in merchant_api.get("/api/v1/merchant/ledger-entries/").json()["results"]]
    assert ids == [new.pk, old.pk]
    assert merchant_api.get(f"/api/v1/merchant/ledger-entries/?store={other_store.pk}").json()["count"] == 0
    assert merchant_api.get(f"/api/v1/merchant/ledger-entries/{LedgerEntryFactory(store=other_store).pk}/"
                            ).status_code == 404


def test_products_are_own_only(merchant_api, store, other_store):
    mine = ProductFactory(store=store)
    theirs = ProductFactory(store=other_store)
    assert [p["id"] for p in merchant_api.get("/api/v1/merchant/products/").json()["results"]] == [mine.pk]
    assert merchant_api.get(f"/api/v1/merchant/products/{theirs.pk}/").status_code == 404


def test_merchant_cannot_write_to_read_only_lists(merchant_api):
    assert merchant_api.post("/api/v1/merchant/ledger-entries/", {}, format="json").status_code == 405


def test_store_list_query_count_does_not_grow_with_stores(merchant_api, store, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        merchant_api.get("/api/v1/merchant/ledger-entries/")
    for _ in range(10):
        LedgerEntryFactory(store=store)
    with CaptureQueriesContext(connection) as many:
        merchant_api.get("/api/v1/merchant/ledger-entries/")
    assert len(many) == len(one)


def test_wallet_upgraded_flag_is_reported(merchant_api, store):
    StoreFactory()  # noise
    assert merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/").json()["wallet"]["upgraded"] is True


def test_store_list_costs_the_same_queries_for_one_store_or_many(api, store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merchants.models import Sanction
    from tests.factories import merchant_token

    client = api.with_token(merchant_token(store.owner))
    client.get("/api/v1/merchant/stores/")  # warm-up: token last-used stamp
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/merchant/stores/").status_code == 200
    for _ in range(6):
        extra = StoreFactory(owner=store.owner)
        OrderFactory(product=ProductFactory(store=extra), payment_method="paylater", status="placed")
        Sanction.objects.create(store=extra, kind="credit_freeze", starts_at=timezone.now() - dt.timedelta(days=1),
                                ends_at=timezone.now() + dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/merchant/stores/").json()
    assert body["count"] == 7
    assert len(many) == len(one)
    frozen = [s for s in body["results"] if s["credit"]["frozen_until"]]
    assert len(frozen) == 6 and all(s["credit"]["available"] == "0.00" for s in frozen)
    assert {s["credit"]["exposure"] for s in frozen} == {"99.00"}
