"""The evaluation stores exactly what scoring its inputs gives (SPEC §1): the batch statement and
`score_values` (the advisor's entry) run the same scoring (`credit.bulk.scoring_ctes`)."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from merchants.credit.services import evaluate_stores, score_values
from merchants.models import CreditEvaluation
from tests.factories import StoreFactory, StoreMetricsFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
NOV_2 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def _only_ingested_metrics(no_metric_providers):
    """Only ingested data and orders count here."""


@time_machine.travel(NOV_2)
def test_stored_indicator_detail_missing_and_dimensions_equal_the_scoring_rules_output():
    partial = StoreFactory()
    StoreMetricsFactory(store=partial, month=OCT, monthly_sales=Decimal("8000.00"), dsr_score=Decimal("4.37"),
                        repeat_rate=Decimal("0.1234"), net_cash_flow=Decimal("-300.00"), dispute_rate=None,
                        top_products_share=Decimal("0.9"), complaint_response_hours=Decimal("80"))
    bare = StoreFactory()  # no metrics at all: every indicator missing, sales from orders
    ids = [partial.pk, bare.pk]
    given = {"repeat_rate": Decimal("0.1234"), "dsr_score": Decimal("4.37"), "top_products_share": Decimal("0.9000"),
             "complaint_response_hours": Decimal("80.00"), "cash_flow_ratio": Decimal("-0.0375")}  # −300 ÷ 8000
    inputs = {partial.pk: (given, dict.fromkeys(given, "ingested")), bare.pk: ({}, {})}

    evaluate_stores(store_ids=ids, month=OCT)

    for store_id in ids:
        expected = score_values(inputs[store_id][0], sources=inputs[store_id][1])
        ev = CreditEvaluation.objects.get(store_id=store_id, month=OCT)
        assert ev.indicators == expected.indicators
        assert ev.missing == expected.missing
        assert ev.score == expected.score
        assert (ev.store_health, ev.capital_turnover, ev.risk_control, ev.market) == tuple(
            expected.dimensions[d] for d in ("store_health", "capital_turnover", "risk_control", "market"))
    assert CreditEvaluation.objects.get(store=bare).indicators["dsr_score"] == {
        "dimension": "store_health", "value": None, "source": None, "score": "0"}
