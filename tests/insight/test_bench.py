"""Keeps bench/risk_check.py from rotting: the whole benchmark at a tiny size."""
import pytest

from bench import risk_check as bench
from merchants.models import RiskCheck

pytestmark = pytest.mark.django_db(transaction=True)


def test_risk_benchmark_runs_end_to_end_at_tiny_size():
    lines = []
    summary = bench.run(stores=30, batch_size=7, out=lines.append)
    assert len(lines) == 5 and "ratio" not in lines[0] and "×" in lines[-1]
    assert RiskCheck.objects.count() == 30
    # one set-based pass per batch: the same number of queries for a batch of 7 and of 2
    assert len(set(summary["check_queries"])) == 1
    assert summary["ratio"] > 0


def test_the_bare_write_writes_what_the_self_check_wrote_and_keeps_nothing():
    measurement, = bench.measure(scale=0.003, out=lambda line: None)
    assert "aggregate + write" in measurement.baseline
    assert RiskCheck.objects.count() == 30  # the baseline's own rows were rolled back


def test_a_bare_write_that_grades_differently_is_refused(monkeypatch):
    bench.run(stores=30, batch_size=7, out=lambda line: None)
    monkeypatch.setattr(bench, "BARE_WRITE_SQL", bench.BARE_WRITE_SQL.replace("GREATEST(", "LEAST(", 2))
    with pytest.raises(AssertionError, match="differ from the self-check"):
        bench.bare_write()
