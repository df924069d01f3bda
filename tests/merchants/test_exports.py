"""Violations with their penalties, the wallet ledger and the limit-increase applications export
from their admin lists: what the list shows (filters, search), headers in the operator's
language, money in yuan, Beijing time, labels not codes, and sensitive numbers only masked."""
import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from config import timeutil
from merchants import roles
from merchants.models import CreditApplication, Violation
from tests.exports import csv_rows, same_rows, xlsx_rows, xlsx_sheet
from tests.factories import StoreFactory, ViolationFactory
from tests.roles import operator

from .factories import CreditApplicationFactory

pytestmark = pytest.mark.django_db

VIOLATIONS = "/admin/merchants/violation/export/{}/"
APPLICATIONS = "/admin/merchants/creditapplication/export/{}/"
AT = timeutil.local_at(dt.date(2026, 11, 3), 9, 15)  # 09:15 Beijing = 01:15 UTC


def client_for(role):
    client = Client()
    client.force_login(operator(role))
    return client


def confirmed_violation(store_name="武汉旗舰店"):
    return ViolationFactory(
        store=StoreFactory(name=store_name), status=Violation.Status.CONFIRMED, occurred_at=AT,
        confirmed_at=AT + dt.timedelta(hours=1), reference="order:42", fine_amount=Decimal("1500.00"),
        limit_at_confirmation=Decimal("30000.00"), grade_before="B", grade_after="C",
        penalty={"fine_rate": "0.0500", "fine": "1500.00", "credit_frozen_until": "2026-12-03T02:15:00+00:00",
                 "raise_banned_until": None, "paylater_suspended_until": None,
                 "no_logistics_incentive_that_week": True})


def test_violation_headers_in_chinese_and_english(admin_client):
    confirmed_violation()
    assert csv_rows(admin_client, VIOLATIONS.format("csv"))[0] == [
        "编号", "店铺 ID", "店铺", "类型", "状态", "发生时间（北京时间）", "关联单据", "发现方", "确认时间（北京时间）",
        "撤销时间（北京时间）", "罚款（元）", "罚款比例（%）", "确认时的有效额度（元）", "额度冻结至（北京时间）",
        "禁止提额至（北京时间）", "暂停先用后付至（北京时间）", "原等级", "新等级", "当周取消物流激励", "处理说明",
        "撤销原因"]
    assert xlsx_rows(admin_client, VIOLATIONS.format("xlsx"), "en")[0][9:13] == [
        "violation revoked at (Beijing time)", "fine (yuan)", "fine rate (%)", "effective limit at confirmation (yuan)"]


def test_a_violation_row_carries_its_penalty(admin_client):
    v = confirmed_violation()
    row = csv_rows(admin_client, VIOLATIONS.format("csv"))[1]
    assert row == [str(v.pk), str(v.store_id), "武汉旗舰店", "虚构交易", "已确认", "2026-11-03 09:15:00", "order:42",
                   "test", "2026-11-03 10:15:00", "", "1500.00", "5.00", "30000.00", "2026-12-03 10:15:00", "", "",
                   "B", "C", "是", "", ""]
    sheet = xlsx_sheet(admin_client, VIOLATIONS.format("xlsx"))
    assert sheet.cell(row=2, column=11).value == 1500 and sheet.cell(row=2, column=11).number_format == "#,##0.00"
    assert same_rows(csv_rows(admin_client, VIOLATIONS.format("csv")),
                     xlsx_rows(admin_client, VIOLATIONS.format("xlsx")))


def test_violations_export_the_kind_status_filter_and_search(admin_client):
    confirmed_violation("甲店")
    ViolationFactory(store=StoreFactory(name="甲店二号"))  # pending review
    confirmed_violation("乙店")
    rows = csv_rows(admin_client, VIOLATIONS.format("csv"), status__exact="confirmed", kind__exact="fake_transactions",
                    q="甲店")
    assert [r[2] for r in rows[1:]] == ["甲店"]


def test_violations_export_needs_the_view_permission():
    assert client_for(roles.FINANCE).get(VIOLATIONS.format("csv")).status_code == 403
    assert client_for(roles.RISK_OFFICER).get(VIOLATIONS.format("xlsx")).status_code == 200


def application(store_name="武汉旗舰店", **kwargs):
    return CreditApplicationFactory(store=StoreFactory(name=store_name), submitted_at=AT,
                                    due_at=AT + dt.timedelta(days=7), **kwargs)


def test_application_headers_in_chinese_and_english(admin_client):
    application()
    assert csv_rows(admin_client, APPLICATIONS.format("csv"))[0] == [
        "编号", "店铺 ID", "店铺", "状态", "申请额度（元）", "提交时的有效额度（元）", "预评估",
        "建议额度（元）", "营业执照", "法定代表人身份证", "银行账户", "提交时间（北京时间）",
        "审核到期时间（北京时间）", "处理时间（北京时间）", "处理人", "批准额度（元）", "驳回原因"]
    assert csv_rows(admin_client, APPLICATIONS.format("csv"), "en")[0][8:11] == [
        "business licence", "legal representative ID", "bank account"]


def test_an_application_exports_its_numbers_masked_never_in_clear(admin_client):
    a = application()
    csv_data = csv_rows(admin_client, APPLICATIONS.format("csv"))
    assert csv_data[1] == [str(a.pk), str(a.store_id), "武汉旗舰店", "待审核", "50000.00", "0.00", "通过", "50000.00",
                           "**************Z12Q", "**************1234", "***************3445", "2026-11-03 09:15:00",
                           "2026-11-10 09:15:00", "", "", "", ""]
    xlsx_data = xlsx_rows(admin_client, APPLICATIONS.format("xlsx"))
    assert same_rows(csv_data, xlsx_data)
    everything = repr(csv_data) + repr(xlsx_data)
    for secret in ("91420100MA4KXYZ12Q", "420102199001011234", "6222020200112233445"):
        assert secret not in everything


def test_applications_export_the_status_filter_and_search(admin_client):
    application("甲店")
    application("甲店二号", status=CreditApplication.Status.REJECTED, reject_reason="资料不全")
    application("乙店")
    rows = csv_rows(admin_client, APPLICATIONS.format("csv"), status__exact="rejected", q="甲店")
    assert [(r[2], r[3], r[16]) for r in rows[1:]] == [("甲店二号", "已驳回", "资料不全")]


def test_applications_export_needs_the_view_permission():
    assert client_for(roles.FINANCE).get(APPLICATIONS.format("csv")).status_code == 403
    assert client_for(roles.CREDIT_REVIEWER).get(APPLICATIONS.format("xlsx")).status_code == 200
