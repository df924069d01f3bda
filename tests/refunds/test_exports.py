"""The per-store refund KPIs (SPEC §3) export from their admin list (售后 KPI per store), as the
list computes them: rates in percent, completion times in hours, over the 30 local days ending
on the export's date."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from config import timeutil
from tests.exports import csv_rows, same_rows, xlsx_rows
from tests.factories import StoreFactory, UserFactory
from tests.refunds.factories import NegotiationFactory, RefundCaseFactory
from tests.refunds.test_kpis import AS_OF, fixture_store  # noqa: F401 (the hand-computed fixture)

pytestmark = pytest.mark.django_db

URL = "/admin/refunds/storerefundkpi/export/{}/"


@pytest.fixture
def on_as_of():
    with time_machine.travel(timeutil.local_at(AS_OF, 12), tick=False):
        yield


def test_headers_in_chinese_and_english(admin_client, fixture_store, on_as_of):  # noqa: F811
    assert csv_rows(admin_client, URL.format("csv"))[0] == [
        "店铺 ID", "店铺", "等级", "状态", "已支付订单（30 天）", "商品体验退款率（%）", "仅退款完结时长（小时）",
        "退货退款完结时长（小时）", "纠纷退款率（%）"]
    assert csv_rows(admin_client, URL.format("csv"), "en")[0] == [
        "store ID", "store", "grade", "status", "orders paid (30 days)", "product experience refund rate (%)",
        "refund-only completion (hours)", "return completion (hours)", "dispute refund rate (%)"]


def test_a_stores_kpis_are_the_hand_computed_ones(admin_client, fixture_store, on_as_of):  # noqa: F811
    rows = csv_rows(admin_client, URL.format("csv"), q=fixture_store.name)
    assert rows[1:] == [[str(fixture_store.pk), fixture_store.name, "B", "生效中", "8", "50.00", "8.25", "60.00",
                         "12.50"]]
    assert same_rows(csv_rows(admin_client, URL.format("csv")), xlsx_rows(admin_client, URL.format("xlsx")))


def test_a_store_without_orders_has_empty_kpis_not_zero(admin_client, on_as_of):
    store = StoreFactory(name="新店")
    assert csv_rows(admin_client, URL.format("csv"), q="新店")[1] == [str(store.pk), "新店", "B", "生效中", "0", "", "",
                                                                     "", ""]


def test_export_follows_the_grade_filter_and_search(admin_client, on_as_of):
    StoreFactory(name="甲店", grade="A")
    StoreFactory(name="甲店二号", grade="B")
    StoreFactory(name="乙店", grade="A")
    rows = csv_rows(admin_client, URL.format("csv"), grade__exact="A", q="甲店")
    assert [r[1] for r in rows[1:]] == ["甲店"]


def test_staff_without_refund_or_store_view_permission_cannot_export():
    client = Client()
    client.force_login(UserFactory(username="staff-no-perms", is_staff=True))
    assert client.get(URL.format("csv")).status_code == 403
    assert client.get(URL.format("xlsx")).status_code == 403


def test_the_window_is_the_30_local_days_ending_today(admin_client, admin_user, fixture_store):  # noqa: F811
    with time_machine.travel(timeutil.local_at(AS_OF + dt.timedelta(days=40), 12), tick=False):
        admin_client.force_login(admin_user)  # the session would have expired
        rows = csv_rows(admin_client, URL.format("csv"), q=fixture_store.name)
    assert rows[1][4:] == ["0", "", "", "", ""]


CASES = "/admin/refunds/refundcase/export/{}/"


def test_refund_case_headers_name_their_units_in_chinese_and_english(admin_client):
    RefundCaseFactory()
    assert csv_rows(admin_client, CASES.format("csv"))[0] == [
        "售后单 ID", "订单 ID", "店铺 ID", "店铺", "买家 ID", "类型", "原因", "申请金额（元）", "金额（元）", "状态",
        "创建时间（北京时间）", "商家处理截止时间（北京时间）", "处理时间（北京时间）", "退货运单号",
        "退货寄出时间（北京时间）", "收到退货时间（北京时间）", "退款时间（北京时间）", "拒绝原因",
        "升级时间（北京时间）", "判责", "判责时间（北京时间）", "关闭时间（北京时间）", "协商", "协商金额（元）"]
    assert xlsx_rows(admin_client, CASES.format("xlsx"), "en")[0][:4] == ["case ID", "order ID", "store ID", "store"]


def test_a_case_row_reads_as_the_list_shows_it_with_its_negotiation(admin_client):
    negotiation = NegotiationFactory(case=RefundCaseFactory(store=StoreFactory(name="武汉旗舰店"),
                                                            amount=Decimal("99.00")),
                                     amount=Decimal("30.00"))
    case = negotiation.case
    row = csv_rows(admin_client, CASES.format("csv"))[1]
    assert row == [str(case.pk), str(case.order_id), str(case.store_id), "武汉旗舰店", case.buyer_id, "退货退款",
                   "破损", "99.00", "99.00", "待商家处理", "2026-11-20 10:00:00", "2026-11-21 22:00:00", "", "", "", "",
                   "", "", "", "", "", "", "进行中", "30.00"]
    assert same_rows(csv_rows(admin_client, CASES.format("csv")), xlsx_rows(admin_client, CASES.format("xlsx")))


def test_refund_cases_export_the_lists_filter_and_search(admin_client):
    RefundCaseFactory(store=StoreFactory(name="甲店"))
    RefundCaseFactory(store=StoreFactory(name="甲店二号"), status="rejected")
    RefundCaseFactory(store=StoreFactory(name="乙店"))
    rows = csv_rows(admin_client, CASES.format("csv"), status__exact="pending", q="甲店")
    assert [r[3] for r in rows[1:]] == ["甲店"]


def test_staff_without_refund_view_permission_cannot_export_cases():
    client = Client()
    client.force_login(UserFactory(username="staff-no-perms", is_staff=True))
    assert client.get(CASES.format("csv")).status_code == 403
