"""Settlement batches and runs change status only through config.states: every batch that is
done or failed, and the run that closes, leaves a history row saying which job did it."""
import pytest

from logistics import selectors
from logistics.models import LogisticsPolicy, SettlementBatch, SettlementRun
from logistics.settlement import JOB
from tests.logistics.factories import make_orders
from tests.logistics.test_settlement import SUNDAY, day, enrolled, settle

pytestmark = pytest.mark.django_db


def test_a_failed_batch_and_its_run_are_recorded_in_the_history(monkeypatch):
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = 1
    policy.save()
    for _ in range(2):
        make_orders(enrolled(counting_from=SUNDAY), 300, day(6))
    real = selectors.week_figures

    def dies_on_the_first_batch(week, store_ids):
        if not SettlementBatch.objects.filter(status=SettlementBatch.Status.DONE).exists() \
                and not SettlementBatch.objects.filter(status=SettlementBatch.Status.FAILED).exists():
            raise RuntimeError("worker lost")
        return real(week, store_ids)

    monkeypatch.setattr(selectors, "week_figures", dies_on_the_first_batch)
    run = settle()

    failed, done = SettlementBatch.objects.filter(run=run).order_by("number")
    assert (failed.status, done.status) == (SettlementBatch.Status.FAILED, SettlementBatch.Status.DONE)
    failed_row = failed.history.get()
    assert failed_row.status == "failed" and "worker lost" in failed_row.error
    assert failed_row.history_change_reason == f"{JOB} — failed"
    assert done.history.get().history_change_reason == JOB
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.FAILED
    closing = run.history.order_by("-history_id").first()
    assert (closing.status, closing.history_change_reason) == ("failed", JOB)
