import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from config import timeutil
from merchants.models import Order, Violation
from paylater.models import PaylaterPolicy
from tests.factories import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db
TZ = timeutil.platform_tz()


def advance(store, amount, at):
    return OrderFactory(store=store, product__store=store, amount=Decimal(amount), payment_method="paylater",
                        status=Order.Status.ADVANCED, paid_at=at - dt.timedelta(days=5),
                        receipt_confirmed_at=at - dt.timedelta(days=1), advanced_at=at)


def test_store_above_50000_in_one_local_day_gets_one_pending_violation(db):
    store, exact = StoreFactory(), StoreFactory()
    advance(store, "30000.00", dt.datetime(2026, 11, 20, 0, 0, tzinfo=TZ))
    advance(store, "20000.01", dt.datetime(2026, 11, 20, 23, 59, 59, tzinfo=TZ))
    advance(store, "90000.00", dt.datetime(2026, 11, 21, 0, 0, tzinfo=TZ))  # next local day
    advance(exact, "50000.00", dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ))  # not above the limit
    for _ in range(3):
        call_command("detect_excess_advances", "--date", "2026-11-20", stdout=StringIO())
    violation = Violation.objects.get()
    assert (violation.store, violation.kind, violation.status) == (store, "excess_advance", "pending_review")
    assert violation.dedup_key == f"excess_advance:{store.pk}:2026-11-20"


def test_next_day_is_its_own_violation(db):
    store = StoreFactory()
    advance(store, "60000.00", dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    advance(store, "60000.00", dt.datetime(2026, 11, 21, 10, 0, tzinfo=TZ))
    call_command("detect_excess_advances", "--date", "2026-11-20", stdout=StringIO())
    call_command("detect_excess_advances", "--date", "2026-11-21", stdout=StringIO())
    assert Violation.objects.filter(store=store).count() == 2


def test_limit_is_a_policy(db):
    policy = PaylaterPolicy.current()
    policy.excess_advance_daily_limit = Decimal("1000.00")
    policy.save()
    store = StoreFactory()
    advance(store, "1000.01", dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    call_command("detect_excess_advances", "--date", "2026-11-20", stdout=StringIO())
    assert Violation.objects.filter(store=store).exists()


def test_hourly_task_checks_today_and_yesterday(db):
    import time_machine

    from paylater.tasks import detect_excess_advances

    store = StoreFactory()
    advance(store, "60000.00", dt.datetime(2026, 11, 20, 23, 30, tzinfo=TZ))
    with time_machine.travel(dt.datetime(2026, 11, 21, 0, 5, tzinfo=TZ), tick=False):
        detect_excess_advances.delay()
        detect_excess_advances.delay()
    assert Violation.objects.filter(store=store, kind="excess_advance").count() == 1
