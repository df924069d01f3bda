"""The monthly risk self-check is one statement per batch (`risk.services.risk_check_sql`; one
store is a batch of one), the only place its rule lives (SPEC §5, §6): the effective limit with
a raised limit, who gets the event, a failing provider, JIT. The points at their boundaries:
tests/insight/test_risk_checks.py."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from merchants import registry
from merchants.applications.models import CreditApplication
from merchants.models import Order, RiskCheck
from merchants.risk.services import EVENT, risk_check_stores
from merchants.webhooks.models import WebhookEndpoint, WebhookEvent
from merchants.webhooks.services import endpoint_create
from tests.factories import OrderFactory, StoreFactory, StoreMetricsFactory
from tests.merchants.factories import CreditApplicationFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
NOV_2 = dt.datetime(2026, 11, 2, 2, tzinfo=dt.timezone.utc)


def unrecovered(store):
    check = RiskCheck.objects.get(store=store, month=OCT)
    return next((p["value"], p["status"]) for p in check.points if p["code"] == "unrecovered_advances")


@pytest.mark.parametrize("step2_at, expected", [
    (NOV_2 - dt.timedelta(days=1), ("0.1111", "warning")),  # 1,000 ÷ 9,001: the whole increase is active
    (NOV_2 + dt.timedelta(days=1), ("0.2000", "warning")),  # 1,000 ÷ (1,000 + half of 8,001 = 5,000.50)
    (None, ("0.2000", "warning")),
])
def test_advances_are_measured_against_the_effective_limit_raised_limits_included(step2_at, expected):
    raised = StoreFactory(base_limit=Decimal("1000.00"))
    CreditApplicationFactory(store=raised, status=CreditApplication.Status.APPROVED,
                             decided_at=NOV_2 - dt.timedelta(days=20), granted_limit=Decimal("9001.00"),
                             effective_limit_at_approval=Decimal("1000.00"), step1_at=NOV_2 - dt.timedelta(days=10),
                             step2_at=step2_at)
    plain = StoreFactory(base_limit=Decimal("1000.00"))
    for store in (raised, plain):
        OrderFactory(product__store=store, amount=Decimal("1000.00"), status=Order.Status.ADVANCED,
                     paid_at=NOV_2 - dt.timedelta(days=3))
    risk_check_stores(store_ids=[raised.pk, plain.pk], month=OCT, now=NOV_2)
    assert unrecovered(raised) == expected
    assert unrecovered(plain) == ("1.0000", "breach")


def test_only_stores_with_an_enabled_endpoint_for_the_event_get_it():
    stores = {kind: StoreFactory() for kind in ("listens", "none", "disabled", "other")}
    for kind, store in stores.items():
        StoreMetricsFactory(store=store, month=OCT, dispute_rate=Decimal("0.0200"))
        if kind != "none":
            endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks",
                                       events=["credit_limit.changed"] if kind == "other" else [EVENT])
            if kind == "disabled":
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    risk_check_stores(store_ids=[s.pk for s in stores.values()], month=OCT, now=NOV_2)
    assert RiskCheck.objects.filter(month=OCT, status="breach").count() == 4
    assert list(WebhookEvent.objects.values_list("store_id", "type")) == [(stores["listens"].pk, EVENT)]


def test_a_provider_whose_sql_fails_fails_the_check_and_writes_nothing():
    """No fallback to another rule: the error reaches the caller (the monthly job logs it and goes
    on with the next batch)."""
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT)
    broken = (lambda month: ("SELECT id AS store_id, no_such_column FROM merchants_store", {}), ("dispute_rate",))
    with registry.overridden(credit_metrics=[broken]), pytest.raises(Exception, match="no_such_column"):
        risk_check_stores(store_ids=[store.pk], month=OCT, now=NOV_2)
    assert not RiskCheck.objects.filter(store=store).exists()


def test_the_batch_statement_runs_without_jit():
    """As the evaluation's (tests/merchants/test_credit_evaluation_edges.py): JIT off for the batch."""
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        risk_check_stores(store_ids=[store.pk], month=OCT, now=NOV_2)
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    assert RiskCheck.objects.filter(store=store, month=OCT).exists()
