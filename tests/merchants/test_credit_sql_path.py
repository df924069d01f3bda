"""On PostgreSQL a batch is read and scored in one statement (`credit.bulk.evaluation_upsert_sql`,
with the providers' SQL); it must store exactly what the Python rule stores (`_batch_values` and
`score_flat` / `score_values`, SPEC §1) — every column, the indicators' JSON, `missing`, the base
limit, the stores whose limit changed — on random stores that hit every edge of the rule: half-up
rounding at exact .5 boundaries, clamping, lower-is-better scales, missing indicators, weights of 0,
the eco-packaging bonus, the floor to 100 yuan, our rates over ingested ones, sales from orders."""
import datetime as dt
import random
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from config import timeutil
from logistics.models import Shipment
from logistics.rules import shipping_deadline
from merchants.credit import bulk, services
from merchants.credit.services import _batch_values, evaluate_stores, score_values
from merchants.models import CreditEvaluation, CreditIndicator, CreditScorePolicy, EcoPackaging, Order, Store
from refunds.models import RefundCase
from tests.factories import ProductFactory, StoreFactory, StoreMetricsFactory
from tests.refunds.factories import RefundCaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

OCT = dt.date(2026, 10, 1)
NOV_2 = dt.datetime(2026, 11, 2, 2, tzinfo=dt.timezone.utc)
COLUMNS = ["store_id", "month", "monthly_sales", "sales_source", "score", "store_health", "capital_turnover",
           "risk_control", "market", "indicators", "missing", "base_limit", "eco_bonus_rate", "evaluated_at"]
RATES = ["repeat_rate", "on_time_rate", "dispute_rate", "return_rate", "category_rank_percentile",
         "top_products_share", "marketing_participation"]


def d(value) -> Decimal:
    return Decimal(value)


def rate4(rng, low=0, high=10_000) -> Decimal:
    return Decimal(rng.randint(low, high)) / 10_000


def _scales(rng):
    """Scales with .5 boundaries at 2 places (spans of 0.40 and 4.0: a 4-place value × 250 or × 25),
    lower-is-better ones, weights of 0 and a whole dimension of weight 0 in S."""
    CreditScorePolicy.objects.update_or_create(pk=CreditScorePolicy.PK, defaults=dict(
        weight_store_health=45, weight_capital_turnover=35, weight_risk_control=20, weight_market=0,
        min_multiple=d("2.50"), max_multiple=d("4.75"), eco_packaging_bonus_rate=d("0.0125")))
    services.ensure_default_indicators()
    CreditIndicator.objects.filter(name="repeat_rate").update(zero_at=0, full_at=d("0.40"), weight=d("2.5"))
    CreditIndicator.objects.filter(name="dsr_score").update(zero_at=d("5.0"), full_at=d("1.0"), weight=1)
    CreditIndicator.objects.filter(name="on_time_rate").update(zero_at=d("0.60"), full_at=d("1.00"), weight=3)
    CreditIndicator.objects.filter(name="cash_flow_ratio").update(weight=0)
    CreditIndicator.objects.filter(name="dispute_rate").update(zero_at=d("0.40"), full_at=0, weight=d("1.5"))
    CreditIndicator.objects.filter(dimension="market").update(weight=rng.choice([0, 1]))


def _random_store(rng, i: int) -> Store:
    store = StoreFactory(base_limit=Decimal(rng.choice([0, 1000, 5000, 123400])))
    kind = i % 7
    if kind != 0:  # kind 0: no ingested metrics at all, sales from orders
        values = {name: (None if rng.random() < 0.15 else rate4(rng)) for name in RATES}
        values.update(
            monthly_sales=None if kind == 1 else Decimal(rng.randint(0, 5_000_000)) / 100,
            dsr_score=None if rng.random() < 0.1 else Decimal(rng.randint(300, 500)) / 100,
            collection_cycle_days=Decimal(rng.randint(0, 9000)) / 100,
            inventory_turnover_days=None if rng.random() < 0.2 else Decimal(rng.randint(0, 9000)) / 100,
            complaint_response_hours=Decimal(rng.randint(0, 10000)) / 100,
            net_cash_flow=None if rng.random() < 0.2 else Decimal(rng.randint(-800_000, 800_000)) / 100)
        if kind == 2:  # a ratio that rounds to zero from below: Decimal keeps the sign ("-0.0000")
            values.update(monthly_sales=d("1000.00"), net_cash_flow=d("-0.01"))
        if kind == 3:  # exactly half a unit of the 4th place: half-up
            values.update(monthly_sales=d("1000.00"), net_cash_flow=d("0.05"), repeat_rate=d("0.0001"))
        if kind == 4:  # beyond both ends of the scales: clamped
            values.update(repeat_rate=d("0.9000"), dsr_score=d("5.00"), collection_cycle_days=d("99999.00"))
        StoreMetricsFactory(store=store, month=OCT, **values)
    if rng.random() < 0.3:
        EcoPackaging.objects.create(store=store, verified=rng.random() < 0.8)
    product = ProductFactory(store=store)
    for n in range(rng.randint(0, 6)):
        paid_at = timeutil.local_at(dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(-1, 31)), rng.randint(0, 23))
        refunded = rng.random() < 0.2
        order = Order.objects.create(
            store=store, product=product, buyer_id=f"b{store.pk}-{n}", amount=Decimal(rng.randint(100, 90_000)) / 100,
            paid_at=paid_at, channel=rng.choice([Order.Channel.TAOTE, Order.Channel.TAOTE, Order.Channel.OTHER]),
            payment_method=Order.PaymentMethod.STANDARD,
            status=rng.choice([Order.Status.PAID, Order.Status.PAID, Order.Status.CANCELLED]),
            refunded_at=paid_at + dt.timedelta(hours=rng.choice([1, 30])) if refunded else None,
            refunded_amount=Decimal("1.00") if refunded else Decimal("0.00"))
        if rng.random() < 0.7:
            shipped_at = paid_at + dt.timedelta(hours=rng.choice([2, 20, 80]))
            Shipment.objects.create(order=order, store=store, tracking_no=f"SQL{order.pk:012d}",
                                    official_logistics=rng.random() < 0.8, shipped_at=shipped_at,
                                    deadline=shipping_deadline(paid_at),
                                    picked_up_at=shipped_at if rng.random() < 0.8 else None)
        if rng.random() < 0.5:
            RefundCaseFactory(store=store, order=order, opened_at=paid_at + dt.timedelta(hours=3),
                              type=rng.choice(["return_refund", "refund_only"]),
                              status=rng.choice([RefundCase.Status.PENDING, RefundCase.Status.CANCELLED]),
                              judgement=rng.choice(["", RefundCase.Judgement.SELLER, RefundCase.Judgement.BUYER]))
    return store


def _evaluate(ids, *, values=None):
    """Evaluate the batch from the stores' starting limits; (rows by store, limits, ids whose limit changed)."""
    changed = []
    with mock.patch.object(services.events, "credit_limits_changed", side_effect=lambda ids: changed.extend(ids)):
        evaluate_stores(store_ids=ids, month=OCT, now=NOV_2, values=values)
    rows = {r["store_id"]: r for r in CreditEvaluation.objects.filter(store_id__in=ids).values(*COLUMNS)}
    return rows, dict(Store.objects.filter(pk__in=ids).values_list("pk", "base_limit")), sorted(changed)


@pytest.mark.parametrize("seed", [16, 1111])
def test_the_sql_evaluation_stores_what_the_python_rule_stores(seed):
    rng = random.Random(seed)
    _scales(rng)
    stores = [_random_store(rng, i) for i in range(42)]
    ids = [s.pk for s in stores]
    limits_before = {s.pk: s.base_limit for s in stores}
    assert services.sql_providers()  # refunds and logistics registered their SQL: the SQL path runs

    by_sql = _evaluate(ids)
    CreditEvaluation.objects.all().delete()
    for pk, limit in limits_before.items():
        Store.objects.filter(pk=pk).update(base_limit=limit)
    values = _batch_values(ids, OCT)
    by_python = _evaluate(ids, values=values)

    for store_id in ids:
        assert by_sql[0][store_id] == by_python[0][store_id], store_id
        expected = score_values(values[store_id][0], sources=values[store_id][1])
        assert by_sql[0][store_id]["indicators"] == expected.indicators
        assert by_sql[0][store_id]["missing"] == expected.missing
        assert by_sql[0][store_id]["score"] == expected.score
    assert by_sql[1:] == by_python[1:]
    # the edges were there
    rows = list(by_sql[0].values())
    shown = [r["indicators"]["cash_flow_ratio"]["value"] for r in rows]
    assert "-0.0000" in shown and "0.0001" in shown
    assert {r["sales_source"] for r in rows} == {"ingested", "orders"}
    assert any(r["eco_bonus_rate"] for r in rows) and any(r["missing"] for r in rows)
    assert {"computed", "ingested"} <= {r["indicators"]["dispute_rate"]["source"] for r in rows}
    assert {"computed", "ingested"} <= {r["indicators"]["on_time_rate"]["source"] for r in rows}
    assert any(r["indicators"]["repeat_rate"]["score"] == "0.03" for r in rows)  # 0.025 half-up
    assert by_sql[2]  # some limits changed


def test_a_provider_whose_sql_fails_leaves_the_batch_to_the_python_rule(caplog):
    """A broken provider SQL (say, a column renamed by a migration) must not cost the month its
    evaluation: the batch is evaluated by the Python rule, as before the SQL path existed."""
    stores = [StoreFactory() for _ in range(3)]
    for store in stores:
        StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("10000.00"))
    broken = [(sql_of, names) for sql_of, names in services.sql_providers()]
    broken[0] = (lambda month: ("SELECT store_id, no_such_column FROM merchants_store", {}), broken[0][1])
    with mock.patch.object(services, "sql_providers", return_value=broken):
        evaluate_stores(store_ids=[s.pk for s in stores], month=OCT, now=NOV_2)
    assert CreditEvaluation.objects.filter(store__in=stores, month=OCT).count() == 3
    assert "in SQL failed" in caplog.text and "using the Python rule" in caplog.text


def test_the_batch_statement_runs_without_jit():
    """Compiling the big statement's expressions (its cost estimate crosses `jit_above_cost` when
    the planner misjudges the joined rows) cost more than running it: the batch turns JIT off for
    its own transaction."""
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        evaluate_stores(store_ids=[store.pk], month=OCT, now=NOV_2)
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    assert CreditEvaluation.objects.filter(store=store, month=OCT).exists()


def test_the_batch_inputs_statement_is_built_once_per_month():
    """Every batch of a month runs the same inputs statement (only the stores differ): the providers
    are asked for their SQL once per month; a caller's changes to the parameters stay its own."""
    asked = []
    (sql_fn, names), *others = services.sql_providers()

    def counting(month):
        asked.append(month)
        return sql_fn(month)

    providers, nov = [(counting, names), *others], dt.date(2026, 11, 1)
    october = bulk.metric_inputs_sql(month=OCT, fields=services.METRIC_FIELDS, providers=providers)
    october[1]["credit_month"] = None
    again = bulk.metric_inputs_sql(month=OCT, fields=services.METRIC_FIELDS, providers=providers)
    november = bulk.metric_inputs_sql(month=nov, fields=services.METRIC_FIELDS, providers=providers)
    assert asked == [OCT, nov]
    assert again[0] == october[0] and again[1]["credit_month"] == OCT
    assert november[1]["credit_month"] == nov
