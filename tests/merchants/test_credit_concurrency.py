"""The monthly evaluation is safe to run twice at the same moment (SPEC ground rules)."""
import datetime as dt
from decimal import Decimal

import pytest

from merchants.credit.services import evaluate_month
from merchants.models import CreditEvaluation, Store
from tests.factories import StoreFactory, StoreMetricsFactory

pytestmark = pytest.mark.django_db(transaction=True)
OCT = dt.date(2026, 10, 1)


def test_concurrent_runs_leave_one_evaluation_per_store(threads, no_metric_providers):
    stores = StoreFactory.create_batch(30)
    for s in stores:
        StoreMetricsFactory(store=s, month=OCT, monthly_sales=Decimal("1000.00"), dsr_score=None)
    results = threads(lambda i: evaluate_month(month=OCT, batch_size=7), 4)
    assert results == [30, 30, 30, 30], results
    assert CreditEvaluation.objects.filter(month=OCT).count() == 30
    assert set(Store.objects.values_list("base_limit", flat=True)) == {Decimal("3000.00")}
