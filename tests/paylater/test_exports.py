"""Monthly fee statements (先用后付服务费账单) export as before (CSV with a BOM, Chinese headers for a
Chinese operator), now also as Excel, from the filtered list."""
import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from config import timeutil
from merchants import roles
from paylater import services
from paylater.models import FeeStatement
from tests.exports import csv_rows, same_rows, xlsx_rows, xlsx_sheet
from tests.factories import StoreFactory
from tests.roles import operator

pytestmark = pytest.mark.django_db

URL = "/admin/paylater/feestatement/export/{}/"
GENERATED = timeutil.local_at(dt.date(2026, 11, 1), 2, 0)  # 2026-11-01 02:00 Beijing = 10-31 18:00 UTC


def statement(name="武汉旗舰店", month=dt.date(2026, 10, 1), fee="1234.50", invoice=True):
    s = FeeStatement.objects.create(store=StoreFactory(name=name), month=month, order_count=12,
                                    fee_total=Decimal(fee), generated_at=GENERATED)
    if invoice:
        services.invoice_request(statement=s, title="武汉某某有限公司", tax_id="91420100MA4K1234X5")
    return s


def test_headers_in_chinese_and_english(admin_client):
    statement()
    assert csv_rows(admin_client, URL.format("csv"))[0] == [
        "编号", "店铺 ID", "店铺名称", "月份", "订单", "服务费合计（元）", "生成时间（北京时间）", "发票状态", "发票号"]
    assert csv_rows(admin_client, URL.format("csv"), "en")[0] == [
        "number", "store ID", "store name", "month", "orders", "fee total (yuan)", "generated at (Beijing time)",
        "invoice status", "invoice number"]


def test_a_statement_row_with_its_fee_in_yuan_and_invoice_state(admin_client):
    s = statement()
    row = csv_rows(admin_client, URL.format("csv"))[1]
    assert row == [str(s.pk), str(s.store_id), "武汉旗舰店", "2026-10", "12", "1234.50", "2026-11-01 02:00:00",
                   "已申请", ""]
    sheet = xlsx_sheet(admin_client, URL.format("xlsx"))
    assert sheet.cell(row=2, column=6).value == 1234.5 and sheet.cell(row=2, column=6).number_format == "#,##0.00"
    assert same_rows(csv_rows(admin_client, URL.format("csv")), xlsx_rows(admin_client, URL.format("xlsx")))


def test_export_follows_the_lists_month_invoice_filter_and_search(admin_client):
    statement(name="甲店")
    statement(name="甲店二号", invoice=False)
    statement(name="甲店三号", month=dt.date(2026, 9, 1))
    statement(name="乙店")
    rows = csv_rows(admin_client, URL.format("csv"), month="2026-10-01", invoice="requested", q="甲店")
    assert [r[2] for r in rows[1:]] == ["甲店"]
    assert [r[2] for r in xlsx_rows(admin_client, URL.format("xlsx"), invoice="none")[1:]] == ["甲店二号"]


def test_only_finance_and_auditors_export_statements():
    risk = Client()
    risk.force_login(operator(roles.RISK_OFFICER))
    assert risk.get(URL.format("csv")).status_code == 403
    finance = Client()
    finance.force_login(operator(roles.FINANCE))
    assert finance.get(URL.format("xlsx")).status_code == 200
