"""The negotiation tool (协商, SPEC §3), read like the seed's example: 小吴 bought a bin that
arrived dented and asked to return it; the merchant proposes 2.00 refund-only, no return."""
import datetime as dt
from decimal import Decimal

import pytest

from merchants.models import Order
from refunds import services
from refunds.models import Negotiation, RefundCase, RefundPolicy
from refunds.services import Actor, refund_timeouts_run
from tests.refunds.factories import T0, open_case, rules_for

pytestmark = pytest.mark.django_db
S = RefundCase.Status
N = Negotiation.Status
SMALL_COMPENSATION = {"type": "refund_only", "amount": "2.00"}


@pytest.fixture
def bin_case(clock, store):
    """小吴's return request for a dented bin (29.90), opened at T0."""
    return open_case(store, type="return_refund", reason="damaged", amount="29.90")


def negotiate(merchant_api, case, body=SMALL_COMPENSATION):
    return merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/negotiate/", body, format="json")


def test_scenario_1_buyer_accepts_within_36_hours_and_the_case_completes_as_proposed(
        clock, merchant_api, platform_api, store, bin_case):
    r = negotiate(merchant_api, bin_case)
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "open" and r.json()["expires_at"] == "2026-11-21T22:00:00+08:00"
    clock.shift(dt.timedelta(hours=35, minutes=59))
    r = platform_api.post(f"/api/v1/platform/negotiations/{r.json()['id']}/accept/")
    assert r.status_code == 200, r.content
    case = RefundCase.objects.get(pk=bin_case.pk)
    assert case.status == S.REFUNDED and case.type == "refund_only" and case.amount == Decimal("2.00")
    assert case.requested_type == "return_refund" and case.requested_amount == Decimal("29.90")
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("2.00")
    assert case.negotiation.status == N.ACCEPTED
    assert case.history.first().history_change_reason == f"buyer: {case.buyer_id} — accepted the negotiation"


def test_scenario_2_buyer_rejects_and_the_merchant_must_still_decide(clock, merchant_api, platform_api, store,
                                                                    bin_case):
    negotiation_id = negotiate(merchant_api, bin_case).json()["id"]
    r = platform_api.post(f"/api/v1/platform/negotiations/{negotiation_id}/reject/")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert r.json()["negotiation"]["status"] == "rejected"
    clock.shift(dt.timedelta(hours=20))
    assert refund_timeouts_run().cases_auto_agreed == 0
    assert RefundCase.objects.get(pk=bin_case.pk).status == S.PENDING
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{bin_case.pk}/agree/", {"return_address": "仓库"},
                          format="json")
    assert r.status_code == 200 and r.json()["status"] == "awaiting_return"
    assert r.json()["amount"] == "29.90"


def test_scenario_3_nobody_answers_and_the_case_is_agreed_as_originally_requested(
        clock, merchant_api, store, bin_case):
    rules_for(store, return_address="武汉仓")
    negotiate(merchant_api, bin_case)
    clock.shift(dt.timedelta(hours=36) - dt.timedelta(seconds=1))
    assert refund_timeouts_run().cases_auto_agreed == 0
    clock.shift(dt.timedelta(seconds=1))
    result = refund_timeouts_run()
    assert result.cases_auto_agreed == 1
    case = RefundCase.objects.get(pk=bin_case.pk)
    assert case.status == S.AWAITING_RETURN and case.type == "return_refund" and case.amount == Decimal("29.90")
    assert case.return_address == "武汉仓" and case.decided_at == case.merchant_deadline
    assert case.negotiation.status == N.EXPIRED
    assert case.history.first().history_change_reason.startswith("job: run_refund_timeouts")
    assert case.negotiation.history.first().history_change_reason == "job: run_refund_timeouts"
    assert refund_timeouts_run().cases_auto_agreed == 0


def test_second_negotiation_is_refused_after_the_first_was_rejected(clock, merchant_api, platform_api, bin_case):
    first = negotiate(merchant_api, bin_case).json()["id"]
    platform_api.post(f"/api/v1/platform/negotiations/{first}/reject/")
    r = negotiate(merchant_api, bin_case, {"type": "refund_only", "amount": "5.00"})
    assert r.status_code == 400 and r.json()["code"] == "negotiation_used"
    assert Negotiation.objects.filter(case=bin_case).count() == 1


def test_second_negotiation_is_refused_even_after_the_first_expired(clock, merchant_api, bin_case):
    policy = RefundPolicy.current()
    policy.negotiation_answer_hours = 12
    policy.save()
    negotiate(merchant_api, bin_case)
    clock.shift(dt.timedelta(hours=12))
    assert refund_timeouts_run().negotiations_expired == 1
    assert Negotiation.objects.get(case=bin_case).status == N.EXPIRED
    assert RefundCase.objects.get(pk=bin_case.pk).status == S.PENDING
    r = negotiate(merchant_api, bin_case, {"type": "refund_only", "amount": "5.00"})
    assert r.status_code == 400 and r.json()["code"] == "negotiation_used"


def test_fresh_category_cases_cannot_be_negotiated(clock, merchant_api, store):
    case = open_case(store, type="refund_only", fresh=True)
    r = negotiate(merchant_api, case, {"type": "refund_only", "amount": "1.00"})
    assert r.status_code == 400 and r.json()["code"] == "fresh_category"
    assert not Negotiation.objects.exists()


def test_buyer_answer_one_second_before_the_36_hour_mark_counts(clock, merchant_api, platform_api, bin_case):
    negotiation_id = negotiate(merchant_api, bin_case).json()["id"]
    clock.move_to(T0 + dt.timedelta(hours=36) - dt.timedelta(seconds=1))
    r = platform_api.post(f"/api/v1/platform/negotiations/{negotiation_id}/reject/")
    assert r.status_code == 200
    assert Negotiation.objects.get(pk=negotiation_id).status == N.REJECTED


def test_buyer_answer_at_the_36_hour_mark_is_refused_even_before_the_sweep(clock, merchant_api, platform_api,
                                                                         bin_case):
    negotiation_id = negotiate(merchant_api, bin_case).json()["id"]
    clock.move_to(T0 + dt.timedelta(hours=36))
    r = platform_api.post(f"/api/v1/platform/negotiations/{negotiation_id}/accept/")
    assert r.status_code == 409 and r.json()["code"] == "negotiation_closed"
    assert Negotiation.objects.get(pk=negotiation_id).status == N.OPEN
    assert RefundCase.objects.get(pk=bin_case.pk).status == S.PENDING


def test_answer_window_never_passes_the_case_deadline(clock, merchant_api, bin_case):
    clock.shift(dt.timedelta(hours=10))
    r = negotiate(merchant_api, bin_case)
    assert r.json()["expires_at"] == "2026-11-21T22:00:00+08:00"  # case deadline, not +36h from now
    assert Negotiation.objects.get(case=bin_case).expires_at == bin_case.merchant_deadline


def test_answer_window_is_36_hours_when_the_case_deadline_is_later(clock, merchant_api, bin_case):
    policy = RefundPolicy.current()
    policy.negotiation_answer_hours = 24
    policy.save()
    r = negotiate(merchant_api, bin_case)
    assert r.json()["expires_at"] == "2026-11-21T10:00:00+08:00"


@pytest.mark.parametrize("body, code", [
    ({"type": "refund_only", "amount": "29.91"}, "amount_above_request"),
    ({"type": "return_refund", "amount": "20.00"}, "return_address_required"),
    ({"type": "return_refund", "amount": "20.00", "return_address": "   "}, "return_address_required"),
    ({"type": "return_refund", "amount": "29.90", "return_address": "x"}, "proposal_unchanged"),
    ({"type": "refund_only", "amount": "0"}, "invalid"),
    ({"type": "swap", "amount": "1.00"}, "invalid"),
])
def test_invalid_proposals_are_refused(clock, merchant_api, bin_case, body, code):
    r = negotiate(merchant_api, bin_case, body)
    assert r.status_code == 400 and r.json()["code"] == code
    assert not Negotiation.objects.exists()


def test_refund_only_turned_into_a_return_carries_the_address(clock, merchant_api, platform_api, store):
    case = open_case(store, type="refund_only", amount="50.00")
    r = negotiate(merchant_api, case, {"type": "return_refund", "amount": "50.00", "return_address": "退货仓"})
    assert r.status_code == 201
    platform_api.post(f"/api/v1/platform/negotiations/{r.json()['id']}/accept/")
    case.refresh_from_db()
    assert case.status == S.AWAITING_RETURN and case.return_address == "退货仓"
    assert Order.objects.get(pk=case.order_id).refunded_amount == 0


def test_only_a_pending_case_can_be_negotiated(clock, merchant_api, store):
    case = open_case(store, type="refund_only", amount="50.00")
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")
    r = negotiate(merchant_api, case, {"type": "refund_only", "amount": "5.00"})
    assert r.status_code == 409 and r.json()["code"] == "case_not_pending"


def test_merchant_decision_while_open_revokes_the_negotiation_and_closes_the_buyers_answer(
        clock, merchant_api, platform_api, bin_case):
    negotiation_id = negotiate(merchant_api, bin_case).json()["id"]
    merchant_api.post(f"/api/v1/merchant/refund-cases/{bin_case.pk}/reject/", {"reason": "no"}, format="json")
    negotiation = Negotiation.objects.get(pk=negotiation_id)
    assert negotiation.status == N.REVOKED and negotiation.closed_at == T0
    r = platform_api.post(f"/api/v1/platform/negotiations/{negotiation_id}/accept/")
    assert r.status_code == 409 and r.json()["code"] == "negotiation_closed"
    assert RefundCase.objects.get(pk=bin_case.pk).status == S.REJECTED


def test_buyer_app_reads_open_negotiations_by_buyer(clock, merchant_api, platform_api, store, bin_case):
    other = open_case(store, type="return_refund", amount="10.00")
    negotiate(merchant_api, bin_case)
    negotiate(merchant_api, other, {"type": "refund_only", "amount": "1.00"})
    r = platform_api.get(f"/api/v1/platform/negotiations/?buyer_id={bin_case.buyer_id}&status=open")
    assert r.status_code == 200
    [row] = r.json()["results"]
    assert row["case"]["id"] == bin_case.pk and row["amount"] == "2.00" and row["type"] == "refund_only"
    assert row["expires_at"] == "2026-11-21T22:00:00+08:00"
    assert platform_api.get("/api/v1/platform/negotiations/?status=bogus").status_code == 400
    r = platform_api.get(f"/api/v1/platform/refund-cases/{bin_case.pk}/")
    assert r.json()["negotiation"]["status"] == "open"
