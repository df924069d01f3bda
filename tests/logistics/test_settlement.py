import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import timeutil
from config.api.errors import StateConflict
from logistics import selectors
from logistics.models import (
    Enrollment,
    LogisticsPolicy,
    SettlementBatch,
    SettlementRun,
    WeeklyResult,
)
from logistics.settlement import settlement_batch_process
from merchants.models import LedgerEntry, Order
from tests.factories import LedgerEntryFactory, StoreFactory
from tests.logistics.factories import AFTER_WEEK, WEEK, EnrollmentFactory, make_orders
from tests.logistics.weeks import SUNDAY, day, enrolled, result, settle

pytestmark = pytest.mark.django_db
# --- boundaries of the rules ------------------------------------------------------------------------
@pytest.mark.parametrize("orders, tier, amount", [(300, Decimal("0.20"), Decimal("60.00")), (299, None, Decimal("0"))])
def test_y_exactly_300_reaches_the_020_tier(orders, tier, amount):
    store = enrolled(counting_from=SUNDAY)  # one counted day: Y = orders
    make_orders(store, orders, day(6))
    settle()
    r = result(store)
    assert (r.counted_days, r.orders, r.tier, r.amount) == (1, orders, tier, amount)
    assert r.status == (WeeklyResult.Status.PAID if tier else WeeklyResult.Status.NO_INCENTIVE)


@pytest.mark.parametrize("orders, tier", [(1000, Decimal("0.30")), (999, Decimal("0.20"))])
def test_y_exactly_1000_reaches_the_030_tier(orders, tier):
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, orders, day(6))
    settle()
    assert result(store).tier == tier
    assert result(store).amount == tier * orders


@pytest.mark.parametrize("on_time, paid", [(8500, True), (8499, False)])
def test_on_time_rate_exactly_85_percent_pays_and_8499_does_not(on_time, paid):
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, on_time, day(6))
    make_orders(store, 10000 - on_time, day(6), shipped_after=dt.timedelta(hours=11))  # 21:00: late
    settle()
    r = result(store)
    assert r.orders == 10000 and r.on_time_orders == on_time
    assert r.on_time_rate == Decimal(on_time) / 10000
    assert r.parcels == 10000  # late parcels with a pickup scan are paid too
    assert (r.status == WeeklyResult.Status.PAID) is paid
    assert r.amount == (Decimal("3000.00") if paid else 0)


def test_join_on_wednesday_counts_from_friday_and_y_is_over_3_counted_days():
    store = EnrollmentFactory(joined_at=day(2), counting_from=WEEK + dt.timedelta(days=4)).store
    make_orders(store, 500, day(2))  # Wednesday, not counted
    make_orders(store, 500, day(3))  # Thursday, not counted
    make_orders(store, 300, day(4))
    make_orders(store, 300, day(5))
    make_orders(store, 299, day(6))
    settle()
    r = result(store)
    assert (r.counted_days, r.orders) == (3, 899)
    assert r.daily_average == Decimal("299.67")
    assert r.tier is None  # 899 / 3 < 300, exact fraction


def test_non_taote_orders_are_excluded():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    make_orders(store, 100, day(6), channel=Order.Channel.OTHER)
    settle()
    assert (result(store).orders, result(store).parcels) == (300, 300)


def test_orders_refunded_before_shipping_leave_the_denominator():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    make_orders(store, 50, day(6, 9), ship=False, refunded_at=day(6, 11))  # refunded, never shipped
    make_orders(store, 50, day(6, 9), refunded_at=day(6, 9, 30))  # refunded, then (wrongly) shipped at 10:00
    make_orders(store, 20, day(6, 9), refunded_at=day(6, 12))  # shipped 10:00, refunded after: counts
    settle()
    assert result(store).orders == 320


def test_unshipped_orders_count_in_the_denominator_but_are_not_on_time():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    make_orders(store, 100, day(6), ship=False)
    make_orders(store, 10, day(6), official=False)
    make_orders(store, 10, day(6), picked=False)
    settle()
    r = result(store)
    assert (r.orders, r.on_time_orders, r.parcels) == (420, 300, 300)


def test_paid_1659_shipped_2000_on_time_and_paid_1700_shipped_next_day_2000_on_time():
    store = enrolled(counting_from=SUNDAY - dt.timedelta(days=1))
    make_orders(store, 1, day(5, 16, 59, 59), shipped_after=dt.timedelta(hours=3, seconds=1))  # 20:00:00
    make_orders(store, 1, day(5, 16, 59, 59), shipped_after=dt.timedelta(hours=3, seconds=2))  # 20:00:01 late
    make_orders(store, 1, day(5, 17), shipped_after=dt.timedelta(hours=27))  # next day 20:00:00
    settle()
    assert (result(store).orders, result(store).on_time_orders) == (3, 2)


def test_days_with_a_negative_balance_do_not_count_until_the_top_up_day():
    store = enrolled()
    LedgerEntryFactory(store=store, kind=LedgerEntry.Kind.FINE, amount=Decimal("-50.00"), created_at=day(1, 10))
    LedgerEntryFactory(store=store, kind=LedgerEntry.Kind.TOPUP, amount=Decimal("50.00"), created_at=day(3, 15))
    for n in range(7):
        make_orders(store, 10, day(n))
    settle()
    # Tuesday and Wednesday end negative; Thursday's top-up restores it and Thursday counts.
    assert (result(store).counted_days, result(store).orders) == (5, 50)


def test_a_balance_restored_the_same_day_does_not_interrupt():
    store = enrolled()
    LedgerEntryFactory(store=store, kind=LedgerEntry.Kind.FINE, amount=Decimal("-50.00"), created_at=day(1, 10))
    LedgerEntryFactory(store=store, kind=LedgerEntry.Kind.TOPUP, amount=Decimal("60.00"), created_at=day(1, 23))
    settle()
    assert result(store).counted_days == 7


def test_the_day_of_cancellation_and_later_do_not_count():
    store = EnrollmentFactory(counting_from=WEEK, status=Enrollment.Status.CANCELLED,
                              cancelled_at=day(3, 8)).store
    for n in range(7):
        make_orders(store, 10, day(n))
    settle()
    assert (result(store).counted_days, result(store).orders) == (3, 30)


def test_rejoin_in_the_week_counts_again_from_its_own_t_plus_2():
    store = EnrollmentFactory(counting_from=WEEK - dt.timedelta(days=7), status=Enrollment.Status.CANCELLED,
                              cancelled_at=day(1, 8)).store
    EnrollmentFactory(store=store, joined_at=day(2), counting_from=WEEK + dt.timedelta(days=4))
    settle()
    assert result(store).counted_days == 1 + 3  # Monday, then Friday–Sunday


def test_a_store_not_enrolled_in_the_week_gets_no_result():
    outside = EnrollmentFactory(counting_from=WEEK + dt.timedelta(days=7)).store
    gone = EnrollmentFactory(counting_from=WEEK - dt.timedelta(days=30), status=Enrollment.Status.CANCELLED,
                             cancelled_at=day(0, 12)).store  # cancelled on Monday: no day counts
    make_orders(outside, 10, day(1))
    settle()
    assert not WeeklyResult.objects.filter(store__in=[outside, gone]).exists()


def test_orders_outside_the_week_are_ignored():
    store = enrolled()
    make_orders(store, 5, day(0, 0, 0, 0))
    make_orders(store, 7, timeutil.local_at(WEEK, 0) - dt.timedelta(seconds=1))
    make_orders(store, 9, timeutil.local_at(WEEK + dt.timedelta(days=7), 0))
    settle()
    assert result(store).orders == 5


# --- exactly once -----------------------------------------------------------------------------------
@pytest.mark.parametrize("now", [AFTER_WEEK - dt.timedelta(seconds=1), WEEK_END := timeutil.local_at(
    WEEK + dt.timedelta(days=7), 20)])
def test_settling_before_monday_2000_has_passed_is_refused(now):
    with pytest.raises(StateConflict) as exc:
        settle(now=now)
    assert exc.value.code == "week_not_finished"
    assert not SettlementRun.objects.exists()


def test_settling_twice_settles_each_store_once():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    first = settle()
    second = settle()
    assert (first.status, first.stores, first.total) == (SettlementRun.Status.SUCCEEDED, 1, Decimal("60.00"))
    assert (second.status, second.stores, second.batches_total) == (SettlementRun.Status.SUCCEEDED, 0, 0)
    assert WeeklyResult.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.INCENTIVE).count() == 1


def test_worker_dying_halfway_then_rerun_settles_every_store_exactly_once(monkeypatch):
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = 1
    policy.save()
    stores = [enrolled(counting_from=SUNDAY) for _ in range(3)]
    for store in stores:
        make_orders(store, 300, day(6))
    real = selectors.week_figures
    calls = []

    def dies_on_second_batch(week, store_ids):
        calls.append(store_ids)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(week, store_ids)

    monkeypatch.setattr(selectors, "week_figures", dies_on_second_batch)
    run = settle()
    assert (run.status, run.batches_done, run.batches_failed, run.stores) == (SettlementRun.Status.FAILED, 3, 1, 2)
    assert "worker lost" in run.errors
    assert WeeklyResult.objects.count() == 2  # the failed batch rolled back entirely
    monkeypatch.setattr(selectors, "week_figures", real)
    rerun = settle()
    assert (rerun.status, rerun.stores) == (SettlementRun.Status.SUCCEEDED, 1)
    for store in stores:
        assert WeeklyResult.objects.filter(store=store).count() == 1
        assert LedgerEntry.objects.filter(store=store, kind=LedgerEntry.Kind.INCENTIVE).count() == 1


def test_a_redelivered_batch_task_does_nothing_the_second_time():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    run = settle()
    batch = SettlementBatch.objects.get(run=run)
    settlement_batch_process(batch_id=batch.pk)
    run.refresh_from_db()
    assert (run.batches_done, run.stores) == (1, 1)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.INCENTIVE).count() == 1


def test_queries_grow_with_batches_not_with_shipments():
    def count_queries(orders_per_store):
        WeeklyResult.objects.all().delete()
        stores = [enrolled(counting_from=SUNDAY) for _ in range(4)]
        for store in stores:
            make_orders(store, orders_per_store, day(6))
        with CaptureQueriesContext(connection) as ctx:
            settle()
        Enrollment.objects.filter(store__in=stores).update(status=Enrollment.Status.CANCELLED, cancelled_at=day(0))
        return len(ctx.captured_queries)

    LogisticsPolicy.current()  # created once, outside the measurement
    tiny, large = count_queries(300), count_queries(3000)
    assert tiny == large
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = 2
    policy.save()
    assert count_queries(300) > large  # two batches instead of one


def test_command_settles_a_week_and_refuses_an_unfinished_one(capsys):
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    call_command("settle_logistics_incentives", "--week", "2026-W46", "--now", AFTER_WEEK.isoformat())
    assert "stores 1" in capsys.readouterr().out
    assert result(store).status == WeeklyResult.Status.PAID
    with pytest.raises(CommandError):
        call_command("settle_logistics_incentives", "--week", "2026-W46", "--now", WEEK_END.isoformat())
    with pytest.raises(CommandError):
        call_command("settle_logistics_incentives", "--week", "2026-47")


def test_beat_task_settles_the_previous_week(settings):
    import time_machine

    from logistics.tasks import settle_week

    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    with time_machine.travel(timeutil.local_at(WEEK + dt.timedelta(days=8), 2), tick=False):  # Tuesday 02:00
        run_id = settle_week.delay().get()
    assert SettlementRun.objects.get(pk=run_id).week == WEEK
    assert result(store).status == WeeklyResult.Status.PAID


def test_weekly_results_api_shows_own_results_by_week(merchant_api, store, other_store):
    EnrollmentFactory(store=store, counting_from=SUNDAY)
    EnrollmentFactory(store=other_store, counting_from=SUNDAY)
    make_orders(store, 1000, day(6))
    settle()
    response = merchant_api.get(f"/api/v1/merchant/logistics/weekly-results/?store={store.pk}&week=2026-W46")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {k: row[k] for k in ["week", "store", "counted_days", "orders", "on_time_orders", "daily_average",
                                "on_time_rate", "tier", "parcels", "amount", "payout", "status"]} == {
        "week": "2026-W46", "store": store.pk, "counted_days": 1, "orders": 1000, "on_time_orders": 1000,
        "daily_average": "1000.00", "on_time_rate": "1.0000", "tier": "0.30", "parcels": 1000, "amount": "300.00",
        "payout": "cash", "status": "paid"}
    assert merchant_api.get("/api/v1/merchant/logistics/weekly-results/?week=2026-47").status_code == 400
    assert merchant_api.get("/api/v1/merchant/logistics/weekly-results/?week=2026-W45").json()["count"] == 0


def test_credit_metrics_on_time_rate_for_a_local_month():
    store, silent = enrolled(), StoreFactory()
    make_orders(store, 3, day(2))
    make_orders(store, 1, day(2), picked=False)
    Order.objects.create(store=silent, product=store.products.first(), buyer_id="x", amount=1, paid_at=day(2),
                         channel=Order.Channel.TAOTE, payment_method=Order.PaymentMethod.STANDARD)
    rates = selectors.credit_metrics([store.pk, silent.pk], dt.date(2026, 11, 1))
    assert rates == {store.pk: {"on_time_rate": Decimal("0.7500")}, silent.pk: {"on_time_rate": None}}
