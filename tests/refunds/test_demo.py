import datetime as dt
from dataclasses import asdict

import pytest
from django.utils import timezone

from refunds import demo, services
from refunds.models import Evidence, RefundCase
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
    assert RefundCase.objects.count() == count == 16


def test_the_first_sweep_after_seeding_changes_nothing_and_every_deadline_is_ahead():
    now = timezone.now()
    stores = [StoreFactory() for _ in range(2)]
    for store in stores:
        for days in range(5, 13):
            order_for(store, paid_at=now - dt.timedelta(days=days))
    demo.seed(stores=stores, now=now)
    before = list(RefundCase.objects.order_by("pk").values_list("status", flat=True))
    result = services.refund_timeouts_run(now=now + dt.timedelta(minutes=1))
    assert asdict(result) == dict.fromkeys(asdict(result), 0)
    assert list(RefundCase.objects.order_by("pk").values_list("status", flat=True)) == before
    assert all(deadline > now for deadline in RefundCase.objects.filter(status="pending")
               .values_list("merchant_deadline", flat=True))


def test_demo_shows_a_return_waiting_for_its_address():
    now = timezone.now()
    with_default, without = StoreFactory(), StoreFactory()  # the first demo store gets a default address
    for store in (with_default, without):
        for days in range(5, 13):
            order_for(store, paid_at=now - dt.timedelta(days=days))
    demo.seed(stores=[with_default, without], now=now)
    assert not RefundCase.objects.filter(store=with_default, status="awaiting_return", return_address="").exists()
    waiting = RefundCase.objects.get(store=without, status="awaiting_return", return_address="")
    assert waiting.history.first().history_change_reason.startswith("job: run_refund_timeouts")


@pytest.mark.usefixtures("evidence_dir")
def test_demo_shows_a_contested_return_and_an_escalation_with_both_sides_evidence():
    now = timezone.now()
    store = StoreFactory()
    for days in range(5, 5 + len(demo.PLAN)):
        order_for(store, paid_at=now - dt.timedelta(days=days))
    demo.seed(stores=[store], now=now)
    contested = RefundCase.objects.get(status="return_disputed")
    escalated = RefundCase.objects.get(status="escalated")
    for case in (contested, escalated):
        assert set(Evidence.objects.filter(case=case).values_list("side", flat=True)) == {"buyer", "merchant"}
    assert contested.contest.reason == "missing_items"
    result = services.refund_timeouts_run(now=now + dt.timedelta(minutes=1))
    assert asdict(result) == dict.fromkeys(asdict(result), 0)
