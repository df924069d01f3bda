"""This week so far (SPEC §5): the settlement's own figures up to now; open orders are those
still within their deadline (20:00 inclusive; paid at 17:00:00 → next day)."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config import timeutil
from logistics.models import WeeklyResult
from logistics.settlement import settlement_start
from logistics.week_to_date import week_to_date
from merchants.models import Order
from tests.factories import LedgerEntryFactory
from tests.logistics.conftest import default_tiers  # noqa: F401  (the SPEC tiers)
from tests.logistics.factories import AFTER_WEEK, WEEK, EnrollmentFactory, make_orders

pytestmark = pytest.mark.django_db


def day(n, hour=10, minute=0, second=0):
    """Local time on day n of the week (0 = Monday)."""
    return timeutil.local_at(WEEK + dt.timedelta(days=n), hour, minute, second)


def enrolled(counting_from=WEEK):
    return EnrollmentFactory(counting_from=counting_from,
                             joined_at=timeutil.local_at(counting_from - dt.timedelta(days=2), 9)).store


@pytest.fixture
def midweek():
    """Monday: 2 on time. Tuesday 16:59:59 (deadline Tue 20:00), Tuesday 17:00:00 and Wednesday
    16:59:59 (deadline Wed 20:00), Wednesday 17:00:00 (deadline Thu 20:00): none shipped yet."""
    store = enrolled()
    make_orders(store, 2, day(0))
    for paid in (day(1, 16, 59, 59), day(1, 17), day(2, 16, 59, 59), day(2, 17)):
        make_orders(store, 1, paid, ship=False)
    return store


def figures(w):
    return (w.counted_days, w.orders, w.on_time_orders, w.late_orders, w.open_orders)


def test_at_wednesday_2000_exactly_orders_due_then_are_still_open(midweek):
    w = week_to_date(store_id=midweek.pk, as_of=day(2, 20))
    assert figures(w) == (3, 6, 2, 1, 3)  # Tue 16:59:59 is late; Tue 17:00:00 is due Wed 20:00
    assert (w.on_time_rate, w.best_rate, w.worst_rate) == (Decimal("0.6667"), Decimal("0.8333"),
                                                           Decimal("0.3333"))
    assert w.daily_average == Decimal("2.00") and w.projected_tier is None


def test_at_wednesday_200001_they_are_late_and_the_1700_order_is_due_tomorrow(midweek):
    w = week_to_date(store_id=midweek.pk, as_of=day(2, 20, 0, 1))
    assert figures(w) == (3, 6, 2, 3, 1)
    assert (w.on_time_rate, w.best_rate, w.worst_rate) == (Decimal("0.4000"), Decimal("0.5000"),
                                                           Decimal("0.3333"))


def test_an_order_paid_at_1700_is_open_until_the_next_evening_and_1659_is_not(midweek):
    before = week_to_date(store_id=midweek.pk, as_of=day(2, 16, 59, 59))  # Tue 16:59:59 → late since Tue 20:00
    assert figures(before) == (3, 6, 2, 1, 3)
    at_five = week_to_date(store_id=midweek.pk, as_of=day(2, 17))
    assert at_five.open_orders == 3 and at_five.late_orders == 1


def test_days_that_have_not_begun_do_not_count():
    store = enrolled()
    make_orders(store, 3, day(0, 9))
    w = week_to_date(store_id=store.pk, as_of=day(0, 12))
    assert (w.counted_days, w.orders, w.daily_average) == (1, 3, Decimal("3.00"))


def test_the_projected_tier_counts_open_orders_at_the_rate_so_far():
    store = enrolled()
    make_orders(store, 600, day(0))
    make_orders(store, 300, day(1, 9), ship=False)
    w = week_to_date(store_id=store.pk, as_of=day(1, 12))
    assert (w.counted_days, w.orders, w.on_time_orders, w.open_orders) == (2, 900, 600, 300)
    assert w.daily_average == Decimal("450.00") and w.projected_tier == Decimal("0.20")
    late = week_to_date(store_id=store.pk, as_of=day(1, 20, 0, 1))
    assert late.on_time_rate == Decimal("0.6667") and late.projected_tier is None


def test_on_monday_after_2000_week_to_date_equals_the_settlement():
    busy = enrolled(counting_from=WEEK + dt.timedelta(days=6))
    make_orders(busy, 300, day(6))
    make_orders(busy, 20, day(6, 17), shipped_after=dt.timedelta(hours=28))  # Monday 21:00: late
    make_orders(busy, 5, day(6), channel=Order.Channel.OTHER)
    make_orders(busy, 4, day(6), ship=False, refunded_at=day(6, 12))
    mixed = enrolled()
    make_orders(mixed, 10, day(0))
    make_orders(mixed, 7, day(3, 18), shipped_after=dt.timedelta(hours=30))
    make_orders(mixed, 3, day(4), ship=False)
    LedgerEntryFactory(store=mixed, amount=Decimal("-50.00"), created_at=day(2, 9))  # Wed–Thu negative
    LedgerEntryFactory(store=mixed, amount=Decimal("80.00"), created_at=day(4, 9))
    settlement_start(week=WEEK, now=AFTER_WEEK, inline=True)
    for store in (busy, mixed):
        w = week_to_date(store_id=store.pk, as_of=AFTER_WEEK, week=WEEK)
        r = WeeklyResult.objects.get(store=store, week=WEEK)
        assert (w.counted_days, w.orders, w.on_time_orders, w.on_time_rate, w.daily_average, w.projected_tier) == \
            (r.counted_days, r.orders, r.on_time_orders, r.on_time_rate, r.daily_average, r.tier)
        assert w.open_orders == 0 and w.late_orders == r.orders - r.on_time_orders
    assert WeeklyResult.objects.get(store=busy).tier == Decimal("0.20")
    assert WeeklyResult.objects.get(store=mixed).counted_days == 5


def test_the_endpoint_gives_the_current_week_of_an_own_store(merchant_api, store, other_store):
    EnrollmentFactory(store=store, counting_from=WEEK, joined_at=timeutil.local_at(WEEK - dt.timedelta(days=2), 9))
    make_orders(store, 2, day(0))
    make_orders(store, 1, day(2, 17), ship=False)
    with time_machine.travel(day(2, 20, 0, 1), tick=False):
        body = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/logistics-week-to-date/").json()
        assert merchant_api.get(f"/api/v1/merchant/stores/{other_store.pk}/logistics-week-to-date/"
                                ).status_code == 404
    assert body == {"week": "2026-W46", "as_of": "2026-11-11T20:00:01+08:00", "counted_days": 3, "orders": 3,
                    "on_time_orders": 2, "late_orders": 0, "open_orders": 1, "on_time_rate": "1.0000",
                    "best_rate": "1.0000", "worst_rate": "0.6667", "daily_average": "1.00", "projected_tier": None}


def test_a_parcel_sent_in_time_whose_pickup_scan_has_not_come_yet_can_still_be_on_time():
    """SPEC §6: it counts towards the best rate, not the worst, and is not late."""
    store = enrolled()
    make_orders(store, 2, day(0))  # on time
    make_orders(store, 1, day(0), picked=False)  # sent Monday 11:00 (deadline Monday 20:00), no scan yet
    make_orders(store, 1, day(0), shipped_after=dt.timedelta(hours=12))  # sent Monday 22:00: late
    w = week_to_date(store_id=store.pk, as_of=day(2, 12))
    assert figures(w) == (3, 4, 2, 1, 1)
    assert (w.best_rate, w.worst_rate, w.on_time_rate) == (Decimal("0.7500"), Decimal("0.5000"), Decimal("0.6667"))


def test_a_parcel_sent_after_its_deadline_or_without_official_logistics_is_late_scan_or_not():
    store = enrolled()
    make_orders(store, 1, day(0), shipped_after=dt.timedelta(hours=12), picked=False)
    make_orders(store, 1, day(0), official=False, picked=False)
    w = week_to_date(store_id=store.pk, as_of=day(0, 23))
    assert figures(w) == (1, 2, 0, 2, 0)
    assert (w.best_rate, w.worst_rate) == (Decimal("0.0000"), Decimal("0.0000"))
