"""Automation rules per store (SPEC §3): applied when a case opens, recorded as the rule."""
from decimal import Decimal

import pytest

from merchants.models import Order
from refunds.models import RefundCase, RefundRules
from tests.refunds.factories import T0, open_case, order_for, rules_for

pytestmark = pytest.mark.django_db
S = RefundCase.Status


def test_rules_default_off_and_merchant_switches_them(merchant_api, store):
    r = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/refund-rules/")
    assert r.status_code == 200
    assert r.json() == {"store": store.pk, "auto_agree_unshipped_refund_only": False,
                        "auto_agree_no_reason_return": False, "return_address": ""}
    r = merchant_api.patch(f"/api/v1/merchant/stores/{store.pk}/refund-rules/",
                           {"auto_agree_unshipped_refund_only": True}, format="json")
    assert r.status_code == 200 and r.json()["auto_agree_unshipped_refund_only"] is True
    rules = RefundRules.objects.get(store=store)
    assert rules.auto_agree_unshipped_refund_only and not rules.auto_agree_no_reason_return
    assert rules.history.first().history_change_reason == f"merchant: {store.owner.username} — rules updated"


def test_auto_agreeing_returns_needs_a_default_return_address(merchant_api, store):
    url = f"/api/v1/merchant/stores/{store.pk}/refund-rules/"
    r = merchant_api.patch(url, {"auto_agree_no_reason_return": True}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "return_address_required"
    assert not RefundRules.objects.filter(store=store, auto_agree_no_reason_return=True).exists()
    r = merchant_api.patch(url, {"auto_agree_no_reason_return": True, "return_address": "武汉仓"}, format="json")
    assert r.status_code == 200
    assert merchant_api.patch(url, {"auto_agree_no_reason_return": "maybe"}, format="json").status_code == 400


def test_another_stores_rules_are_not_found(merchant_api, other_store):
    assert merchant_api.get(f"/api/v1/merchant/stores/{other_store.pk}/refund-rules/").status_code == 404
    r = merchant_api.patch(f"/api/v1/merchant/stores/{other_store.pk}/refund-rules/",
                           {"auto_agree_unshipped_refund_only": True}, format="json")
    assert r.status_code == 404
    assert not RefundRules.objects.exists()


def test_unshipped_refund_only_is_refunded_at_opening_by_the_rule(clock, platform_api, store):
    rules_for(store, auto_agree_unshipped_refund_only=True)
    order = order_for(store)
    r = platform_api.post("/api/v1/platform/refund-cases/", {
        "order": order.pk, "type": "refund_only", "reason": "other", "amount": "99.00",
        "opened_at": T0.isoformat(), "shipped": False}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "refunded"
    case = RefundCase.objects.get(pk=r.json()["id"])
    assert case.refunded_at == T0
    assert Order.objects.get(pk=order.pk).refunded_amount == Decimal("99.00")
    assert [h.history_change_reason for h in case.history.order_by("history_id")] == [
        f"buyer: {order.buyer_id} — opened", "rule: auto_agree_unshipped_refund_only — agreed automatically"]


def test_shipped_refund_only_waits_for_the_merchant(clock, store):
    rules_for(store, auto_agree_unshipped_refund_only=True)
    assert open_case(store, type="refund_only", shipped=True).status == S.PENDING


def test_no_reason_return_is_agreed_with_the_default_address_by_the_rule(clock, store):
    rules_for(store, auto_agree_no_reason_return=True, return_address="武汉仓")
    case = open_case(store, type="return_refund", reason="no_reason_7d")
    case.refresh_from_db()
    assert case.status == S.AWAITING_RETURN and case.return_address == "武汉仓"
    assert case.history.first().history_change_reason.startswith("rule: auto_agree_no_reason_return")
    assert open_case(store, type="return_refund", reason="quality").status == S.PENDING


def test_rules_switched_off_agree_nothing(clock, store):
    rules_for(store, auto_agree_unshipped_refund_only=False, auto_agree_no_reason_return=False,
              return_address="x")
    assert open_case(store, type="refund_only", shipped=False).status == S.PENDING
    assert open_case(store, type="return_refund", reason="no_reason_7d").status == S.PENDING
