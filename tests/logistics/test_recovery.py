"""Settlement runs recover by themselves: the watchdog queues again the batches a lost worker left."""
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from config import health
from config.models import Heartbeat
from logistics.models import LogisticsPolicy, SettlementBatch, SettlementRun, WeeklyResult
from logistics.recovery import settlement_watchdog_sweep, stuck_runs
from logistics.settlement import settlement_batch_process, settlement_prepare
from merchants.models import LedgerEntry
from tests.logistics.factories import AFTER_WEEK, WEEK, make_orders
from tests.logistics.test_admin import admin_client  # noqa: F401  (fixture)
from tests.logistics.test_settlement import SUNDAY, day, enrolled

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_run(settings):
    """A run of three one-store batches whose tasks were lost with their worker: nothing was settled."""
    settings.SETTLEMENT_STUCK_MINUTES = 10
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = 1
    policy.save()
    stores = [enrolled(counting_from=SUNDAY) for _ in range(3)]
    for store in stores:
        make_orders(store, 300, day(6))
    run, _batch_ids = settlement_prepare(week=WEEK, now=AFTER_WEEK)
    return run, stores


def minutes_later(minutes):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes))


def test_a_run_with_no_progress_for_the_stuck_minutes_is_queued_again_and_finishes(
        lost_run, django_capture_on_commit_callbacks):
    run, stores = lost_run
    with minutes_later(11), django_capture_on_commit_callbacks(execute=True):
        assert list(stuck_runs()) == [run]
        assert settlement_watchdog_sweep() == 3  # tasks run eagerly in tests: settled right away
    run.refresh_from_db()
    assert (run.status, run.batches_done, run.stores) == (SettlementRun.Status.SUCCEEDED, 3, 3)
    assert WeeklyResult.objects.filter(week=WEEK).count() == 3
    for store in stores:
        assert LedgerEntry.objects.filter(store=store, kind=LedgerEntry.Kind.INCENTIVE).count() == 1
    assert set(SettlementBatch.objects.values_list("dispatches", flat=True)) == {2}


def test_a_run_is_not_stuck_before_the_stuck_minutes(lost_run):
    with minutes_later(9):
        assert not stuck_runs().exists()
        assert settlement_watchdog_sweep() == 0
    assert set(SettlementBatch.objects.values_list("dispatches", flat=True)) == {1}


def test_a_run_whose_batches_keep_finishing_is_slow_not_stuck(lost_run):
    run, _stores = lost_run
    with minutes_later(30):
        settlement_batch_process(batch_id=run.batches.order_by("number").first().pk)
    with minutes_later(35):
        assert not stuck_runs().exists()
    with minutes_later(41):
        assert list(stuck_runs()) == [run]


def test_the_watchdog_queues_a_batch_again_only_once_per_stuck_period(lost_run):
    with minutes_later(11):
        assert settlement_watchdog_sweep() == 3  # eager tasks wait for a commit that never comes here
        assert settlement_watchdog_sweep() == 0
    with minutes_later(22):
        assert settlement_watchdog_sweep() == 3
    assert set(SettlementBatch.objects.values_list("dispatches", flat=True)) == {3}


def test_finished_and_failed_runs_are_never_stuck(lost_run):
    run, _stores = lost_run
    SettlementRun.objects.filter(pk=run.pk).update(status=SettlementRun.Status.FAILED)
    with minutes_later(60):
        assert settlement_watchdog_sweep() == 0


def test_healthz_reports_a_stuck_run_as_unhealthy(client, lost_run, monkeypatch):
    run, _stores = lost_run
    monkeypatch.setattr(health, "_broker", lambda: {"ok": True})
    with minutes_later(11):
        for name in ("worker", "beat"):
            Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
        response = client.get("/healthz")
    assert response.status_code == 503
    check = response.json()["checks"]["settlement"]
    assert check["ok"] is False
    assert check["stuck_runs"] == [{"id": run.pk, "week": "2026-W46", "batches_done": 0, "batches_total": 3,
                                    "started_at": timezone.localtime(run.started_at).isoformat()}]


def test_healthz_settlement_check_is_ok_while_a_run_progresses(client, lost_run, monkeypatch):
    monkeypatch.setattr(health, "_broker", lambda: {"ok": True})
    for name in ("worker", "beat"):
        Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["settlement"] == {"ok": True, "stuck_after_minutes": 10, "stuck_runs": []}


def test_operators_see_stuck_runs_at_the_top_of_the_settlement_worklist(admin_client, lost_run):  # noqa: F811
    run, _stores = lost_run
    with minutes_later(11):
        page = admin_client.get("/admin/logistics/settlementrun/?stuck=yes").content.decode()
    assert "1 settlement run is stuck" in page
    assert f"/admin/logistics/settlementrun/{run.pk}/change/" in page
    assert "1 settlement run is stuck" not in admin_client.get("/admin/logistics/settlementrun/").content.decode()


def test_the_watchdog_command_queues_lost_batches(lost_run, capsys, django_capture_on_commit_callbacks):
    run, _stores = lost_run
    with minutes_later(11), django_capture_on_commit_callbacks(execute=True):
        call_command("settlement_watchdog")
    assert "batches queued again: 3" in capsys.readouterr().out
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.SUCCEEDED
