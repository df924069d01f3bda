"""On PostgreSQL a batch's risk self-check is one statement (`risk.services.risk_check_sql`); it must
store what the Python rule stores (`risk_inputs` + `grade_points`, SPEC §5) — status, severity,
every point's value, levels, status and DSR fall — and emit `risk_check.warning` for the same
stores, on random stores at the levels' boundaries, with advances over base and raised limits,
no limit at all, DSR falling or not, missing values, and a re-check of the month."""
import datetime as dt
import random
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from merchants.applications.models import CreditApplication
from merchants.credit.services import _batch_values, sql_providers
from merchants.models import Order, RiskCheck, RiskPolicy
from merchants.risk import services
from merchants.risk.services import EVENT, risk_check_stores
from merchants.webhooks.models import WebhookEndpoint, WebhookEvent
from merchants.webhooks.services import endpoint_create
from tests.factories import OrderFactory, StoreFactory, StoreMetricsFactory
from tests.merchants.factories import CreditApplicationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

AUG, SEP, OCT = (dt.date(2026, m, 1) for m in (8, 9, 10))
NOV_2 = dt.datetime(2026, 11, 2, 2, tzinfo=dt.timezone.utc)
COLUMNS = ["store_id", "month", "status", "severity", "points", "checked_at"]


def _near(rng, level: Decimal, step: Decimal) -> Decimal:
    """A value at a level, one step either side of it, or anywhere."""
    return rng.choice([level, level - step, level + step, level * 2, Decimal(0)])


def _random_store(rng, policy: RiskPolicy):
    store = StoreFactory(base_limit=Decimal(rng.choice([0, 0, 1000, 5000])))
    if rng.random() < 0.85:
        w = lambda code: policy.levels(code)[rng.randint(0, 1)]  # noqa: E731
        on_time = 1 - _near(rng, w("late_shipment_rate"), Decimal("0.0001"))
        StoreMetricsFactory(
            store=store, month=OCT,
            dispute_rate=None if rng.random() < 0.2 else _near(rng, w("dispute_rate"), Decimal("0.0001")),
            return_rate=_near(rng, w("return_rate"), Decimal("0.0001")),
            on_time_rate=None if rng.random() < 0.2 else max(Decimal(0), min(Decimal(1), on_time)),
            dsr_score=None if rng.random() < 0.15 else min(Decimal("5.00"), _near(rng, w("dsr"), Decimal("0.01"))),
            complaint_response_hours=_near(rng, w("complaint_response_hours"), Decimal("0.01")),
            inventory_turnover_days=None if rng.random() < 0.2 else _near(rng, w("inventory_turnover_days"),
                                                                         Decimal("0.01")))
        for month, bump in ((SEP, "0.10"), (AUG, "0.20")):
            if rng.random() < 0.8:
                dsr = Decimal("4.60") + rng.choice([Decimal(bump), Decimal(0), Decimal("-0.30")])
                StoreMetricsFactory(store=store, month=month, dsr_score=dsr)
    for _ in range(rng.randint(0, 3)):
        OrderFactory(product__store=store, amount=Decimal(rng.choice(["100.00", "499.99", "1000.00", "1500.00"])),
                     status=Order.Status.ADVANCED, paid_at=NOV_2 - dt.timedelta(days=3),
                     advance_recovered_at=NOV_2 if rng.random() < 0.3 else None)
    if rng.random() < 0.2:  # a raised limit: half of it since step 1, all of it since step 2
        CreditApplicationFactory(store=store, status=CreditApplication.Status.APPROVED,
                                 decided_at=NOV_2 - dt.timedelta(days=20), granted_limit=Decimal("9001.00"),
                                 effective_limit_at_approval=Decimal("1000.00"),
                                 step1_at=NOV_2 - dt.timedelta(days=10),
                                 step2_at=rng.choice([None, NOV_2 - dt.timedelta(days=1),
                                                      NOV_2 + dt.timedelta(days=1)]))
    return store


def _check(ids, *, values=None):
    """(rows by store, the events the check wrote to the outbox: (store, type, data) by store)."""
    WebhookEvent.objects.all().delete()
    risk_check_stores(store_ids=ids, month=OCT, now=NOV_2, values=values)
    rows = {r["store_id"]: r for r in RiskCheck.objects.filter(store_id__in=ids, month=OCT).values(*COLUMNS)}
    events = sorted(WebhookEvent.objects.values_list("store_id", "type", "data"), key=lambda e: e[0])
    return rows, events


def _random_endpoints(rng, stores):
    """Most stores listen for the event; some have no endpoint, or only a disabled one, or one for
    other events: the SQL path sends back only the checks of stores with an enabled endpoint."""
    for store in stores:
        kind = rng.choice(["listens", "listens", "listens", "none", "disabled", "other"])
        if kind == "none":
            continue
        endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks",
                                   events=["credit_limit.changed"] if kind == "other" else [EVENT])
        if kind == "disabled":
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)


@pytest.mark.parametrize("seed", [5, 2026])
def test_the_sql_self_check_stores_and_emits_what_the_python_rule_does(seed):
    rng = random.Random(seed)
    policy = RiskPolicy.current()
    policy.save()
    stores = [_random_store(rng, policy) for _ in range(45)]
    _random_endpoints(rng, stores)
    ids = [s.pk for s in stores]
    assert sql_providers()  # the SQL path runs
    # Half the stores were checked before at a random status: re-checking the month emits only
    # for those getting worse.
    earlier = {pk: rng.choice(["ok", "warning", "breach"]) for pk in ids[::2]}

    def seed_earlier():
        RiskCheck.objects.all().delete()
        RiskCheck.objects.bulk_create([RiskCheck(store_id=pk, month=OCT, status=s, points=[], checked_at=NOV_2,
                                                 severity={"ok": 0, "warning": 1, "breach": 2}[s])
                                       for pk, s in earlier.items()])

    seed_earlier()
    by_sql = _check(ids)
    seed_earlier()
    by_python = _check(ids, values=_batch_values(ids, OCT, with_sales=False))

    for store_id in ids:
        assert by_sql[0][store_id] == by_python[0][store_id], store_id
    assert by_sql[1] == by_python[1]
    rows = list(by_sql[0].values())
    assert {r["status"] for r in rows} == {"ok", "warning", "breach"}
    points = [p for r in rows for p in r["points"]]
    assert {p["status"] for p in points if p["code"] == "unrecovered_advances"} == {"ok", "warning", "breach"}
    assert any(p.get("falling_3_months") for p in points) and by_sql[1]
    entering = {pk for pk, r in by_sql[0].items() if r["severity"] > {"ok": 0, "warning": 1, "breach": 2}.get(
        earlier.get(pk, "ok"))}
    assert {e[0] for e in by_sql[1]} < entering  # some entering stores do not listen


def test_a_provider_whose_sql_fails_leaves_the_self_check_to_the_python_rule(caplog):
    stores = [StoreFactory() for _ in range(3)]
    for store in stores:
        StoreMetricsFactory(store=store, month=OCT)
    broken = list(sql_providers())
    broken[0] = (lambda month: ("SELECT store_id, no_such_column FROM merchants_store", {}), broken[0][1])
    with mock.patch.object(services, "sql_providers", return_value=broken):
        risk_check_stores(store_ids=[s.pk for s in stores], month=OCT, now=NOV_2)
    assert RiskCheck.objects.filter(store__in=stores, month=OCT).count() == 3
    assert "in SQL failed" in caplog.text and "using the Python rule" in caplog.text


def test_the_batch_statement_runs_without_jit():
    """As the evaluation's (tests/merchants/test_credit_sql_path.py): JIT off for the batch."""
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        risk_check_stores(store_ids=[store.pk], month=OCT, now=NOV_2)
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    assert RiskCheck.objects.filter(store=store, month=OCT).exists()
