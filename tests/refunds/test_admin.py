"""Operators' refund screens: fixed query counts, filters, negotiation clock, judgement."""
import datetime as dt
from decimal import Decimal

import pytest

from merchants.models import Order
from refunds import services
from refunds.models import RefundCase, RefundRules
from refunds.services import Actor
from tests.factories import StoreFactory, UserFactory
from tests.refunds.factories import open_case

pytestmark = pytest.mark.django_db


def make_cases(store, n):
    cases = []
    for i in range(n):
        case = open_case(store, type="return_refund", amount="20.00")
        if i % 2:
            services.negotiation_propose(case_id=case.pk, actor=Actor.merchant(store.owner), type="refund_only",
                                         amount=Decimal("2.00"))
        cases.append(case)
    return cases


def changelist_queries(admin_client, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(14) as ctx:
        r = admin_client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/admin/refunds/refundcase/", "/admin/refunds/storerefundkpi/",
                                 "/admin/refunds/refundrules/"])
def test_changelists_use_a_fixed_number_of_queries(clock, admin_client, django_assert_max_num_queries, url):
    store = StoreFactory()
    make_cases(store, 2)
    RefundRules.objects.create(store=store)
    few = changelist_queries(admin_client, django_assert_max_num_queries, url)
    for _ in range(6):
        other = StoreFactory()
        make_cases(other, 3)
        RefundRules.objects.create(store=other)
    many = changelist_queries(admin_client, django_assert_max_num_queries, url)
    assert many == few


def test_case_filters_overdue_and_negotiation(clock, admin_client, store):
    cases = make_cases(store, 2)
    clock.shift(dt.timedelta(hours=37))
    r = admin_client.get("/admin/refunds/refundcase/?overdue=yes")
    assert r.status_code == 200 and len(r.context["cl"].result_list) == 2
    r = admin_client.get("/admin/refunds/refundcase/?negotiation=none")
    assert [c.pk for c in r.context["cl"].result_list] == [cases[0].pk]
    r = admin_client.get(f"/admin/refunds/refundcase/?status=pending&type=return_refund&store__id__exact={store.pk}")
    assert len(r.context["cl"].result_list) == 2


def test_case_page_shows_the_negotiation_clock_and_history(clock, admin_client, store):
    case = make_cases(store, 2)[1]
    r = admin_client.get(f"/admin/refunds/refundcase/{case.pk}/change/")
    assert r.status_code == 200
    assert "36 h 0 min left" in r.content.decode()
    r = admin_client.get(f"/admin/refunds/refundcase/{case.pk}/history/")
    assert r.status_code == 200 and "buyer:" in r.content.decode()


def test_operator_judges_an_escalated_case_seller_responsible_from_the_list(clock, admin_client, store):
    case = open_case(store, type="refund_only", amount="15.00")
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="no")
    services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer(case.buyer_id))
    pending = open_case(store, type="refund_only", amount="5.00")
    page = admin_client.post("/admin/refunds/refundcase/", {
        "action": "judge_seller_responsible", "_selected_action": [case.pk, pending.pk]})
    assert page.status_code == 200 and "¥15.00" in page.content.decode() and "no" in page.content.decode()
    assert RefundCase.objects.get(pk=case.pk).status == RefundCase.Status.ESCALATED  # nothing until confirmed
    r = admin_client.post("/admin/refunds/refundcase/", {
        "action": "judge_seller_responsible", "_selected_action": [case.pk, pending.pk], "apply": "1",
        "note": ""}, follow=True)
    assert r.status_code == 200
    assert any("refund ¥15.00 forced" in str(m) for m in r.context["messages"])
    case.refresh_from_db()
    assert case.status == RefundCase.Status.REFUNDED and case.judgement == "seller_responsible"
    assert Order.objects.get(pk=case.order_id).refunded_amount == Decimal("15.00")
    admin_user = UserFactory(username="admin")
    assert case.history.first().history_change_reason == "operator: admin — judged seller-responsible"
    assert case.history.first().history_user == admin_user
    assert RefundCase.objects.get(pk=pending.pk).status == RefundCase.Status.PENDING


def test_operator_edits_the_refund_policy_and_store_rules(admin_client, store):
    r = admin_client.get("/admin/refunds/refundpolicy/", follow=True)
    assert r.status_code == 200
    r = admin_client.post("/admin/refunds/refundrules/add/", {
        "store": store.pk, "auto_agree_no_reason_return": "on", "return_address": ""})
    assert r.status_code == 200 and not RefundRules.objects.exists()  # the form refused it
    r = admin_client.post("/admin/refunds/refundrules/add/", {
        "store": store.pk, "auto_agree_no_reason_return": "on", "return_address": "仓"})
    assert r.status_code == 302
    rules = RefundRules.objects.get(store=store)
    assert rules.auto_agree_no_reason_return and rules.history.first().history_change_reason.startswith(
        "operator: admin")
