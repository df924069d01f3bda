"""Finance reports the weekly logistics results and reconciles the settlement runs from their
exports: the list's filters and search, headers in the operator's language, money in yuan as a
number, times in Beijing time, statuses as their labels."""
import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from config import timeutil
from merchants import roles
from tests.exports import csv_rows, same_rows, xlsx_rows, xlsx_sheet
from tests.factories import OrderFactory, StoreFactory
from tests.roles import operator

from .factories import WEEK, SettlementRunFactory, ShipmentFactory, WeeklyResultFactory

pytestmark = pytest.mark.django_db

RESULTS = "/admin/logistics/weeklyresult/export/{}/"
RUNS = "/admin/logistics/settlementrun/export/{}/"
SETTLED = timeutil.local_at(WEEK + dt.timedelta(days=8), 2, 30)  # Tuesday 02:30 Beijing = Monday 18:30 UTC


def client_for(role):
    client = Client()
    client.force_login(operator(role))
    return client


def test_weekly_results_headers_in_chinese_and_english(admin_client):
    WeeklyResultFactory()
    assert csv_rows(admin_client, RESULTS.format("csv"))[0] == [
        "店铺 ID", "店铺", "周", "周（周一）", "计入天数", "日均订单量（Y）", "订单数（分母）", "按时订单数",
        "发货及时率（%）", "每件奖励（元）", "已揽收包裹数", "金额（元）", "激励发放方式", "状态",
        "结算时间（北京时间）", "追回时间（北京时间）"]
    assert xlsx_rows(admin_client, RESULTS.format("xlsx"), "en")[0] == [
        "store ID", "store", "week", "week (Monday)", "counted days", "daily average (Y)", "orders (denominator)",
        "on-time orders", "on-time rate (%)", "tier per parcel (yuan)", "picked-up parcels", "amount (yuan)",
        "payout method", "status", "settled at (Beijing time)", "clawed back at (Beijing time)"]


def test_a_weekly_result_row_reads_as_the_finance_team_sums_it(admin_client):
    result = WeeklyResultFactory(store=StoreFactory(name="武汉旗舰店"), week=WEEK, amount=Decimal("1234.50"),
                                 settled_at=SETTLED)
    row = csv_rows(admin_client, RESULTS.format("csv"))[1]
    assert row == [str(result.store_id), "武汉旗舰店", "2026-W46", "2026-11-09", "7", "100.00", "700", "665",
                   "95.00", "0.30", "665", "1234.50", "现金打入钱包", "已发放", "2026-11-17 02:30:00", ""]
    sheet = xlsx_sheet(admin_client, RESULTS.format("xlsx"))
    assert sheet.cell(row=2, column=12).value == 1234.5 and sheet.cell(row=2, column=12).number_format == "#,##0.00"
    assert sheet.cell(row=2, column=15).value == dt.datetime(2026, 11, 17, 2, 30)
    assert same_rows(csv_rows(admin_client, RESULTS.format("csv")), xlsx_rows(admin_client, RESULTS.format("xlsx")))


def test_weekly_results_export_the_week_status_and_search_the_list_shows(admin_client):
    shown = StoreFactory(name="甲店")
    WeeklyResultFactory(store=shown, week=WEEK)
    WeeklyResultFactory(store=shown, week=WEEK - dt.timedelta(weeks=1))
    WeeklyResultFactory(store=StoreFactory(name="乙店"), week=WEEK)
    WeeklyResultFactory(store=StoreFactory(name="甲店二号"), week=WEEK, status="disqualified", amount=0)
    rows = csv_rows(admin_client, RESULTS.format("csv"), week=WEEK.isoformat(), disqualified="no", q="甲店")
    assert [(r[1], r[2]) for r in rows[1:]] == [("甲店", "2026-W46")]
    assert len(xlsx_rows(admin_client, RESULTS.format("xlsx"), week=WEEK.isoformat(), q="甲店")) == 3


def test_weekly_results_export_needs_the_view_permission():
    assert client_for(roles.CREDIT_REVIEWER).get(RESULTS.format("csv")).status_code == 403
    assert client_for(roles.FINANCE).get(RESULTS.format("xlsx")).status_code == 200


def test_settlement_runs_headers_and_row(admin_client):
    run = SettlementRunFactory(week=WEEK, started_at=SETTLED, finished_at=SETTLED + dt.timedelta(minutes=5),
                               stores=3, parcels=1995, total=Decimal("598.50"), status="failed",
                               errors="store 7: wallet locked")
    header, row = csv_rows(admin_client, RUNS.format("csv"))
    assert header == ["任务", "周", "状态", "开始时间（北京时间）", "完成时间（北京时间）", "触发人", "批次",
                      "已完成批次", "失败批次", "已结算店铺", "已发放包裹", "已发放总额（元）", "追回", "错误"]
    assert row == [str(run.pk), "2026-W46", "完成但有错误", "2026-11-17 02:30:00", "2026-11-17 02:35:00", "test",
                   "1", "1", "0", "3", "1995", "598.50", "0", "store 7: wallet locked"]
    assert csv_rows(admin_client, RUNS.format("csv"), "en")[0][11] == "total paid (yuan)"
    assert same_rows(csv_rows(admin_client, RUNS.format("csv")), xlsx_rows(admin_client, RUNS.format("xlsx")))


def test_settlement_runs_export_the_status_filter(admin_client):
    SettlementRunFactory(status="succeeded")
    failed = SettlementRunFactory(status="failed")
    rows = csv_rows(admin_client, RUNS.format("csv"), status__exact="failed")
    assert [r[0] for r in rows[1:]] == [str(failed.pk)]


def test_settlement_runs_export_needs_the_view_permission():
    assert client_for(roles.RISK_OFFICER).get(RUNS.format("xlsx")).status_code == 403
    assert client_for(roles.FINANCE).get(RUNS.format("csv")).status_code == 200


SHIPMENTS = "/admin/logistics/shipment/export/{}/"


def test_shipment_headers_in_chinese_and_english(admin_client):
    ShipmentFactory()
    assert csv_rows(admin_client, SHIPMENTS.format("csv"))[0] == [
        "发货记录 ID", "运单号", "订单 ID", "店铺 ID", "店铺", "官方物流", "发货时间（北京时间）",
        "发货截止时间（北京时间）", "揽收时间（北京时间）", "按时", "跟单"]
    assert xlsx_rows(admin_client, SHIPMENTS.format("xlsx"), "en")[0] == [
        "shipment ID", "tracking number", "order ID", "store ID", "store", "official logistics",
        "shipped at (Beijing time)", "shipping deadline (Beijing time)", "picked up at (Beijing time)", "on time",
        "follow up"]


def test_a_shipment_row_says_whether_it_was_on_time_and_needs_follow_up(admin_client):
    paid = timeutil.local_at(WEEK, 9)  # Monday 09:00: due by Tuesday's cut-off
    on_time = ShipmentFactory(order=OrderFactory(store=StoreFactory(name="准时店"), paid_at=paid),
                              tracking_no="SF0000000001")
    waiting = ShipmentFactory(order=OrderFactory(store=StoreFactory(name="未揽收店"), paid_at=paid),
                              tracking_no="SF0000000002", picked_up_at=None)
    rows = {r[1]: r for r in csv_rows(admin_client, SHIPMENTS.format("csv"))[1:]}
    assert rows["SF0000000001"] == [
        str(on_time.pk), "SF0000000001", str(on_time.order_id), str(on_time.store_id), "准时店", "是",
        timeutil.local(on_time.shipped_at).strftime("%Y-%m-%d %H:%M:%S"),
        timeutil.local(on_time.deadline).strftime("%Y-%m-%d %H:%M:%S"),
        timeutil.local(on_time.picked_up_at).strftime("%Y-%m-%d %H:%M:%S"), "是", "否"]
    assert rows["SF0000000002"][8:] == ["", "否", "是"]  # never scanned: not on time, follow it up
    assert waiting.store.name == rows["SF0000000002"][4]
    assert same_rows(csv_rows(admin_client, SHIPMENTS.format("csv")),
                     xlsx_rows(admin_client, SHIPMENTS.format("xlsx")))


def test_shipments_export_the_lists_search(admin_client):
    ShipmentFactory(tracking_no="SF0000000001")
    ShipmentFactory(tracking_no="SF0000000002")
    assert [r[1] for r in csv_rows(admin_client, SHIPMENTS.format("csv"), q="SF0000000002")[1:]] == ["SF0000000002"]


def test_shipments_export_needs_the_view_permission():
    assert client_for(roles.RISK_OFFICER).get(SHIPMENTS.format("csv")).status_code == 200
    assert client_for(roles.CREDIT_REVIEWER).get(SHIPMENTS.format("csv")).status_code == 403
