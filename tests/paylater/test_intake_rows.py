"""Pay-later intake's rows (decision 0047): the order, its history row as simple_history writes it,
its fee entry through the ledger; the exposure read prepared, on its partial index (decision 0048)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from config.language import platform_text
from config.models import ApiToken
from merchants.models import LedgerEntry, Order
from merchants.orders.selectors import store_exposure
from paylater.sql import intake_exposure, intake_exposure_statement, intake_lock_statement

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


def _orders(platform_api, product, n: int, *, first: int = 0) -> None:
    for i in range(first, first + n):
        resp = platform_api.post(URL, order_body(product, buyer_id=f"b{i}"), format="json",
                                 HTTP_IDEMPOTENCY_KEY=f"prepared-{i}")
        assert resp.status_code == 201, resp.json()


def _as_prepared(statement: str, *names: str) -> str:
    for n, name in enumerate(names, start=1):
        statement = statement.replace(f"%({name})s", f"${n}")
    return statement


@pytest.mark.django_db
def test_intake_runs_its_two_reads_prepared_and_nothing_else(platform_api):
    """Decision 0048: the store lock and the read under it are two prepared statements on Django's
    connection, reused by every order; Django's own statements still bind on the client and
    prepare nothing."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    _orders(platform_api, product, 2)
    prepared = sorted(statement for _, statement in _prepared(""))
    assert prepared == sorted([
        _as_prepared(intake_lock_statement(), "product_id", "now", "paid_at", "day", "store_id"),
        _as_prepared(intake_exposure_statement(), "store_id", "now")])
    before = _prepared("")
    _orders(platform_api, product, 1, first=2)
    assert _prepared("") == before  # the same statements, not new ones per order
    assert Order.objects.count() == 3 and LedgerEntry.objects.count() == 3


@pytest.mark.django_db
def test_the_prepared_exposure_reads_its_partial_index_in_the_generic_plan(platform_api):
    """The rule's statuses are literals in the statement's text, so even the plan PostgreSQL keeps for
    every store and time (the generic plan) matches `order_store_exposure`'s condition; with the
    statuses as parameters it could not."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    _orders(platform_api, product, 2)
    [(name, _)] = _prepared("merchants_creditapplication")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether the index matches at all
        cursor.execute(f"EXPLAIN EXECUTE {name}(%s, %s)", [product.store_id, timezone.now()])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_store_exposure" in plan, plan


@pytest.mark.django_db
def test_the_prepared_exposure_is_the_exposure_rule(platform_api):
    """The statement sums exactly the orders `exposure_q` names (its one definition, merchants.orders)."""
    product = paylater_product(paylater_store(base_limit=Decimal("100000.00")))
    _orders(platform_api, product, 4)
    orders = list(Order.objects.order_by("pk"))
    Order.objects.filter(pk=orders[0].pk).update(status=Order.Status.PAID)
    Order.objects.filter(pk=orders[1].pk).update(status=Order.Status.ADVANCED)
    Order.objects.filter(pk=orders[2].pk).update(status=Order.Status.ADVANCED, advance_recovered_at=timezone.now())
    facts = intake_exposure(store_id=product.store_id, now=timezone.now())
    assert facts["exposure"] == store_exposure(store_id=product.store_id) == Decimal("160.00")
    assert (facts["has_approved"], facts["activating"]) == (False, False)
