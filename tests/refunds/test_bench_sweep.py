"""Keeps bench/refund_sweep.py from rotting: the whole benchmark at a tiny size."""
import pytest

from bench import refund_sweep as bench
from bench.common import Measurement
from merchants.models import Violation
from refunds.models import RefundCase

pytestmark = pytest.mark.django_db(transaction=True)


def test_refund_sweep_benchmark_runs_end_to_end_at_tiny_size():
    lines = []
    measurements = bench.measure(scale=0.001, out=lines.append, batch_size=40)

    assert [m.name for m in measurements] == ["refund sweep", "refund sweep, 2 workers", "refund sweep, 10× data",
                                              "refund sweep, nothing due"]
    assert all(isinstance(m, Measurement) and m.value > 0 and m.project and m.baseline for m in measurements)
    assert len(lines) == 6 and "bare UPDATE + history INSERT" in lines[1] and "nothing due" in lines[2]
    # the last data set (48-hour refunds): every due case refunded once, one violation each
    moved = RefundCase.history.filter(history_change_reason__contains="did not refund in time")
    assert moved.count() == moved.values("id").distinct().count() == Violation.objects.count() == 100
