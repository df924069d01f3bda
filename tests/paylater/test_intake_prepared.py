"""Pay-later intake on PostgreSQL (decision 0043): the order, its history row and its fee entry
are one statement, and intake's statements are prepared once per connection. The rows written
are the ones the ORM's saves wrote, and the prepared exposure still reads its partial index."""
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


@pytest.mark.postgres
@pytest.mark.django_db
def test_with_prepared_statements_off_intake_binds_on_the_client_and_writes_the_same_rows(platform_api):
    """DB_PREPARED_STATEMENTS=0 (PgBouncer in transaction mode before 1.21) leaves the connection
    without a prepare threshold: the same statements then run through Django's ordinary cursor."""
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None
    try:
        product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
        body = order_body(product)
        resp = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="plain")
        again = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="plain")
        assert not _prepared("merchants_order")
    finally:
        connection.connection.prepare_threshold = threshold
    assert resp.status_code == 201, resp.json()
    assert again.status_code == 201 and again.json()["id"] == resp.json()["id"]  # the stored answer
    order = Order.objects.get(pk=resp.json()["id"])
    assert order.history.count() == 1
    assert LedgerEntry.objects.get(idempotency_key=f"order:{order.pk}:fee").amount == -order.fee


def _prepared(fragment: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       [f"%{fragment}%"])
        return cursor.fetchall()


@pytest.mark.postgres
@pytest.mark.django_db
def test_intakes_statements_are_prepared_once_per_connection(platform_api):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    for n in range(3):
        resp = platform_api.post(URL, order_body(product, buyer_id=f"b{n}"), format="json",
                                 HTTP_IDEMPOTENCY_KEY=f"prepared-{n}")
        assert resp.status_code == 201, resp.json()
    for fragment in ('FROM "core_apitoken"', 'INSERT INTO "core_idempotencyrecord"', 'FOR UPDATE OF "merchants_store"',
                     'SUM(U0."amount")', 'WITH o AS (INSERT INTO "merchants_order"', 'UPDATE "core_idempotencyrecord"'):
        assert len(_prepared(fragment)) == 1, fragment  # three orders, one statement each, planned once
    assert Order.objects.count() == 3 and LedgerEntry.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_prepared_exposure_reads_the_partial_index_even_with_a_generic_plan(platform_api):
    """The rule's constants are written into the statement: a generic plan (what PostgreSQL may
    switch a prepared statement to) can still match `order_store_exposure`'s condition."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    assert platform_api.post(URL, order_body(product), format="json").status_code == 201
    [(name, _statement)] = _prepared('SUM(U0."amount")')
    _, _sql, slots = selectors._INTAKE_EXPOSURE.compile(connection.alias)
    params = selectors._INTAKE_EXPOSURE.params(slots, {"store_id": product.store_id, "now": timezone.now()})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"EXPLAIN EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_store_exposure" in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_order_field_filled_by_pre_save_keeps_the_orm_saves(monkeypatch):
    """The one-statement insert copies attribute values; a field Django fills in pre_save
    (auto_now, auto_now_add) would be written empty, so the ORM's saves stay in charge."""
    from paylater.services import _OrderInsert

    assert _OrderInsert().available()
    monkeypatch.setattr(Order._meta.get_field("created_at"), "auto_now_add", True)
    assert not _OrderInsert().available()
