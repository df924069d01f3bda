"""The refund timeout sweep (SPEC §3): run every minute by Celery beat and by hand."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from config.schedules import PERIODIC_JOBS
from merchants.models import Order, Violation
from merchants.orders.services import order_record_refund
from refunds import services
from refunds.models import RefundCase, RefundPolicy
from refunds.services import Actor, refund_timeouts_run
from refunds.tasks import run_refund_timeouts
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db
S = RefundCase.Status


def received_return(store, clock, amount="60.00"):
    case = open_case(store, type="return_refund", amount=amount)
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓")
    services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id), tracking_no="YT1")
    services.refund_case_return_received(case_id=case.pk, actor=Actor.merchant(store.owner))
    return RefundCase.objects.get(pk=case.pk)


def test_received_return_not_refunded_within_48_hours_is_refunded_and_a_violation_opened(clock, store):
    case = received_return(store, clock)
    assert case.refund_deadline == T0 + dt.timedelta(hours=48)
    clock.shift(dt.timedelta(hours=48) - dt.timedelta(seconds=1))
    assert refund_timeouts_run().cases_auto_refunded == 0
    clock.shift(dt.timedelta(seconds=61))
    assert refund_timeouts_run().cases_auto_refunded == 1
    case.refresh_from_db()
    assert case.status == S.REFUNDED
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("60.00")
    violation = Violation.objects.get(store=store)
    assert violation.kind == "after_sales_delay" and violation.status == "pending_review"
    assert violation.occurred_at == case.refund_deadline and violation.detected_by == "job: run_refund_timeouts"
    assert violation.dedup_key == f"refund_case:{case.pk}:after_sales_delay"
    assert case.history.first().history_change_reason.startswith("job: run_refund_timeouts")
    # Running again acts on nothing and opens nothing.
    assert refund_timeouts_run() == services.SweepResult()
    assert Violation.objects.count() == 1


def test_merchant_refund_at_the_48_hour_mark_is_refused_before_the_sweep(clock, merchant_api, store):
    case = received_return(store, clock)
    clock.move_to(case.refund_deadline)
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/refund/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    assert RefundCase.objects.get(pk=case.pk).status == S.RETURN_RECEIVED


def test_refund_window_is_policy(clock, store):
    policy = RefundPolicy.current()
    policy.refund_after_receipt_hours = 24
    policy.save()
    case = received_return(store, clock)
    assert case.refund_deadline == T0 + dt.timedelta(hours=24)


def test_return_not_shipped_within_7_days_closes_the_case(clock, store):
    case = open_case(store, type="return_refund")
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓")
    shipped = open_case(store, type="return_refund")
    services.refund_case_agree(case_id=shipped.pk, actor=Actor.merchant(store.owner), return_address="仓")
    services.refund_case_return_shipped(case_id=shipped.pk, actor=Actor.buyer("b"), tracking_no="SF")
    clock.shift(dt.timedelta(days=7))
    assert refund_timeouts_run().returns_closed == 1
    assert RefundCase.objects.get(pk=case.pk).status == S.CLOSED
    assert RefundCase.objects.get(pk=shipped.pk).status == S.AWAITING_RETURN


def test_overdue_refund_only_case_is_refunded_as_requested_at_its_deadline(clock, store):
    case = open_case(store, type="refund_only", amount="12.34")
    clock.shift(dt.timedelta(days=3))
    assert refund_timeouts_run().cases_auto_agreed == 1
    case.refresh_from_db()
    assert case.status == S.REFUNDED and case.refunded_at == case.merchant_deadline
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("12.34")


def test_an_error_on_one_case_is_logged_and_the_rest_continue(clock, store, monkeypatch, caplog):
    broken, fine = open_case(store, type="refund_only"), open_case(store, type="refund_only")

    def flaky(**kwargs):
        if kwargs["reference"] == f"refund_case:{broken.pk}":
            raise RuntimeError("ledger unavailable")
        return order_record_refund(**kwargs)

    def flaky_many(*, refunds):
        for refund in refunds:
            flaky(**refund)

    # the batch and its one-at-a-time fallback both refund through the set-based form
    monkeypatch.setattr(services.sweep, "order_record_refunds", flaky_many)
    clock.shift(dt.timedelta(hours=37))
    result = refund_timeouts_run()
    assert result.errors == 1 and result.cases_auto_agreed == 1
    assert RefundCase.objects.get(pk=broken.pk).status == S.PENDING  # rolled back, retried next minute
    assert RefundCase.objects.get(pk=fine.pk).status == S.REFUNDED
    assert f"refund case {broken.pk}" in caplog.text


def test_sweep_walks_every_batch(clock, store):
    cases = [open_case(store, type="refund_only") for _ in range(5)]
    clock.shift(dt.timedelta(hours=36))
    assert refund_timeouts_run(batch_size=2).cases_auto_agreed == 5
    assert set(RefundCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)) == {
        S.REFUNDED}


def test_command_runs_the_sweep_for_a_chosen_moment(clock, store, capsys):
    case = open_case(store, type="refund_only")
    call_command("run_refund_timeouts", "--now", "2026-11-21T21:59:59+08:00")
    assert RefundCase.objects.get(pk=case.pk).status == S.PENDING
    call_command("run_refund_timeouts", "--now", "2026-11-21T22:00:00+08:00")
    assert RefundCase.objects.get(pk=case.pk).status == S.REFUNDED
    assert "cases_auto_agreed=1" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("run_refund_timeouts", "--now", "2026-11-21T22:00:00")


def test_celery_task_runs_the_sweep_and_is_scheduled_every_minute(clock, store):
    case = open_case(store, type="refund_only")
    clock.shift(dt.timedelta(hours=36))
    assert run_refund_timeouts.delay().get()["cases_auto_agreed"] == 1
    assert RefundCase.objects.get(pk=case.pk).status == S.REFUNDED
    assert PERIODIC_JOBS["refund timeouts"] == ("refunds.tasks.run_refund_timeouts", {"every_seconds": 60})


def test_task_takes_a_moment_with_an_offset_only(clock, store):
    case = open_case(store, type="refund_only")
    assert run_refund_timeouts.delay("2026-11-21T22:00:00+08:00").get()["cases_auto_agreed"] == 1
    assert RefundCase.objects.get(pk=case.pk).status == S.REFUNDED
    with pytest.raises(ValueError):
        run_refund_timeouts.delay("2026-11-21T22:00:00").get()
