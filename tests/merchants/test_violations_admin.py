"""Operator screens for credit and violations: actions call services, lists have a fixed
number of queries, sanctions shown and filtered from their dates."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from merchants.models import LedgerEntry, Sanction, Store, Violation
from merchants.violations.services import violation_confirm
from tests.factories import StoreFactory, StoreMetricsFactory, ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("op", "op@example.com", "pw")
    client.force_login(user)
    return client


def test_confirm_action_shows_the_penalty_then_applies_it_and_records_the_operator(admin_client):
    store = StoreFactory(base_limit=Decimal("10000.00"))
    v = ViolationFactory(store=store, kind=Violation.Kind.EXCESS_ADVANCE)
    page = admin_client.post("/admin/merchants/violation/", {"action": "confirm", "_selected_action": [v.pk]})
    assert page.status_code == 200 and "¥3,000.00" in page.content.decode()
    assert Violation.objects.get(pk=v.pk).status == "pending_review"
    r = admin_client.post("/admin/merchants/violation/", {"action": "confirm", "_selected_action": [v.pk],
                                                           "apply": "1", "note": "ledger checked"}, follow=True)
    v.refresh_from_db()
    assert v.status == "confirmed" and v.fine_amount == Decimal("3000.00") and v.decision_note == "ledger checked"
    assert v.history.order_by("-history_id").first().history_user.username == "op"
    message = str(list(r.context["messages"])[0])
    assert "fine ¥3,000.00 posted" in message and "credit frozen until" in message


def test_revoke_action_asks_for_a_reason_then_reverses(admin_client):
    store = StoreFactory(base_limit=Decimal("10000.00"))
    v = violation_confirm(violation_id=ViolationFactory(store=store, kind=Violation.Kind.EXCESS_ADVANCE).pk)
    form = admin_client.post("/admin/merchants/violation/", {"action": "revoke", "_selected_action": [v.pk]})
    assert form.status_code == 200 and b'name="reason"' in form.content
    empty = admin_client.post("/admin/merchants/violation/", {"action": "revoke", "_selected_action": [v.pk],
                                                               "apply": "1", "reason": ""})
    assert empty.status_code == 200
    assert Violation.objects.get(pk=v.pk).status == "confirmed"
    done = admin_client.post("/admin/merchants/violation/", {"action": "revoke", "_selected_action": [v.pk],
                                                              "apply": "1", "reason": "wrong store"})
    assert done.status_code == 302
    v.refresh_from_db()
    assert v.status == "revoked" and v.revoke_reason == "wrong store"
    assert "fine ¥3,000.00 refunded" in str(list(admin_client.get("/admin/").context["messages"])[0])
    assert LedgerEntry.objects.filter(store=store, kind="fine_reversal").count() == 1


def test_dismiss_action_refuses_a_decided_violation_without_crashing(admin_client):
    v = violation_confirm(violation_id=ViolationFactory(kind=Violation.Kind.FAKE_SHIPPING).pk)
    r = admin_client.post("/admin/merchants/violation/", {"action": "dismiss", "_selected_action": [v.pk],
                                                           "apply": "1"}, follow=True)
    assert r.status_code == 200 and Violation.objects.get(pk=v.pk).status == "confirmed"


def test_operator_records_a_violation_through_the_service(admin_client):
    store = StoreFactory()
    r = admin_client.post("/admin/merchants/violation/add/", {
        "store": store.pk, "kind": "fake_shipping", "occurred_at_0": "2026-11-10", "occurred_at_1": "10:00:00",
        "reference": "order:1", "detail": "tracking number reused", "sanctions-TOTAL_FORMS": "0",
        "sanctions-INITIAL_FORMS": "0"})
    assert r.status_code == 302, r.content[:2000]
    v = Violation.objects.get(store=store)
    assert v.status == "pending_review" and v.detected_by == "operator:op"


def test_violation_pages_render(admin_client):
    v = ViolationFactory(store=StoreFactory(base_limit=Decimal("100.00")))
    assert admin_client.get(f"/admin/merchants/violation/{v.pk}/change/").status_code == 200
    assert admin_client.get("/admin/merchants/penaltyrule/").status_code == 200
    assert admin_client.get("/admin/merchants/creditindicator/").status_code == 200
    assert admin_client.get("/admin/merchants/creditscorepolicy/", follow=True).status_code == 200


def test_the_violation_page_shows_the_penalty_applied_as_the_operator_reads_it(admin_client):
    """Not the stored record's keys (`fine_rate: 0.3000 · effective_limit: …`): labels in the
    operator's language, money in ¥, the rate as a percentage, dates, the grade's change."""
    store = StoreFactory(base_limit=Decimal("10000.00"), grade="B")
    pending = ViolationFactory(store=store, kind=Violation.Kind.FAKE_TRANSACTIONS)
    page = admin_client.get(f"/admin/merchants/violation/{pending.pk}/change/").content.decode()
    assert "fine if confirmed now: ¥" in page and "grade: set to C" in page and "set_c" not in page
    v = violation_confirm(violation_id=pending.pk)
    page = admin_client.get(f"/admin/merchants/violation/{v.pk}/change/").content.decode()
    assert f"fine posted: ¥{v.fine_amount:,.2f}" in page and "effective limit at confirmation: ¥10,000.00" in page
    assert "fine rate: " in page and "%" in page.split("fine rate: ")[1][:10]
    assert "grade: B → C" in page and "no logistics incentive that week: yes" in page
    assert "fine_rate" not in page and "effective_limit:" not in page and "store_history_id" not in page
    zh = admin_client.get(f"/admin/merchants/violation/{v.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "已扣罚款: ¥" in zh and "罚款比例" in zh and "当周取消物流激励: 是" in zh


def test_frozen_now_filter_and_restrictions_column(admin_client):
    frozen = StoreFactory(name="Frozen shop", base_limit=Decimal("100.00"))
    violation_confirm(violation_id=ViolationFactory(store=frozen, kind=Violation.Kind.AFTER_SALES_DELAY).pk)
    StoreFactory(name="Clean shop")
    r = admin_client.get("/admin/merchants/store/?restricted=credit_freeze")
    assert b"Frozen shop" in r.content and b"Clean shop" not in r.content
    assert "credit frozen →".encode() in r.content
    expired = StoreFactory(name="Thawed shop")
    Sanction.objects.create(store=expired, kind="credit_freeze", starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                            ends_at=dt.datetime(2020, 1, 8, tzinfo=dt.UTC))
    assert b"Thawed shop" not in admin_client.get("/admin/merchants/store/?restricted=credit_freeze").content


def test_store_page_shows_score_breakdown(admin_client, no_metric_providers):
    from merchants.credit.services import evaluate_month

    store = StoreFactory()
    StoreMetricsFactory(store=store, month=dt.date(2026, 10, 1))
    evaluate_month(month=dt.date(2026, 10, 1))
    r = admin_client.get(f"/admin/merchants/store/{store.pk}/change/")
    # the indicator in words, not its code (issue 24)
    assert r.status_code == 200 and b"2026-10" in r.content and b"DSR score" in r.content
    assert b"dsr_score" not in r.content
    assert admin_client.get("/admin/merchants/creditevaluation/").status_code == 200


@pytest.mark.parametrize("model", ["store", "violation", "creditevaluation"])
def test_changelists_use_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries, model):
    def page():
        return admin_client.get(f"/admin/merchants/{model}/")

    def grow(n):
        for _ in range(n):
            s = StoreFactory()
            ViolationFactory(store=s)
            from tests.merchants.factories import CreditEvaluationFactory
            CreditEvaluationFactory(store=s)

    grow(2)
    page()
    with django_assert_max_num_queries(15) as small:
        page()
    grow(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page()
    assert Store.objects.count() == 10


def test_store_action_reevaluates_the_last_closed_month(admin_client, no_metric_providers):
    from config.timeutil import previous_month

    store = StoreFactory()
    StoreMetricsFactory(store=store, month=previous_month(), monthly_sales=Decimal("5000.00"), dsr_score=None)
    Store.objects.filter(pk=store.pk).update(base_limit=0)
    asked = admin_client.post("/admin/merchants/store/", {"action": "reevaluate_credit",
                                                          "_selected_action": [store.pk]})
    assert asked.status_code == 200 and Store.objects.get(pk=store.pk).base_limit == 0  # a confirmation first
    r = admin_client.post("/admin/merchants/store/", {"action": "reevaluate_credit", "_selected_action": [store.pk],
                                                      "apply": "1"})
    assert r.status_code == 302
    assert Store.objects.get(pk=store.pk).base_limit == Decimal("15000.00")
    from merchants.models import RiskCheck

    assert RiskCheck.objects.filter(store=store, month=previous_month()).exists()  # the self-check goes with it


def test_score_policy_form_refuses_weights_not_summing_to_100(admin_client):
    from merchants.models import CreditScorePolicy

    policy = CreditScorePolicy.current()
    r = admin_client.post(f"/admin/merchants/creditscorepolicy/{policy.pk}/change/", {
        "weight_store_health": 50, "weight_capital_turnover": 30, "weight_risk_control": 20, "weight_market": 10,
        "min_multiple": "3", "max_multiple": "5"})
    assert r.status_code == 200 and b"sum to 100" in r.content
    assert CreditScorePolicy.current().weight_store_health == 40
