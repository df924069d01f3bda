"""The credit evaluation is one statement per batch (`credit.bulk.evaluation_upsert_sql`; one
store is a batch of one), and the rule lives only there (SPEC §1). These are the rule's edges,
checked on what the statement stores: half-up rounding at exact .5 boundaries, clamping at both
ends, lower-is-better scales, missing indicators, weights of 0, a cash flow ratio that rounds to
zero from below (shown "-0.0000" as Decimal shows it), the eco-packaging bonus (verified only),
the floor to 100 yuan, sales from orders, and the stores whose limit changed."""
import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from config import timeutil
from merchants.credit import bulk, services
from merchants.credit.services import evaluate_stores
from merchants.models import CreditEvaluation, CreditIndicator, CreditScorePolicy, EcoPackaging, Store
from merchants.registry import credit_metric_sql_providers
from tests.factories import OrderFactory, ProductFactory, StoreFactory, StoreMetricsFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
NOV_2 = dt.datetime(2026, 11, 2, 2, tzinfo=dt.timezone.utc)


def d(value) -> Decimal:
    return Decimal(value)


@pytest.fixture
def scales(no_metric_providers):
    """Scales with .5 boundaries at 2 places (a span of 0.40: a 4-place value × 250), a
    lower-is-better one, a weight of 0, and a whole dimension of weight 0 in S."""
    CreditScorePolicy.objects.update_or_create(pk=CreditScorePolicy.PK, defaults=dict(
        weight_store_health=45, weight_capital_turnover=35, weight_risk_control=20, weight_market=0,
        min_multiple=d("2.50"), max_multiple=d("4.75"), eco_packaging_bonus_rate=d("0.0125")))
    services.ensure_default_indicators()
    CreditIndicator.objects.filter(name="repeat_rate").update(zero_at=0, full_at=d("0.40"), weight=d("2.5"))
    CreditIndicator.objects.filter(name="dsr_score").update(zero_at=d("5.0"), full_at=d("1.0"), weight=1)
    CreditIndicator.objects.filter(name="on_time_rate").update(zero_at=d("0.60"), full_at=d("1.00"), weight=3)
    CreditIndicator.objects.filter(name="cash_flow_ratio").update(weight=0)


def _evaluate(ids):
    """Evaluate the batch; (evaluations by store, limits by store, ids whose limit changed)."""
    changed = []
    with mock.patch.object(services.events, "credit_limits_changed", side_effect=lambda ids: changed.extend(ids)):
        evaluate_stores(store_ids=ids, month=OCT, now=NOV_2)
    evaluations = {e.store_id: e for e in CreditEvaluation.objects.filter(store_id__in=ids)}
    return evaluations, dict(Store.objects.filter(pk__in=ids).values_list("pk", "base_limit")), sorted(changed)


def points(evaluation):
    return {name: detail["score"] for name, detail in evaluation.indicators.items()}


def test_the_rule_at_its_edges_in_one_batch(scales):
    half_up = StoreFactory(base_limit=0)  # the .5 boundaries, a ratio of "-0", verified eco-packaging
    StoreMetricsFactory(store=half_up, month=OCT, monthly_sales=d("1000.00"), net_cash_flow=d("-0.01"),
                        repeat_rate=d("0.0001"), dsr_score=d("5.00"), on_time_rate=d("0.9000"),
                        **dict.fromkeys(["collection_cycle_days", "inventory_turnover_days", "dispute_rate",
                                         "return_rate", "complaint_response_hours", "category_rank_percentile",
                                         "top_products_share", "marketing_participation"]))
    EcoPackaging.objects.create(store=half_up, verified=True)
    clamped = StoreFactory(base_limit=0)  # beyond both ends of the scales; eco-packaging not verified
    StoreMetricsFactory(store=clamped, month=OCT, monthly_sales=d("1000.00"), net_cash_flow=d("0.05"),
                        repeat_rate=d("0.9000"), dsr_score=d("0.50"), collection_cycle_days=d("99999.00"),
                        **dict.fromkeys(["on_time_rate", "inventory_turnover_days", "dispute_rate", "return_rate",
                                         "complaint_response_hours", "category_rank_percentile",
                                         "top_products_share", "marketing_participation"]))
    EcoPackaging.objects.create(store=clamped, verified=False)
    from_orders = StoreFactory(base_limit=d("3000.00"))  # no metrics: sales from orders, limit unchanged
    OrderFactory(product=ProductFactory(store=from_orders), amount=d("1234.56"), paid_at=timeutil.month_bounds(OCT)[0])

    evaluations, limits, changed = _evaluate([half_up.pk, clamped.pk, from_orders.pk])

    a = evaluations[half_up.pk]
    assert points(a)["repeat_rate"] == "0.03"  # 0.025 points, half-up
    assert (points(a)["dsr_score"], points(a)["on_time_rate"]) == ("0.00", "75.00")
    assert a.indicators["cash_flow_ratio"] == {"dimension": "capital_turnover", "value": "-0.0000",
                                               "source": "ingested", "score": "50.00"}
    assert (a.store_health, a.capital_turnover, a.risk_control, a.market) == (
        d("34.63"), d("0.00"), d("0.00"), d("0.00"))  # (2.5 × 0.03 + 3 × 75) ÷ 6.5; a weight of 0 adds nothing
    assert a.score == d("15.58")  # 34.63 × 45%
    assert a.missing == ["category_rank_percentile", "collection_cycle_days", "complaint_response_hours",
                         "dispute_rate", "inventory_turnover_days", "marketing_participation", "return_rate",
                         "top_products_share"]
    assert a.eco_bonus_rate == d("0.0125")
    assert a.base_limit == d("2800.00")  # 1000 × (2.50 + 2.25 × 0.1558) × 1.0125 = 2886.18 → down to 2800

    b = evaluations[clamped.pk]
    assert (points(b)["repeat_rate"], points(b)["dsr_score"], points(b)["collection_cycle_days"]) == (
        "100.00", "100.00", "0.00")
    assert b.indicators["cash_flow_ratio"]["value"] == "0.0001"  # 0.00005, half-up
    assert points(b)["cash_flow_ratio"] == "50.03"  # 50.025
    assert (b.store_health, b.score, b.eco_bonus_rate) == (d("53.85"), d("24.23"), d("0"))
    assert b.base_limit == d("3000.00")  # 3045.18

    c = evaluations[from_orders.pk]
    assert (c.monthly_sales, c.sales_source, c.score, c.base_limit) == (d("1234.56"), "orders", 0, d("3000.00"))
    assert c.indicators["dsr_score"] == {"dimension": "store_health", "value": None, "source": None, "score": "0"}
    assert len(c.missing) == 12

    assert limits == {half_up.pk: d("2800.00"), clamped.pk: d("3000.00"), from_orders.pk: d("3000.00")}
    assert changed == sorted([half_up.pk, clamped.pk])  # the third store's limit did not change


def test_one_store_is_a_batch_of_one_and_scores_as_in_a_batch(scales):
    stores = [StoreFactory() for _ in range(3)]
    for i, store in enumerate(stores):
        StoreMetricsFactory(store=store, month=OCT, monthly_sales=d("5099.99"), repeat_rate=d(f"0.{i}1"))
    in_batch, _limits, _changed = _evaluate([s.pk for s in stores])
    CreditEvaluation.objects.all().delete()
    alone = {s.pk: _evaluate([s.pk])[0][s.pk] for s in stores}
    for store in stores:
        assert (alone[store.pk].score, alone[store.pk].base_limit, alone[store.pk].indicators) == (
            in_batch[store.pk].score, in_batch[store.pk].base_limit, in_batch[store.pk].indicators)


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
    (sql_fn, names), *others = credit_metric_sql_providers()

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
