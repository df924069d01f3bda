"""Keeps bench/order_intake.py from rotting: the whole benchmark at a tiny size."""
import time
from decimal import Decimal

import pytest

from bench import order_intake as bench
from merchants.models import LedgerEntry, Order
from paylater.models import Refusal

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_order_intake_benchmark_accepts_every_order_records_every_refusal_and_reports_two_ratios():
    lines = []
    started = time.monotonic()
    result, mixed = bench.measure(scale=0.002, out=lines.append)
    assert result.name == "order intake (8 clients)" and result.percent and result.goal == "≥ 60%"
    assert result.value > 0 and "orders/s" in result.project and "GET/s" in result.baseline
    assert mixed.name == "order intake with refusals (8 clients)" and mixed.goal == "≥ 95%" and mixed.value > 0
    # warm-up 2, then 3 accepted-only runs of 5; the mixed warm-up of 4 and 3 mixed runs of 5 refuse 1 in 4
    accepted = Order.objects.filter(amount=Decimal("10.00"), status="placed").exclude(buyer_id__startswith="bare")
    assert accepted.count() == 8 * (2 + 3 + 3 * 5 + 3 * 4)
    assert LedgerEntry.objects.filter(kind="paylater_fee").count() == accepted.count()
    refusals = Refusal.objects.filter(code="credit_limit_exceeded", amount=Decimal(bench.REFUSED_AMOUNT))
    assert refusals.count() == 8 * (1 + 3)  # n = 3 of each run of 4 or 5: every refusal on record
    assert time.monotonic() - started < 120, lines


def test_the_floor_ladder_measures_every_rung_against_the_bare_insert():
    lines = []
    rows = bench.ladder(scale=0.002, out=lines.append)
    assert [row["rung"] for row in rows] == ["a", "b", "c", "d", "e", "f", "floor"]
    assert all(row["rate"] > 0 and row["client"] >= 0 for row in rows)
    assert rows[-1]["percent"] == 100 and rows[-1]["server"] is None
    assert all(row["server"] is not None and row["postgres"] is not None for row in rows[:-1])
    assert lines[1].startswith("| rung |") and len(lines) == 3 + len(rows)
    # rung e went through the real intake: its orders were accepted
    assert Order.objects.filter(buyer_id__startswith="i", amount=Decimal("10.00"), status="placed").count() == 8 * 7
    # rung f wrote the same rows with intake's statements: order, history row, fee entry
    floor = Order.objects.filter(buyer_id__startswith="f", amount=Decimal("10.00"), status="placed")
    assert floor.count() == 8 * 7
    assert LedgerEntry.objects.filter(reference__in=[f"order:{pk}" for pk in floor.values_list("pk", flat=True)],
                                      kind="paylater_fee").count() == 8 * 7
    assert all(order.history.count() == 1 for order in floor)
