"""Keeps bench/settlement.py from rotting: the whole benchmark at a tiny size."""
import pytest

from bench import settlement as bench
from logistics.models import WeeklyResult

pytestmark = pytest.mark.django_db(transaction=True)


def test_benchmark_runs_end_to_end_at_tiny_size():
    lines = []
    summary = bench.run(stores=30, shipments=3000, scale=2, batch_size=7, out=lines.append)
    assert len(lines) == 5
    assert "ratio" in lines[1] and "bare aggregate" in lines[2]
    assert set(summary) == {"ratio", "ratio_big", "scaling", "bare_scaling"}
    assert WeeklyResult.objects.count() == 60  # the 10×… here 2× data set: every store settled once


def test_benchmark_with_worker_processes():
    bench.generate(stores=20, shipments=2000)
    took, run = bench.settle(workers=2)
    assert run.status == "succeeded" and run.stores == 20


def test_benchmark_agrees_with_its_baseline_on_a_flushed_database_where_stores_reach_a_tier():
    """The suite's flushes remove the migration's tiers; the benchmark must set up SPEC's tiers
    itself, or the settlement pays none while the hand-written baseline does (the make-bench
    test failed whenever the random data put a store over 300 orders a day)."""
    from logistics.models import IncentiveTier

    IncentiveTier.objects.all().delete()
    bench.run(stores=10, shipments=10000, scale=2, out=lambda line: None)  # raises when they disagree
    assert WeeklyResult.objects.filter(tier__isnull=False).exists()  # the store the skew favours got a tier
    assert IncentiveTier.objects.count() == 2


def test_a_repetition_settles_the_week_afresh_and_pays_each_store_once():
    """Each side is timed several times, the settlement undone in between: every repetition must
    settle the same week from nothing and still agree with the baseline."""
    from merchants.models import LedgerEntry

    bench.measure_once(stores=10, shipments=30000, workers=1, batch_size=3, out=lambda line: None, repeats=3)
    paid = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.INCENTIVE)
    assert paid.count() == WeeklyResult.objects.filter(amount__gt=0).count() > 0
    assert paid.values("store_id").distinct().count() == paid.count()
    # each repetition wrote its own payouts (the earlier ones were undone, not found and skipped)
    others = LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.INCENTIVE).order_by("-id").first()
    assert paid.order_by("id").first().id > others.id + 2 * paid.count()
    assert WeeklyResult.objects.count() == 10
