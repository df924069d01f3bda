"""The cockpit's second pass (issue 24): history rows, previews and decision pages read as the
operator's facts, and a page never invites a wrong or needless move."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from simple_history.models import DeletedObject

from config.history import json_shown, reference_link, shown_reason, shown_value, text_with_links
from merchants.models import Store, Violation
from merchants.stores.services import store_wallet_set
from refunds.models import RefundCase
from tests.factories import StoreFactory, UserFactory, ViolationFactory
from tests.refunds.factories import RefundCaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("op", "op@example.com", "pw")
    client.force_login(user)
    return client


def zh(fn, *args):
    with translation.override("zh-hans"):
        return str(fn(*args))


# --- history rows ------------------------------------------------------------------------------

@pytest.mark.parametrize("stored, shown", [
    ("operator: admin — judged seller-responsible: 商品破损", "运营: admin — 判定商家责任: 商品破损"),
    ("approved 475400.00", "已批准，授予额度 ¥475,400.00"),
    ("buyer: demo-buyer-376 — return shipped (SF0000000006)", "买家: demo-buyer-376 — 已寄回退货 (SF0000000006)"),
    ("job: run_refund_timeouts — merchant did not decide in time: agreed as requested; no return address",
     "定时任务: 售后时限 — 商家超时未处理：按申请自动同意; 无退货地址"),
    ("refused: wallet_not_upgraded", "被拒: 未升级安心钱包"),
    ("revoked: 申诉成功：垫付超额系平台计算错误", "已撤销: 申诉成功：垫付超额系平台计算错误"),
    ("operator: op — grade A → C: 虚假交易", "运营: op — 等级 A → C：虚假交易"),
    ("merchant: demo01 — return contested (missing_items)", "商家: demo01 — 退货异议 (退回包裹缺件)"),
    ("merchant: demo01 — evidence added: 2 file(s)", "商家: demo01 — 添加证据：2 个文件"),
    ("operator: admin — contest decided: partial_refund 30.00: 缺件",
     "运营: admin — 异议裁决：部分退款，退款 ¥30.00：缺件"),
    ("something nobody translated", "something nobody translated"),  # kept as written, never lost
])
def test_a_history_reason_reads_in_the_operators_language_and_keeps_names_and_notes(stored, shown):
    import paylater.admin_facts  # noqa: F401  (registers the refusal codes' words, as the admin does)
    import refunds.admin_evidence  # noqa: F401  (the contest codes' words)

    assert zh(shown_reason, stored) == shown


@pytest.mark.parametrize("stored, shown", [
    ("connection: ConnectionRefusedError: [Errno 111] Connection refused", "无法连接（对方拒绝连接）"),
    ("timeout: no complete reply within 10 s", "未按时响应（10 秒内未收到完整响应）"),
    ("timeout: timed out", "未按时响应"),
    ("dns: [Errno -2] Name or service not known", "域名无法解析（[Errno -2] Name or service not known）"),
])
def test_a_webhook_attempts_transport_error_reads_as_words_and_keeps_an_unknown_detail(stored, shown):
    from merchants.webhooks.attempt_words import attempt_error

    assert zh(attempt_error, stored) == shown


def test_a_history_value_reads_by_its_field_type():
    case, violation = RefundCase._meta, Violation._meta
    assert zh(shown_value, case.get_field("status"), "escalated") == "已升级平台介入"
    assert zh(shown_value, case.get_field("amount"), Decimal("23150.00")) == "¥23,150.00"
    at = dt.datetime(2026, 12, 7, 15, 14, 36, 415114, tzinfo=dt.timezone.utc)
    assert zh(shown_value, case.get_field("opened_at"), at) == "2026-12-07 23:14"  # platform time, to the minute
    assert zh(shown_value, case.get_field("refunded_at"), None) == "—"
    penalty = {"fine_rate": "0.5000", "fine": "23150.00", "grade_after": None, "store_history_id": 9,
               "no_logistics_incentive_that_week": True}
    text = zh(shown_value, violation.get_field("penalty"), penalty)
    assert "罚款比例: 50.00%" in text and "已扣罚款: ¥23,150.00" in text and "当周取消物流激励: 是" in text
    assert "{" not in text and "None" not in text and "history" not in text
    deleted = DeletedObject(get_user_model(), None)
    assert zh(shown_value, Store._meta.get_field("owner"), deleted) == "—"  # not "Deleted 用户 (pk=None)"


def test_a_json_list_reads_as_words_not_a_repr():
    assert json_shown(["a", "b"]) == "a, b"
    assert json_shown({}) == "—"


def test_references_read_as_links_in_words(admin_client):
    violation = ViolationFactory()
    link = zh(reference_link, f"violation:{violation.pk}")
    assert f'href="/admin/merchants/violation/{violation.pk}/change/"' in link and f"违规 #{violation.pk}" in link
    assert zh(reference_link, "logistics-week:2026-W49") == "物流周 2026-W49"
    assert "售后单 #4" in zh(text_with_links, "refund_case:4") and "refund_case" not in zh(text_with_links,
                                                                                        "refund_case:4")


def test_the_history_page_has_no_stored_codes_utc_times_or_english_headers(admin_client):
    store = StoreFactory(wallet_upgraded=False)
    store_wallet_set(store_id=store.pk, upgraded=True, reason="线下核验", user=UserFactory())
    html = admin_client.get(f"/admin/merchants/store/{store.pk}/history/", HTTP_ACCEPT_LANGUAGE="zh-hans") \
        .content.decode()
    assert "变更" in html and "Changes" not in html and "CHANGES" not in html
    assert "已升级安心钱包: 线下核验" in html and "wallet upgraded" not in html
    assert "+00:00" not in html and "None" not in html


# --- pages that do not invite a wrong move ------------------------------------------------------

def test_the_wallet_flag_changes_only_through_the_service_with_a_reason_and_history(admin_client):
    store = StoreFactory(wallet_upgraded=False)
    page = admin_client.get(f"/admin/merchants/store/{store.pk}/change/").content.decode()
    assert 'name="wallet_upgraded"' not in page  # read-only on the page
    refused = admin_client.post("/admin/merchants/store/", {"action": "upgrade_wallet", "_selected_action": [store.pk],
                                                            "apply": "1", "reason": ""})
    assert refused.status_code == 200 and not Store.objects.get(pk=store.pk).wallet_upgraded
    admin_client.post("/admin/merchants/store/", {"action": "upgrade_wallet", "_selected_action": [store.pk],
                                                  "apply": "1", "reason": "线下核验"})
    store.refresh_from_db()
    latest = store.history.order_by("-history_id").first()
    assert store.wallet_upgraded and latest.history_user.username == "op"
    assert latest.history_change_reason == "operator: op — wallet upgraded: 线下核验"


def test_the_set_grade_page_shows_the_current_grade_and_chooses_none(admin_client):
    store = StoreFactory(grade="B")
    with translation.override("zh-hans"):
        page = admin_client.post("/admin/merchants/store/", {"action": "set_grade", "_selected_action": [store.pk]},
                                 HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "当前等级" in page and "<td>B</td>" in page
    assert '<option value="" selected>' in page and 'value="A" selected' not in page


def test_re_evaluating_credit_asks_first(admin_client, monkeypatch):
    store = StoreFactory()
    calls = []
    monkeypatch.setattr("merchants.stores.admin.reevaluate_stores", lambda **kw: calls.append(kw))
    page = admin_client.post("/admin/merchants/store/", {"action": "reevaluate_credit", "_selected_action": [store.pk]})
    assert page.status_code == 200 and b'name="apply"' in page.content and calls == []
    admin_client.post("/admin/merchants/store/", {"action": "reevaluate_credit", "_selected_action": [store.pk],
                                                  "apply": "1"})
    assert calls and calls[0]["store_ids"] == [store.pk]


def test_judging_a_case_that_is_not_escalated_is_refused_before_the_confirmation(admin_client):
    case = RefundCaseFactory()
    assert case.status != RefundCase.Status.ESCALATED
    r = admin_client.post("/admin/refunds/refundcase/", {"action": "judge_seller_responsible",
                                                         "_selected_action": [case.pk]}, follow=True)
    assert b'name="apply"' not in r.content  # no confirmation page
    assert "only escalated cases are judged" in str(list(r.context["messages"])[0])


def test_the_refund_case_page_offers_no_save_and_no_empty_negotiation_block(admin_client):
    case = RefundCaseFactory()
    page = admin_client.get(f"/admin/refunds/refundcase/{case.pk}/change/").content.decode()
    assert 'name="_save"' not in page and "negotiation (one per case)" not in page


def test_a_decided_violations_detail_is_read_only(admin_client):
    from merchants.violations.services import violation_confirm

    v = violation_confirm(violation_id=ViolationFactory(kind=Violation.Kind.FAKE_SHIPPING).pk)
    page = admin_client.get(f"/admin/merchants/violation/{v.pk}/change/").content.decode()
    assert 'name="detail"' not in page and 'name="_save"' not in page


def test_the_store_owner_cannot_be_deleted_from_the_store_page(admin_client):
    store = StoreFactory()
    page = admin_client.get(f"/admin/merchants/store/{store.pk}/change/").content.decode()
    assert 'id="delete_id_owner"' not in page and 'id="change_id_owner"' not in page


def test_the_fake_shipping_preview_lists_the_lost_logistics_incentive(admin_client):
    v = ViolationFactory(kind=Violation.Kind.FAKE_SHIPPING)
    with translation.override("zh-hans"):
        page = admin_client.post("/admin/merchants/violation/", {"action": "confirm", "_selected_action": [v.pk]},
                                 HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<th>当周取消物流激励</th><td>是</td>" in page


def test_the_store_risk_page_shows_the_risk_points_not_the_store_profile(admin_client):
    from merchants.risk.models import RiskCheck

    store = StoreFactory()
    RiskCheck.objects.create(store=store, month=dt.date(2026, 11, 1), status="warning", severity=1, points=[
        {"code": "dispute_rate", "value": "0.0150", "warning_at": "0.0120", "limit_at": "0.0180",
         "status": "warning"}])
    page = admin_client.get(f"/admin/merchants/storerisk/{store.pk}/change/").content.decode()
    assert "Risk points (latest self-check)" in page and "1.50%" in page and "2026-11" in page
    assert "0.0150" not in page and 'name="city"' not in page and "Base credit limit" not in page


def test_the_refund_kpi_page_shows_the_kpis(admin_client):
    store = StoreFactory()
    page = admin_client.get(f"/admin/refunds/storerefundkpi/{store.pk}/change/").content.decode()
    assert "Product experience refund rate" in page and "Dispute refund rate" in page
    assert "wallet" not in page.lower()


def test_the_header_links_the_api_docs_not_a_missing_site(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'href="/api/docs/"' in page and 'href="/"' not in page


def test_the_403_page_is_in_chinese(client):
    staff = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    r = client.get("/admin/merchants/store/1/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 403 and "无权访问" in r.content.decode()
