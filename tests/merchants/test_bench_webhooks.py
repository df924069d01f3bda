"""Keeps bench/webhooks.py from rotting: the whole benchmark at a tiny size."""
import pytest

from bench import webhooks as bench

pytestmark = pytest.mark.django_db(transaction=True)


def test_webhooks_benchmark_runs_end_to_end_at_tiny_size():
    lines = []
    summary = bench.run(events=40, endpoints=2, n=5, out=lines.append)
    assert len(lines) == 4 and "events/s" in lines[1]
    assert set(summary) == {"one_worker", "two_workers", "refund_case_open", "paylater_order_accept"}
    assert all(value > 0 for value in summary.values())
