"""Keeps bench/risk_check.py from rotting: the whole benchmark at a tiny size."""
import pytest

from bench import risk_check as bench
from merchants.models import RiskCheck

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_risk_benchmark_runs_end_to_end_at_tiny_size():
    lines = []
    summary = bench.run(stores=30, batch_size=7, out=lines.append)
    assert len(lines) == 5 and "ratio" not in lines[0] and "×" in lines[-1]
    assert RiskCheck.objects.count() == 30
    # one set-based pass per batch: the same number of queries for a batch of 7 and of 2
    assert len(set(summary["check_queries"])) == 1
    assert summary["ratio"] > 0
