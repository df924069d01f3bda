"""Demo data shows every branch of the credit review: a star store scores high and its pending
application is recommended for approval; a weak one is recommended for rejection; ordinary stores
have data for every dimension (none scores 0 for lack of it)."""
import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from config.timeutil import previous_month
from merchants import demo
from merchants.credit.services import metrics_upsert
from merchants.management.commands.seed_demo import STAR_METRICS, WEAK_METRICS, _metrics
from merchants.models import CreditApplication, CreditEvaluation, Dimension
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_ingested_metrics(no_metric_providers):
    """The demo's stores have no refunds or shipments yet: their ingested metrics count."""


def seeded(metrics_by_index):
    now = timezone.now()
    stores = StoreFactory.create_batch(8, base_limit=Decimal("0"))
    rng = random.Random(1)
    for index, store in enumerate(stores):
        for back in (1, 2, 3):
            month = previous_month(now - dt.timedelta(days=31 * (back - 1)))  # as seed_demo does
            metrics_upsert(store=store, month=month, values=metrics_by_index.get(index) or _metrics(rng))
    demo.seed(stores=stores, now=now)
    return stores


def test_star_store_scores_high_and_its_pending_application_is_recommended_for_approval():
    stores = seeded({0: STAR_METRICS, 3: WEAK_METRICS})
    assert CreditEvaluation.objects.get(store=stores[0]).score >= Decimal("90")
    star = CreditApplication.objects.get(store=stores[0])
    assert (star.status, star.recommendation) == (CreditApplication.Status.PENDING,
                                                 CreditApplication.Recommendation.APPROVE)
    weak = CreditApplication.objects.get(store=stores[3])
    assert (weak.status, weak.recommendation) == (CreditApplication.Status.PENDING,
                                                 CreditApplication.Recommendation.REJECT)


def test_no_demo_store_scores_zero_on_a_whole_dimension():
    seeded({0: STAR_METRICS, 3: WEAK_METRICS})
    for evaluation in CreditEvaluation.objects.all():
        assert evaluation.missing == []
        by_dimension = {d: Decimal(0) for d in Dimension.values}
        for detail in evaluation.indicators.values():
            by_dimension[detail["dimension"]] += Decimal(detail["score"])
        assert all(points > 0 for points in by_dimension.values()), by_dimension
