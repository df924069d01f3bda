"""Refund cases (SPEC §3): opening, the merchant's decisions, the buyer's actions, escalation."""
import datetime as dt
from decimal import Decimal

import pytest

from config.api.errors import DomainError, StateConflict
from merchants import registry
from merchants.models import Order
from refunds import services
from refunds.models import RefundCase
from refunds.services import Actor
from tests.factories import StoreFactory, UserFactory
from tests.refunds.factories import T0, open_case, order_for

pytestmark = pytest.mark.django_db
S = RefundCase.Status


def shipped_yesterday(order_id):
    return T0 - dt.timedelta(days=1)


def never_shipped(order_id):
    return None


def reasons(case):
    return [h.history_change_reason for h in case.history.order_by("history_date", "history_id")]


def test_platform_opens_a_case_with_a_36_hour_merchant_deadline(clock, platform_api, store):
    order = order_for(store)
    r = platform_api.post("/api/v1/platform/refund-cases/", {
        "order": order.pk, "type": "refund_only", "reason": "quality", "amount": "50.00",
        "opened_at": "2026-11-20T10:00:00+08:00", "shipped": True}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending"
    assert body["merchant_deadline"] == "2026-11-21T22:00:00+08:00"
    assert body["negotiation"] is None
    case = RefundCase.objects.get(pk=body["id"])
    assert case.store == store and case.amount == Decimal("50.00") and case.first_on_order
    assert reasons(case) == [f"buyer: {order.buyer_id} — opened"]


def test_amount_above_order_amount_minus_refunded_is_refused(clock, platform_api, store):
    order = order_for(store, amount="99.00", refunded_amount=Decimal("50.00"))
    payload = {"order": order.pk, "type": "refund_only", "reason": "quality", "opened_at": T0.isoformat(),
               "shipped": False}
    r = platform_api.post("/api/v1/platform/refund-cases/", {**payload, "amount": "49.01"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "amount_above_refundable"
    assert not RefundCase.objects.exists()
    r = platform_api.post("/api/v1/platform/refund-cases/", {**payload, "amount": "49.00"}, format="json")
    assert r.status_code == 201


def test_second_open_case_on_an_order_is_refused_but_a_rejected_one_allows_a_new_case(clock, platform_api, store):
    first = open_case(store, type="refund_only", amount="10.00")
    payload = {"order": first.order_id, "type": "refund_only", "reason": "other", "amount": "10.00",
               "opened_at": T0.isoformat(), "shipped": True}
    r = platform_api.post("/api/v1/platform/refund-cases/", payload, format="json")
    assert r.status_code == 400 and r.json()["code"] == "case_already_open"
    services.refund_case_reject(case_id=first.pk, actor=Actor.merchant(store.owner), reason="used item")
    r = platform_api.post("/api/v1/platform/refund-cases/", payload, format="json")
    assert r.status_code == 201
    assert RefundCase.objects.get(pk=r.json()["id"]).first_on_order is False


@pytest.mark.parametrize("payload, field", [
    ({"opened_at": "2026-11-20T10:00:00"}, "opened_at"),
    ({"amount": "1.001"}, "amount"),
    ({"amount": "-1"}, "amount"),
    ({"type": "exchange"}, "type"),
    ({"reason": "bored"}, "reason"),
    ({"order": 999999}, "order"),
])
def test_bad_input_is_a_400_with_the_field(clock, platform_api, store, payload, field):
    order = order_for(store)
    body = {"order": order.pk, "type": "refund_only", "reason": "quality", "amount": "5.00",
            "opened_at": T0.isoformat(), "shipped": True, **payload}
    r = platform_api.post("/api/v1/platform/refund-cases/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid" and field in r.json()["fields"]


def test_opened_in_the_future_or_before_payment_is_refused(clock, platform_api, store):
    order = order_for(store)
    body = {"order": order.pk, "type": "refund_only", "reason": "quality", "amount": "5.00", "shipped": True}
    r = platform_api.post("/api/v1/platform/refund-cases/",
                          {**body, "opened_at": (T0 + dt.timedelta(minutes=6)).isoformat()}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "timestamp_in_future"
    r = platform_api.post("/api/v1/platform/refund-cases/",
                          {**body, "opened_at": (order.paid_at - dt.timedelta(seconds=1)).isoformat()},
                          format="json")
    assert r.status_code == 400 and r.json()["code"] == "opened_before_payment"


def test_merchant_token_cannot_open_cases(clock, merchant_api, store):
    r = merchant_api.post("/api/v1/platform/refund-cases/", {}, format="json")
    assert r.status_code == 403


@registry.overridden(order_shipped_at=shipped_yesterday)
def test_a_shipment_on_record_wins_over_the_flag_the_platform_sends(clock, store):
    case = open_case(store, shipped=False)
    assert case.shipped is True and case.shipped_flag is False


@registry.overridden(order_shipped_at=never_shipped)
def test_without_a_shipment_on_record_the_flag_decides(clock, store):
    assert open_case(store, shipped=True).shipped is True
    assert open_case(store, shipped=False).shipped is False


def test_merchant_agrees_refund_only_and_the_order_is_refunded_at_once(clock, merchant_api, store):
    case = open_case(store, type="refund_only", amount="30.00")
    clock.shift(dt.timedelta(hours=2))
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/agree/", {}, format="json")
    assert r.status_code == 200, r.content
    case.refresh_from_db()
    assert case.status == S.REFUNDED and case.refunded_at == T0 + dt.timedelta(hours=2)
    order = Order.objects.get(pk=case.order_id)
    assert order.refunded_amount == Decimal("30.00")
    assert reasons(case)[-1] == f"merchant: {store.owner.username} — agreed"
    assert case.history.first().history_user == store.owner


def test_agreeing_to_a_return_needs_a_return_address(clock, merchant_api, store):
    case = open_case(store, type="return_refund")
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/agree/", {}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "return_address_required"
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/agree/",
                          {"return_address": "武汉市洪山区 1 号"}, format="json")
    assert r.status_code == 200
    case.refresh_from_db()
    assert case.status == S.AWAITING_RETURN and case.return_address == "武汉市洪山区 1 号"
    assert case.return_ship_deadline == T0 + dt.timedelta(days=7)


def test_full_return_flow_buyer_ships_merchant_receives_and_refunds(clock, platform_api, merchant_api, store):
    case = open_case(store, type="return_refund", amount="99.00")
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓库")
    clock.shift(dt.timedelta(days=2))
    r = platform_api.post(f"/api/v1/platform/refund-cases/{case.pk}/return-shipped/", {"tracking_no": "SF123"},
                          format="json")
    assert r.status_code == 200 and r.json()["tracking_no"] == "SF123"
    r = platform_api.post(f"/api/v1/platform/refund-cases/{case.pk}/return-shipped/", {"tracking_no": "SF9"},
                          format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/refund/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    clock.shift(dt.timedelta(days=1))
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/return-received/")
    assert r.status_code == 200 and r.json()["status"] == "return_received"
    assert r.json()["refund_deadline"] == "2026-11-25T10:00:00+08:00"
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/refund/")
    assert r.status_code == 200 and r.json()["status"] == "refunded"
    order = Order.objects.get(pk=case.order_id)
    assert order.refunded_amount == Decimal("99.00") and order.refunded_at == T0 + dt.timedelta(days=3)


def test_reject_needs_a_reason_and_opens_the_escalation_window(clock, merchant_api, store):
    case = open_case(store)
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/reject/", {"reason": ""}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/reject/", {"reason": "已签收无问题"},
                          format="json")
    assert r.status_code == 200
    case.refresh_from_db()
    assert case.status == S.REJECTED and case.reject_reason == "已签收无问题"
    assert case.escalation_deadline == T0 + dt.timedelta(days=7)
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{case.pk}/agree/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "case_not_pending"


def test_escalated_case_judged_seller_responsible_forces_the_refund(clock, platform_api, store):
    case = open_case(store, type="return_refund", amount="40.00")
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")
    r = platform_api.post(f"/api/v1/platform/refund-cases/{case.pk}/escalate/")
    assert r.status_code == 200 and r.json()["status"] == "escalated"
    operator = UserFactory(username="op", is_staff=True)
    services.refund_case_judge(case_id=case.pk, actor=Actor.operator(operator), seller_responsible=True)
    case.refresh_from_db()
    assert case.status == S.REFUNDED and case.judgement == "seller_responsible"
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("40.00")
    assert reasons(case)[-1] == "operator: op — judged seller-responsible"


def test_escalated_case_judged_buyer_responsible_is_closed_without_refund(clock, store):
    case = open_case(store)
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")
    services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer("b"))
    services.refund_case_judge(case_id=case.pk, actor=Actor.operator(UserFactory()), seller_responsible=False)
    case.refresh_from_db()
    assert case.status == S.CLOSED and case.judgement == "buyer_responsible"
    assert Order.objects.get(pk=case.order_id).refunded_amount == 0
    with pytest.raises(StateConflict):
        services.refund_case_judge(case_id=case.pk, actor=Actor.operator(UserFactory()), seller_responsible=True)


def test_escalation_at_seven_days_after_rejection_is_refused(clock, platform_api, store):
    case = open_case(store)
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")
    clock.shift(dt.timedelta(days=7))
    r = platform_api.post(f"/api/v1/platform/refund-cases/{case.pk}/escalate/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    assert RefundCase.objects.get(pk=case.pk).status == S.REJECTED


def test_escalation_is_refused_while_a_newer_case_on_the_order_is_open(clock, store):
    case = open_case(store, amount="10.00")
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")
    open_case(order=case.order, amount="10.00")
    with pytest.raises(StateConflict):
        services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer("b"))


def test_merchant_decision_at_the_deadline_is_refused_one_second_before_is_accepted(clock, merchant_api, store):
    late, in_time = open_case(store, type="refund_only"), open_case(store, type="refund_only")
    clock.move_to(late.merchant_deadline - dt.timedelta(seconds=1))
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{in_time.pk}/agree/", {}, format="json")
    assert r.status_code == 200
    clock.move_to(late.merchant_deadline)
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{late.pk}/reject/", {"reason": "x"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "case_not_pending"
    assert RefundCase.objects.get(pk=late.pk).status == S.PENDING


def test_buyer_cancels_a_pending_case_but_not_a_decided_one(clock, platform_api, store):
    case = open_case(store, type="refund_only")
    r = platform_api.post(f"/api/v1/platform/refund-cases/{case.pk}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = platform_api.post(f"/api/v1/platform/refund-cases/{case.pk}/cancel/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_another_stores_case_is_not_found(clock, merchant_api, store):
    other = open_case(StoreFactory(), type="refund_only")
    assert merchant_api.get(f"/api/v1/merchant/refund-cases/{other.pk}/").status_code == 404
    r = merchant_api.post(f"/api/v1/merchant/refund-cases/{other.pk}/agree/", {}, format="json")
    assert r.status_code == 404
    assert RefundCase.objects.get(pk=other.pk).status == S.PENDING
    assert merchant_api.get("/api/v1/merchant/refund-cases/").json()["count"] == 0


def test_merchant_lists_own_cases_by_status_with_negotiation_and_deadline(clock, merchant_api, store):
    pending = open_case(store)
    refunded = open_case(store, type="refund_only")
    services.refund_case_agree(case_id=refunded.pk, actor=Actor.merchant(store.owner))
    r = merchant_api.get("/api/v1/merchant/refund-cases/?status=pending")
    assert r.status_code == 200
    [row] = r.json()["results"]
    assert row["id"] == pending.pk and row["negotiation"] is None
    assert row["merchant_deadline"] == "2026-11-21T22:00:00+08:00"
    assert merchant_api.get("/api/v1/merchant/refund-cases/?status=nonsense").status_code == 400


def test_the_service_refuses_an_unknown_case_with_404(clock, store):
    with pytest.raises(DomainError) as err:
        services.refund_case_agree(case_id=123456, actor=Actor.merchant(store.owner))
    assert err.value.status == 404


def test_case_and_negotiation_lists_use_a_fixed_number_of_queries(clock, merchant_api, platform_api, store,
                                                                  django_assert_max_num_queries):
    def seed(n):
        for _ in range(n):
            case = open_case(store, type="return_refund", amount="20.00")
            services.negotiation_propose(case_id=case.pk, actor=Actor.merchant(store.owner), type="refund_only",
                                         amount=Decimal("1.00"))

    merchant_api.get("/api/v1/merchant/refund-cases/")  # first use of each token records it
    platform_api.get("/api/v1/platform/negotiations/")
    counts = []
    for n in (2, 12):
        seed(n)
        with django_assert_max_num_queries(12) as merchant_ctx:
            assert merchant_api.get("/api/v1/merchant/refund-cases/").status_code == 200
        with django_assert_max_num_queries(12) as platform_ctx:
            assert platform_api.get("/api/v1/platform/negotiations/?status=open").status_code == 200
        counts.append((len(merchant_ctx.captured_queries), len(platform_ctx.captured_queries)))
    assert counts[0] == counts[1]
