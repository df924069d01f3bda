"""Pay-later intake commits once per order (decision 0033, "One commit"): the Idempotency-Key
claim, the order (or the refusal's record) and the stored answer share one transaction. Duplicates
still never act twice, refusals are still replayed, and a failure leaves no claim behind."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.models import IdempotencyRecord
from merchants import registry
from merchants.models import LedgerEntry, Order
from merchants.orders.selectors import store_exposure
from paylater.models import Refusal

from .factories import paylater_product, paylater_store

URL = "/api/v1/platform/orders/"


def order_body(product, **over):
    return {"store": product.store_id, "product": product.pk, "buyer_id": "b1", "amount": "70.00",
            "paid_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "channel": "taote",
            "payment_method": "paylater", "buyer_credit_score": 85, **over}


@pytest.mark.django_db(transaction=True)
def test_the_idempotency_claim_is_written_inside_the_orders_transaction(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    platform_api.post(URL, order_body(product, buyer_id="warm"), format="json")  # token's last_used_at stamped
    with CaptureQueriesContext(connection) as queries:
        resp = platform_api.post(URL, order_body(product), format="json", HTTP_IDEMPOTENCY_KEY="one-commit")
    assert resp.status_code == 201, resp.json()
    sqls = [q["sql"] for q in queries.captured_queries]
    begin = next(i for i, sql in enumerate(sqls) if sql.startswith("BEGIN"))
    claim = next(i for i, sql in enumerate(sqls) if "idempotencyrecord" in sql.lower())
    assert begin < claim  # not autocommitted on its own: one commit for claim, order and answer
    record = IdempotencyRecord.objects.get(key="one-commit")
    assert record.completed and record.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_a_refused_order_commits_once_its_claim_its_refusal_record_and_its_answer(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("50.00")))
    platform_api.post(URL, order_body(product, buyer_id="warm", amount="1.00"), format="json")  # last_used_at
    with CaptureQueriesContext(connection) as queries:
        resp = platform_api.post(URL, order_body(product), format="json", HTTP_IDEMPOTENCY_KEY="refused-once")
    assert resp.status_code == 400 and resp.json()["code"] == "credit_limit_exceeded"
    sqls = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert sqls.count("BEGIN") == 1 and sqls.count("COMMIT") == 1 and "ROLLBACK" not in sqls
    assert Refusal.objects.filter(store=product.store, amount=Decimal("70.00")).count() == 1
    record = IdempotencyRecord.objects.get(key="refused-once")
    assert record.completed and record.status_code == 400


@pytest.mark.django_db
def test_a_refused_order_writes_no_order_and_its_refusal_is_replayed(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("50.00")))
    body = order_body(product)
    first = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="refused")
    second = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="refused")
    assert first.status_code == second.status_code == 400
    assert first.json()["code"] == second.json()["code"] == "credit_limit_exceeded"
    assert second["Idempotent-Replayed"] == "true"
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()
    assert IdempotencyRecord.objects.get(key="refused").completed


@pytest.mark.django_db(transaction=True)
def test_a_failed_order_leaves_no_claim_so_a_retry_acts(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    body = order_body(product)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    platform_api.raise_request_exception = False
    with registry.overridden(paylater_orders=broken):
        failed = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="retry")
    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="retry").exists()
    retried = platform_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="retry")
    assert retried.status_code == 201 and Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_of_one_order_wait_for_it_and_replay_it(threads):
    from tests.conftest import Api
    from tests.factories import platform_token

    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    key, body = platform_token(), order_body(product)

    def post(i):
        resp = Api().with_token(key).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="burst")
        return resp.status_code, resp.json().get("id")

    results = threads(post, 8)
    assert Order.objects.count() == 1 and LedgerEntry.objects.filter(kind="paylater_fee").count() == 1
    assert set(results) == {(201, Order.objects.get().pk)}  # each waited on the claim, then replayed


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_through_the_api_never_push_exposure_above_the_limit(threads):
    from tests.conftest import Api
    from tests.factories import platform_token

    store = paylater_store(base_limit=Decimal("1000.00"))
    product = paylater_product(store)
    key = platform_token()

    def post(i):
        resp = Api().with_token(key).post(URL, order_body(product, buyer_id=f"b{i}"), format="json",
                                          HTTP_IDEMPOTENCY_KEY=f"k{i}")
        return resp.status_code

    statuses = threads(post, 20)
    assert statuses.count(201) == 14 and statuses.count(400) == 6  # 14 × 70 = 980 ≤ 1000 < 15 × 70
    assert store_exposure(store_id=store.pk) == Decimal("980.00")
    assert IdempotencyRecord.objects.filter(completed=True).count() == 20
