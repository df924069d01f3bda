"""bench/credit_evaluation.py's yardstick: the hand-written aggregate that also writes what an
evaluation keeps, rolled back, and refused when it does not write what the evaluation wrote."""
import pytest

from bench import credit_evaluation as bench
from merchants.models import CreditEvaluation

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bare_write_writes_what_the_evaluation_wrote_and_keeps_nothing():
    measurement, = bench.measure(scale=0.003, out=lambda line: None)
    assert "aggregate + write" in measurement.baseline and "read only" in measurement.baseline
    assert CreditEvaluation.objects.count() == 30  # the baseline's own rows were rolled back
    assert set(CreditEvaluation.objects.values_list("month", flat=True)) == {bench.MONTH}


def test_a_bare_write_that_limits_differently_is_refused(monkeypatch):
    bench.measure(scale=0.003, out=lambda line: None)
    monkeypatch.setattr(bench, "BARE_WRITE_SQL", bench.BARE_WRITE_SQL.replace("FLOOR(", "CEIL(", 1))
    with pytest.raises(AssertionError, match="bare write differs from the evaluation"):
        bench.bare_write()
