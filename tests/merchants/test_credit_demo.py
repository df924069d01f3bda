from decimal import Decimal

import pytest
from django.utils import timezone

from merchants import demo
from merchants.models import CreditApplication, CreditEvaluation, Holiday, LedgerEntry, Violation
from tests.factories import StoreFactory, StoreMetricsFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    from config.timeutil import previous_month

    stores = StoreFactory.create_batch(8, base_limit=Decimal("0"))
    for s in stores:
        StoreMetricsFactory(store=s, month=previous_month(), monthly_sales=Decimal("20000.00"))
    demo.seed(stores=stores, now=timezone.now())
    counts = (CreditEvaluation.objects.count(), Violation.objects.count(), CreditApplication.objects.count(),
              LedgerEntry.objects.count(), Holiday.objects.count())
    demo.seed(stores=stores, now=timezone.now())
    assert counts == (CreditEvaluation.objects.count(), Violation.objects.count(), CreditApplication.objects.count(),
                      LedgerEntry.objects.count(), Holiday.objects.count())
    assert counts[0] == 8 and counts[1] == 4 and counts[2] == 4  # pending ×2, approved, rejected
    assert Violation.objects.filter(status="revoked").count() == 1
