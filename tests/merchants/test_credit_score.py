"""Credit score and base limit (SPEC §1)."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from config import timeutil
from config.api.errors import DomainError
from merchants import registry
from merchants.credit.services import base_limit_for, evaluate_month, score_values
from merchants.models import CreditEvaluation, CreditIndicator, CreditScorePolicy, Order, Store
from tests.factories import OrderFactory, ProductFactory, StoreFactory, StoreMetricsFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
NOV_2 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.timezone.utc)
FULL = {"repeat_rate": "0.30", "dsr_score": "5.00", "on_time_rate": "1.0000", "collection_cycle_days": "7",
        "inventory_turnover_days": "15", "net_cash_flow": "1000.00", "dispute_rate": "0", "return_rate": "0.02",
        "complaint_response_hours": "12", "category_rank_percentile": "0", "top_products_share": "0.60",
        "marketing_participation": "1"}


@pytest.fixture(autouse=True)
def _only_ingested_metrics(no_metric_providers):
    """Here only ingested data and orders count unless a test installs a fake provider."""


def fake_provider_sql(month):
    """A provider that computed a dispute rate of 0 for every store and no on-time rate."""
    return ("SELECT id AS store_id, 0::numeric AS dispute_rate, NULL::numeric AS on_time_rate FROM merchants_store "
            "WHERE id = ANY(%(store_ids)s::bigint[])", {})


def broken_provider_sql(month):
    return "SELECT store_id, dispute_rate FROM refunds_gone_in_a_migration WHERE store_id = ANY(%(store_ids)s)", {}


@time_machine.travel(NOV_2)
def test_seed_example_new_store_with_5000_sales_and_nothing_else_starts_at_15000():
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("5000.00"), dsr_score=None)
    evaluate_month(month=OCT)
    store.refresh_from_db()
    ev = CreditEvaluation.objects.get(store=store, month=OCT)
    assert ev.score == 0
    assert store.base_limit == Decimal("15000.00")
    assert len(ev.missing) == 12 and "dsr_score" in ev.missing


@time_machine.travel(NOV_2)
def test_perfect_indicators_score_100_and_give_five_times_sales():
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("5000.00"),
                        **{k: Decimal(v) for k, v in FULL.items()})
    evaluate_month(month=OCT)
    ev = CreditEvaluation.objects.get(store=store)
    assert ev.score == 100 and ev.missing == []
    assert (ev.store_health, ev.capital_turnover, ev.risk_control, ev.market) == (100, 100, 100, 100)
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("25000.00")


def test_dimension_weights_40_30_20_10_make_the_composite():
    # store health perfect only → S = 40; a DSR-only store health gets a third of 100
    values = {"repeat_rate": Decimal("0.30"), "dsr_score": Decimal("5"), "on_time_rate": Decimal("1")}
    assert score_values(values).score == Decimal("40.00")
    half = score_values({"dsr_score": Decimal("4.5")})
    assert half.dimensions["store_health"] == Decimal("16.67")
    assert half.score == Decimal("6.67")


def test_lower_is_better_indicators_clamp_to_0_and_100():
    r = score_values({"dispute_rate": Decimal("0.05"), "return_rate": Decimal("0"),
                      "complaint_response_hours": Decimal("42")})
    assert r.indicators["dispute_rate"]["score"] == "0.00"
    assert r.indicators["return_rate"]["score"] == "100.00"
    assert r.indicators["complaint_response_hours"]["score"] == "50.00"


def test_base_limit_rounds_down_to_100_yuan():
    assert base_limit_for(sales=Decimal("5099.99"), score=Decimal("0")) == Decimal("15200.00")  # 15299.97
    assert base_limit_for(sales=Decimal("1234.56"), score=Decimal("50")) == Decimal("4900.00")  # 4938.24
    assert base_limit_for(sales=Decimal("5100.00"), score=Decimal("0")) == Decimal("15300.00")  # exactly 15300


@time_machine.travel(NOV_2)
def test_the_evaluation_rounds_its_limit_down_to_100_yuan_too():
    """The batch statement and `base_limit_for` are one expression (`bulk.limit_sql`): a store
    whose limit is 15,299.97 before rounding gets 15,200."""
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("5099.99"), dsr_score=None)
    evaluate_month(month=OCT)
    assert CreditEvaluation.objects.get(store=store).base_limit == Decimal("15200.00")
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("15200.00")


@time_machine.travel(NOV_2)
def test_sales_come_from_orders_paid_in_the_local_month_when_not_ingested():
    store = StoreFactory()
    product = ProductFactory(store=store)
    start, end = timeutil.month_bounds(OCT)
    OrderFactory(product=product, amount=Decimal("3000.00"), paid_at=start)  # first instant counts
    OrderFactory(product=product, amount=Decimal("2000.00"), paid_at=end - dt.timedelta(seconds=1),
                 refunded_amount=Decimal("500.00"))
    OrderFactory(product=product, amount=Decimal("900.00"), paid_at=end)  # November local
    OrderFactory(product=product, amount=Decimal("800.00"), paid_at=start - dt.timedelta(seconds=1))
    OrderFactory(product=product, amount=Decimal("700.00"), paid_at=start, payment_method="paylater",
                 status=Order.Status.CANCELLED)
    OrderFactory(product=product, amount=Decimal("100.00"), paid_at=start, payment_method="paylater",
                 status=Order.Status.PLACED)
    evaluate_month(month=OCT)
    ev = CreditEvaluation.objects.get(store=store)
    assert ev.monthly_sales == Decimal("4600.00") and ev.sales_source == "orders"
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("13800.00")


@time_machine.travel(NOV_2)
def test_ingested_sales_win_over_orders():
    store = StoreFactory()
    OrderFactory(product=ProductFactory(store=store), amount=Decimal("9000.00"), paid_at=timeutil.month_bounds(OCT)[0])
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("1000.00"), dsr_score=None)
    evaluate_month(month=OCT)
    assert CreditEvaluation.objects.get(store=store).monthly_sales == Decimal("1000.00")


@time_machine.travel(NOV_2)
@registry.overridden(credit_metrics=[(fake_provider_sql, ("dispute_rate", "on_time_rate"))])
def test_our_computed_rate_wins_and_ingested_is_the_fallback():
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT, dispute_rate=Decimal("0.02"), on_time_rate=Decimal("0.80"))
    evaluate_month(month=OCT)
    ind = CreditEvaluation.objects.get(store=store).indicators
    assert ind["dispute_rate"] == {"dimension": "risk_control", "value": "0", "source": "computed",
                                   "score": "100.00"}
    assert ind["on_time_rate"]["value"] == "0.8000" and ind["on_time_rate"]["source"] == "ingested"


@time_machine.travel(NOV_2)
@registry.overridden(credit_metrics=[(broken_provider_sql, ("dispute_rate",))])
def test_a_failing_provider_fails_its_batch_loudly_and_nothing_is_scored_by_another_rule(caplog):
    """No fallback: the batch's evaluation is rolled back and logged as an error; the job goes on
    with the next batch, and the store keeps the limit it had."""
    store = StoreFactory(base_limit=Decimal("7000.00"))
    StoreMetricsFactory(store=store, month=OCT, dispute_rate=Decimal("0.01"))
    assert evaluate_month(month=OCT) == 0
    assert not CreditEvaluation.objects.filter(store=store).exists()
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("7000.00")
    assert any(r.levelname == "ERROR" and "credit evaluation" in r.getMessage() for r in caplog.records)


@time_machine.travel(NOV_2)
def test_evaluation_is_idempotent_and_covers_every_store(django_assert_max_num_queries):
    stores = StoreFactory.create_batch(3)
    StoreMetricsFactory(store=stores[0], month=OCT)
    evaluate_month(month=OCT)
    StoreMetricsFactory(store=stores[1], month=OCT, monthly_sales=Decimal("100.00"))
    with django_assert_max_num_queries(30):  # the evaluation and its risk self-check (SPEC §5), per batch
        evaluate_month(month=OCT)
    assert CreditEvaluation.objects.filter(month=OCT).count() == 3
    assert Store.objects.get(pk=stores[1].pk).base_limit == Decimal("300.00")
    assert Store.objects.get(pk=stores[2].pk).base_limit == 0


@time_machine.travel(dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
def test_rerunning_an_older_month_keeps_the_newer_months_limit():
    store = StoreFactory()
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("1000.00"), dsr_score=None)
    StoreMetricsFactory(store=store, month=dt.date(2026, 11, 1), monthly_sales=Decimal("2000.00"), dsr_score=None)
    evaluate_month(month=dt.date(2026, 11, 1))
    evaluate_month(month=OCT)
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("6000.00")
    assert CreditEvaluation.objects.filter(store=store).count() == 2


@time_machine.travel(dt.datetime(2026, 10, 31, 15, 59, tzinfo=dt.timezone.utc))  # 23:59 local
def test_an_open_month_is_refused():
    with pytest.raises(DomainError):
        evaluate_month(month=OCT)
    with pytest.raises(CommandError):
        call_command("evaluate_credit_limits", "--month", "2026-10")


@time_machine.travel(NOV_2)
def test_command_evaluates_the_given_month_and_the_task_the_last_closed_one():
    from merchants.tasks import evaluate_credit_limits

    store = StoreFactory()
    StoreMetricsFactory(store=store, month=dt.date(2026, 9, 1), monthly_sales=Decimal("1000.00"), dsr_score=None)
    call_command("evaluate_credit_limits", "--month", "2026-09")
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("3000.00")
    evaluate_credit_limits.delay()
    assert CreditEvaluation.objects.filter(month=OCT, store=store).exists()
    with pytest.raises(CommandError):
        call_command("evaluate_credit_limits", "--month", "oct")


def test_the_job_runs_on_the_1st_at_0200_local():
    from config.schedules import PERIODIC_JOBS

    assert PERIODIC_JOBS["evaluate credit limits"] == ("merchants.tasks.evaluate_credit_limits",
                                                       {"crontab": "0 2 1 * *"})


@time_machine.travel(NOV_2)
def test_ingesting_metrics_for_the_latest_closed_month_reevaluates_at_once(platform_api):
    store = StoreFactory()
    r = platform_api.post(f"/api/v1/platform/stores/{store.pk}/metrics/",
                          {"month": "2026-10", "monthly_sales": "5000.00"}, format="json")
    assert r.status_code == 201, r.content
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("15000.00")
    platform_api.post(f"/api/v1/platform/stores/{store.pk}/metrics/", {"month": "2026-09", "monthly_sales": "9000"},
                      format="json")
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("15000.00")
    assert not CreditEvaluation.objects.filter(month=dt.date(2026, 9, 1)).exists()


@time_machine.travel(NOV_2)
def test_store_detail_shows_credit_and_score_breakdown(merchant_api, store):
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("5000.00"), dsr_score=Decimal("5.00"))
    evaluate_month(month=OCT)
    body = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/").json()
    assert body["credit"]["base_limit"] == "16300.00"  # S = 40 × 1/3 → 13.33 → 5000 × 3.2666
    assert body["credit"]["effective_limit"] == "16300.00" and body["credit"]["available"] == "16300.00"
    assert body["credit"]["frozen_until"] is None
    assert body["score"]["month"] == "2026-10" and body["score"]["score"] == "13.33"
    assert body["score"]["dimensions"]["store_health"] == "33.33"
    assert body["score"]["weights"] == {"store_health": 40, "capital_turnover": 30, "risk_control": 20,
                                        "market": 10}
    assert "dsr_score" not in body["score"]["missing"] and "repeat_rate" in body["score"]["missing"]


def test_dimension_weights_must_sum_to_100():
    policy = CreditScorePolicy.current()
    policy.weight_market = 20
    with pytest.raises(ValidationError):
        policy.full_clean()
    policy.weight_store_health = 30
    policy.full_clean()


def test_an_indicator_scale_cannot_be_flat():
    ind = CreditIndicator(name="repeat_rate", dimension="store_health", zero_at=1, full_at=1)
    with pytest.raises(ValidationError):
        ind.full_clean()
