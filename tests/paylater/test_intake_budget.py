"""The query budget of pay-later order intake (issue 16): every rule is still checked, in few
round trips, because intake runs once per order at the platform's order rate."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from merchants.models import LedgerEntry, Order

from .factories import paylater_product, paylater_store

URL = "/api/v1/platform/orders/"


def order_body(item, **over):
    return {"store": item.store_id, "product": item.pk, "buyer_id": "b1", "amount": "99.00",
            "paid_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "channel": "taote",
            "payment_method": "paylater", "buyer_credit_score": 85, **over}


@pytest.mark.django_db(transaction=True)  # real transactions, as in production: no test savepoints
def test_accepting_a_paylater_order_costs_at_most_8_queries(platform_api):
    """The order, its history row and its fee entry are three plain inserts (decision 0047): the
    ORM's save, simple_history's row, the ledger's set-based insert."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    platform_api.post(URL, order_body(product, buyer_id="warm"), format="json")  # token's last_used_at stamped
    with CaptureQueriesContext(connection) as queries:
        resp = platform_api.post(URL, order_body(product), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert resp.status_code == 201, resp.json()
    control = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("BEGIN") or q["sql"] == "COMMIT"]
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in control]
    # token, idempotency claim, store lock with its facts, exposure, order, history, fee, replay copy
    assert len(statements) <= 8, "\n".join(s[:120] for s in statements)
    assert sum(sql.startswith("BEGIN") for sql in control) <= 1  # one transaction
    assert not any(s.startswith("SAVEPOINT") for s in statements)
    order = Order.objects.get(pk=resp.json()["id"])
    assert order.status == "placed" and order.history.count() == 1
    assert LedgerEntry.objects.filter(idempotency_key=f"order:{order.pk}:fee").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("over, field", [({"product": 999999}, "product"), ({"store": 999999}, "store"),
                                         ({"product": "abc"}, "product"), ({"store": True}, "store")])
def test_an_id_that_names_nothing_is_refused_as_before_with_its_field(platform_api, over, field):
    """The intake reads store and product in its own statements; a bad id still gets OrderIn's answer."""
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    resp = platform_api.post(URL, order_body(product, **over), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "invalid" and field in resp.json()["fields"]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_product_of_another_store_is_refused_before_any_order_is_written(platform_api):
    product = paylater_product(paylater_store(base_limit=Decimal("1000.00")))
    other = paylater_store(base_limit=Decimal("1000.00"))
    resp = platform_api.post(URL, order_body(product, store=other.pk), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "product_not_in_store"
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()
