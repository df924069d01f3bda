"""Exactly one settlement per store and week under real concurrency (PostgreSQL, threads)."""
import datetime as dt

import pytest

from logistics.models import LogisticsPolicy, SettlementBatch, SettlementRun, WeeklyResult
from logistics.settlement import clawback_sweep, settlement_batch_process, settlement_start
from merchants.models import LedgerEntry, Violation
from tests.factories import ViolationFactory
from tests.logistics.factories import AFTER_WEEK, WEEK, EnrollmentFactory, make_orders
from tests.logistics.test_settlement import SUNDAY, day

pytestmark = pytest.mark.django_db(transaction=True)


def paid_stores(n):
    stores = [EnrollmentFactory(counting_from=SUNDAY).store for _ in range(n)]
    for store in stores:
        make_orders(store, 300, day(6))
    return stores


def test_concurrent_runs_of_one_week_settle_each_store_once(threads):
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = 2
    policy.save()
    stores = paid_stores(6)
    results = threads(lambda i: settlement_start(week=WEEK, now=AFTER_WEEK, inline=True), 4)
    assert all(isinstance(r, SettlementRun) for r in results), results
    assert sum(r.stores for r in results) == 6
    assert WeeklyResult.objects.filter(week=WEEK).count() == 6
    for store in stores:
        assert LedgerEntry.objects.filter(store=store, kind=LedgerEntry.Kind.INCENTIVE).count() == 1
    assert {r.status for r in SettlementRun.objects.all()} == {SettlementRun.Status.SUCCEEDED}


def test_the_same_batch_delivered_to_two_workers_at_once_is_settled_once(threads):
    stores = paid_stores(3)
    run = SettlementRun.objects.create(week=WEEK, batches_total=1)
    batch = SettlementBatch.objects.create(run=run, number=1, store_ids=sorted(s.pk for s in stores))
    results = threads(lambda i: settlement_batch_process(batch_id=batch.pk), 3)
    assert results == [None, None, None]
    run.refresh_from_db()
    assert (run.batches_done, run.stores, run.status) == (1, 3, SettlementRun.Status.SUCCEEDED)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.INCENTIVE).count() == 3


def test_concurrent_claw_back_sweeps_debit_once(threads):
    (store,) = paid_stores(1)
    settlement_start(week=WEEK, now=AFTER_WEEK, inline=True)
    ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING, status=Violation.Status.CONFIRMED,
                     occurred_at=day(1))
    results = threads(lambda i: clawback_sweep(now=AFTER_WEEK + dt.timedelta(days=1)), 4)
    assert sum(results) == 1
    assert LedgerEntry.objects.filter(store=store, kind=LedgerEntry.Kind.INCENTIVE_REVERSAL).count() == 1
