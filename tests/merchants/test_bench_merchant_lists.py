"""Keeps bench/merchant_lists.py from rotting: the whole benchmark at a tiny size."""
import time

import pytest

from bench import merchant_lists as bench

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_merchant_lists_benchmark_serves_every_list_and_reports_a_ratio_each():
    lines = []
    started = time.monotonic()
    results = bench.measure(scale=0.002, out=lines.append)
    assert [r.name for r in results] == ["merchant list ledger", "merchant list refund cases",
                                         "merchant list pay-later orders"]
    assert all(r.percent and r.goal == "≥ 50%" and r.value > 0 for r in results)
    assert time.monotonic() - started < 40, lines
