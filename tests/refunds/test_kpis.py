"""Refund KPIs (SPEC §3) on a hand-computed fixture, and the credit score's dispute/return rates.

Window for as_of 2026-11-20: local 2026-10-22 00:00 to 2026-11-21 00:00 (30 days, inclusive).
Orders paid in it: 8. Cases opened in it:
  c1 quality refund-only, merchant agreed after 6h30m           → experience; refund-only 6.5h
  c2 not_as_described refund-only, agreed after 10h             → experience; refund-only 10h
  c3 damaged return, refunded 60h after opening                 → return 60h
  c4 quality return, rejected, escalated, seller-responsible    → experience; dispute; escalated: no hours
  c5 quality, second case on c4's order                         → not first on its order
  c7 no-reason refund-only, still pending                       → nothing
  c8 quality refund-only, cancelled by the buyer                → experience (the request counts)
  c9 other refund-only opened 20:00 on as_of, refunded next day → refunded after the window: no hours
  c6 quality, opened the evening before the window              → outside
So: experience 4/8 = 0.5000; refund-only (6.5 + 10) / 2 = 8.25 h; return 60.00 h; dispute 1/8 = 0.1250."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config import timeutil
from refunds import services
from refunds.models import RefundPolicy
from refunds.selectors import credit_metrics, store_refund_kpis
from refunds.services import Actor
from tests.factories import StoreFactory
from tests.refunds.factories import open_case, order_for

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 20)


def at(month, day, hour, minute=0, second=0):
    return timeutil.local_at(dt.date(2026, month, day), hour, minute, second)


@pytest.fixture
def fixture_store():
    with time_machine.travel(at(11, 25, 12), tick=False):
        store = StoreFactory()
        merchant = Actor.merchant(store.owner)
        o = {n: order_for(store, paid_at=paid) for n, paid in {
            1: at(10, 22, 0), 2: at(11, 2, 9), 3: at(11, 3, 9), 4: at(11, 4, 9), 5: at(10, 21, 22),
            6: at(11, 20, 22), 7: at(11, 10, 9), 8: at(11, 20, 23, 59, 59), 9: at(11, 20, 19),
            10: at(11, 21, 0)}.items()}

        c1 = open_case(order=o[1], type="refund_only", reason="quality", amount="10.00", opened_at=at(11, 1, 10))
        services.refund_case_agree(case_id=c1.pk, actor=merchant, at=at(11, 1, 16, 30))
        c2 = open_case(order=o[2], type="refund_only", reason="not_as_described", amount="10.00",
                       opened_at=at(11, 2, 10))
        services.refund_case_agree(case_id=c2.pk, actor=merchant, at=at(11, 2, 20))
        c3 = open_case(order=o[3], type="return_refund", reason="damaged", opened_at=at(11, 3, 10))
        services.refund_case_agree(case_id=c3.pk, actor=merchant, return_address="仓", at=at(11, 3, 12))
        services.refund_case_return_shipped(case_id=c3.pk, actor=Actor.buyer("b"), tracking_no="T",
                                            at=at(11, 4, 10))
        services.refund_case_return_received(case_id=c3.pk, actor=merchant, at=at(11, 5, 10))
        services.refund_case_refund(case_id=c3.pk, actor=merchant, at=at(11, 5, 22))
        c4 = open_case(order=o[4], type="return_refund", reason="quality", amount="20.00", opened_at=at(11, 4, 10))
        services.refund_case_reject(case_id=c4.pk, actor=merchant, reason="no", at=at(11, 4, 12))
        services.refund_case_escalate(case_id=c4.pk, actor=Actor.buyer("b"), at=at(11, 5, 9))
        services.refund_case_judge(case_id=c4.pk, actor=Actor("operator: op"), seller_responsible=True,
                                   at=at(11, 5, 9, 30))
        open_case(order=o[4], type="refund_only", reason="quality", amount="10.00", opened_at=at(11, 5, 10))  # c5
        open_case(order=o[5], type="refund_only", reason="quality", opened_at=at(10, 21, 23))  # c6
        open_case(order=o[6], type="refund_only", reason="no_reason_7d", opened_at=at(11, 20, 23))  # c7
        c8 = open_case(order=o[7], type="refund_only", reason="quality", opened_at=at(11, 10, 10))
        services.refund_case_cancel(case_id=c8.pk, actor=Actor.buyer("b"), at=at(11, 10, 11))
        c9 = open_case(order=o[9], type="refund_only", reason="other", opened_at=at(11, 20, 20))
        services.refund_case_agree(case_id=c9.pk, actor=merchant, at=at(11, 21, 1))
        # Another store's quality case never counts here.
        other = StoreFactory()
        open_case(order=order_for(other, paid_at=at(11, 2, 9)), type="refund_only", reason="quality",
                  opened_at=at(11, 2, 10))
    return store


def test_kpis_over_the_30_local_days_ending_on_as_of(fixture_store):
    kpis = store_refund_kpis(store_ids=[fixture_store.pk], as_of=AS_OF)[fixture_store.pk]
    kpis.pop("return_refund_stages")  # tests/refunds/test_return_stages.py
    assert kpis == {
        "as_of": AS_OF, "window_start": dt.date(2026, 10, 22),
        "product_experience_refund_rate": Decimal("0.5000"),
        "refund_only_completion_hours": Decimal("8.25"),
        "return_refund_completion_hours": Decimal("60.00"),
        "dispute_refund_rate": Decimal("0.1250"),
    }


def test_kpis_are_one_query_whatever_the_number_of_stores(fixture_store, django_assert_num_queries):
    RefundPolicy.current()
    ids = [fixture_store.pk] + [StoreFactory().pk for _ in range(5)]
    with django_assert_num_queries(2):  # the policy row, then one aggregate query
        result = store_refund_kpis(store_ids=ids, as_of=AS_OF)
    assert len(result) == 6


def test_a_zero_denominator_gives_null_not_zero(db):
    store = StoreFactory()
    kpis = store_refund_kpis(store_ids=[store.pk], as_of=AS_OF)[store.pk]
    assert [kpis[k] for k in ("product_experience_refund_rate", "refund_only_completion_hours",
                              "return_refund_completion_hours", "dispute_refund_rate")] == [None] * 4


def test_the_product_experience_reasons_are_policy(fixture_store):
    policy = RefundPolicy.current()
    policy.product_experience_reasons = "quality"
    policy.save()
    kpis = store_refund_kpis(store_ids=[fixture_store.pk], as_of=AS_OF)[fixture_store.pk]
    assert kpis["product_experience_refund_rate"] == Decimal("0.3750")  # c1, c4, c8 ÷ 8


def test_merchant_reads_the_kpis_through_the_api(fixture_store):
    from tests.conftest import Api
    from tests.factories import merchant_token

    client = Api().with_token(merchant_token(fixture_store.owner))
    r = client.get(f"/api/v1/merchant/stores/{fixture_store.pk}/refund-metrics/?as_of=2026-11-20")
    assert r.status_code == 200, r.content
    assert r.json() == {"store": fixture_store.pk, "as_of": "2026-11-20", "window_start": "2026-10-22",
                        "product_experience_refund_rate": "0.5000", "refund_only_completion_hours": "8.25",
                        "return_refund_completion_hours": "60.00", "dispute_refund_rate": "0.1250",
                        # c3 alone: agreed 2 h after opening, shipped 22 h later, no delivery report
                        # (transit and inspection unknown), refunded 12 h after receipt
                        "return_refund_stages": {
                            "agree": {"hours": "2.00", "cases": 1, "merchant": True},
                            "buyer_mailing": {"hours": "22.00", "cases": 1, "merchant": False},
                            "transit": {"hours": None, "cases": 0, "merchant": False},
                            "inspection": {"hours": None, "cases": 0, "merchant": True},
                            "refund": {"hours": "12.00", "cases": 1, "merchant": True}}}
    assert client.get(f"/api/v1/merchant/stores/{fixture_store.pk}/refund-metrics/?as_of=20-11-2026"
                      ).status_code == 400
    other = StoreFactory()
    assert client.get(f"/api/v1/merchant/stores/{other.pk}/refund-metrics/").status_code == 404


def test_credit_score_rates_for_a_local_month(fixture_store):
    # November: orders paid o2 o3 o4 o6 o7 o8 o9 o10 = 8; seller-responsible c4 = 1;
    # return cases not cancelled: c3, c4 = 2.
    rates = credit_metrics([fixture_store.pk], dt.date(2026, 11, 1))
    assert rates == {fixture_store.pk: {"dispute_rate": Decimal("0.1250"), "return_rate": Decimal("0.2500")}}
    empty = credit_metrics([fixture_store.pk], dt.date(2026, 9, 1))
    assert empty == {fixture_store.pk: {"dispute_rate": None, "return_rate": None}}
