"""SPEC decisions (KPI windows), on a hand-computed fixture. Window for as_of 2026-11-20: local
2026-10-22 00:00 to 2026-11-21 00:00.

Orders paid in the window: o3, o4 = 2 (o1, o2 were paid before it).
  a  quality refund-only opened 10-21 20:00 (before), agreed 10-22 02:00 (inside) → refund-only 6 h
  b  quality return opened 10-21 10:00 (before), escalated, judged seller-responsible 10-23 (inside)
     → dispute; escalated: no hours; opened before the window: no experience
  c  quality refund-only opened 11-01 10:00, agreed 13:00                         → experience; 3 h
  d  not_as_described return opened 11-19, escalated, judged seller-responsible 11-21 10:00 (after)
     → experience; no dispute in this window
So: experience 2/2 = 1.0000; refund-only (6 + 3) / 2 = 4.50 h; return null; dispute 1/2 = 0.5000."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config import timeutil
from refunds import services
from refunds.selectors import store_refund_kpis
from refunds.services import Actor
from tests.factories import StoreFactory
from tests.refunds.factories import open_case, order_for

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 20)


def at(month, day, hour):
    return timeutil.local_at(dt.date(2026, month, day), hour)


def escalate_and_judge(case, merchant, *, rejected, escalated, judged):
    services.refund_case_reject(case_id=case.pk, actor=merchant, reason="no", at=rejected)
    services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer("b"), at=escalated)
    services.refund_case_judge(case_id=case.pk, actor=Actor("operator: op"), seller_responsible=True, at=judged)


@pytest.fixture
def store_across_the_window_edge():
    with time_machine.travel(at(11, 25, 12), tick=False):
        store = StoreFactory()
        merchant = Actor.merchant(store.owner)
        o1, o2, o3, o4 = (order_for(store, paid_at=paid) for paid in (at(10, 20, 9), at(10, 21, 9), at(11, 1, 9),
                                                                      at(11, 19, 9)))
        a = open_case(order=o1, type="refund_only", reason="quality", amount="10.00", opened_at=at(10, 21, 20))
        services.refund_case_agree(case_id=a.pk, actor=merchant, at=at(10, 22, 2))
        b = open_case(order=o2, type="return_refund", reason="quality", amount="10.00", opened_at=at(10, 21, 10))
        escalate_and_judge(b, merchant, rejected=at(10, 21, 12), escalated=at(10, 22, 9), judged=at(10, 23, 10))
        c = open_case(order=o3, type="refund_only", reason="quality", amount="10.00", opened_at=at(11, 1, 10))
        services.refund_case_agree(case_id=c.pk, actor=merchant, at=at(11, 1, 13))
        d = open_case(order=o4, type="return_refund", reason="not_as_described", amount="10.00",
                      opened_at=at(11, 19, 10))
        escalate_and_judge(d, merchant, rejected=at(11, 19, 11), escalated=at(11, 20, 9), judged=at(11, 21, 10))
    return store


def kpis(store, as_of=AS_OF):
    return store_refund_kpis(store_ids=[store.pk], as_of=as_of)[store.pk]


def test_case_opened_before_the_window_and_refunded_inside_counts_in_completion_hours(
        store_across_the_window_edge):
    assert kpis(store_across_the_window_edge)["refund_only_completion_hours"] == Decimal("4.50")


def test_dispute_rate_counts_cases_judged_seller_responsible_in_the_window(store_across_the_window_edge):
    assert kpis(store_across_the_window_edge)["dispute_refund_rate"] == Decimal("0.5000")


def test_experience_rate_counts_cases_opened_in_the_window(store_across_the_window_edge):
    result = kpis(store_across_the_window_edge)
    assert result["product_experience_refund_rate"] == Decimal("1.0000")
    assert result["return_refund_completion_hours"] is None


def test_the_next_day_window_moves_the_late_judgement_in_and_the_early_one_out(store_across_the_window_edge):
    # as_of 11-21: window 10-23 00:00 .. 11-22 00:00; orders o3, o4; b judged 10-23 10:00 and d
    # judged 11-21 10:00 both inside → 2/2; a refunded 10-22 falls out → refund-only 3 h (c only).
    result = kpis(store_across_the_window_edge, as_of=dt.date(2026, 11, 21))
    assert result["dispute_refund_rate"] == Decimal("1.0000")
    assert result["refund_only_completion_hours"] == Decimal("3.00")
