"""SPEC decisions (returned parcel never confirmed): once the buyer has shipped the return, the
merchant has 10 days *(policy)* to confirm receipt; past that the sweep refunds the buyer
(history: the job), with no violation."""
import datetime as dt
from decimal import Decimal

import pytest

from merchants.models import Order, Violation
from refunds import services
from refunds.models import RefundCase, RefundPolicy
from refunds.services import Actor, refund_timeouts_run
from tests.refunds.factories import T0, open_case

pytestmark = pytest.mark.django_db
S = RefundCase.Status


@pytest.fixture
def shipped_return(clock, store):
    case = open_case(store, type="return_refund", amount="45.60")
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓")
    clock.shift(dt.timedelta(days=1))
    services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer("b"), tracking_no="SF1")
    return RefundCase.objects.get(pk=case.pk)


def test_shipping_the_return_starts_the_10_day_confirmation_clock(shipped_return):
    assert shipped_return.receipt_confirm_deadline == T0 + dt.timedelta(days=1 + 10)


def test_a_minute_before_the_10_days_nothing_happens(clock, shipped_return):
    clock.shift(dt.timedelta(days=10, minutes=-1))
    assert refund_timeouts_run().unconfirmed_returns_refunded == 0
    assert RefundCase.objects.get(pk=shipped_return.pk).status == S.AWAITING_RETURN


def test_after_10_days_unconfirmed_the_job_refunds_the_buyer_and_opens_no_violation(clock, shipped_return):
    clock.shift(dt.timedelta(days=10))
    assert refund_timeouts_run().unconfirmed_returns_refunded == 1
    assert refund_timeouts_run().unconfirmed_returns_refunded == 0
    case = RefundCase.objects.get(pk=shipped_return.pk)
    assert case.status == S.REFUNDED and case.refunded_at == T0 + dt.timedelta(days=11)
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("45.60")
    assert case.history.first().history_change_reason == (
        "job: run_refund_timeouts — merchant did not confirm the returned parcel in time")
    assert not Violation.objects.filter(store=case.store).exists()


def test_confirming_at_the_deadline_is_refused(clock, merchant_api, shipped_return):
    clock.shift(dt.timedelta(days=10))
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{shipped_return.pk}/return-received/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_confirming_in_time_stops_this_clock_and_starts_the_48_hour_one(clock, merchant_api, shipped_return):
    clock.shift(dt.timedelta(days=9))
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{shipped_return.pk}/return-received/")
    assert r.status_code == 200, r.content
    clock.shift(dt.timedelta(days=1))
    assert refund_timeouts_run().unconfirmed_returns_refunded == 0
    assert RefundCase.objects.get(pk=shipped_return.pk).status == S.RETURN_RECEIVED


def test_the_confirmation_window_is_policy(clock, store):
    policy = RefundPolicy.current()
    policy.receipt_confirm_days = 3
    policy.save()
    case = open_case(store, type="return_refund")
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓")
    services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer("b"), tracking_no="SF1")
    clock.shift(dt.timedelta(days=3))
    assert refund_timeouts_run().unconfirmed_returns_refunded == 1
