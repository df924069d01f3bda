import datetime as dt

import pytest
from django.utils import timezone

from refunds import demo
from refunds.models import RefundCase
from tests.factories import StoreFactory
from tests.refunds.factories import order_for

pytestmark = pytest.mark.django_db


def test_demo_seed_creates_cases_in_several_states_and_is_idempotent():
    now = timezone.now()
    stores = [StoreFactory() for _ in range(2)]
    for store in stores:
        for days in range(5, 13):
            order_for(store, paid_at=now - dt.timedelta(days=days))
    demo.seed(stores=stores, now=now)
    statuses = set(RefundCase.objects.values_list("status", flat=True))
    assert {"pending", "refunded", "awaiting_return", "return_received", "escalated"} <= statuses
    count = RefundCase.objects.count()
    demo.seed(stores=stores, now=now)
    assert RefundCase.objects.count() == count == 14
