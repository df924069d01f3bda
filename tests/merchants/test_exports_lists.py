"""The order and store lists export as they show (issue 24 item 8): the list's filters and search,
headers in the operator's language naming units, money in yuan as numbers, Beijing time, labels
not codes; stores carry their wallet balance and the restrictions in force when exported."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from config import timeutil
from merchants import roles
from merchants.models import LedgerEntry, Order, Sanction, Store
from tests.exports import csv_rows, same_rows, xlsx_rows, xlsx_sheet
from tests.factories import LedgerEntryFactory, OrderFactory, ProductFactory, StoreFactory, UserFactory
from tests.roles import operator

pytestmark = pytest.mark.django_db

ORDERS = "/admin/merchants/order/export/{}/"
STORES = "/admin/merchants/store/export/{}/"
PAID = timeutil.local_at(dt.date(2026, 11, 3), 9, 15)  # 09:15 Beijing = 01:15 UTC
NOW = timeutil.local_at(dt.date(2026, 11, 10), 12)


@pytest.fixture(autouse=True)
def on_now():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(role):
    client = Client()
    client.force_login(operator(role))
    return client


def paylater_order(store_name="武汉旗舰店"):
    product = ProductFactory(store=StoreFactory(name=store_name), title="蓝牙耳机")
    return OrderFactory(product=product, buyer_id="b-7", amount=Decimal("129.00"), fee=Decimal("3.87"), paid_at=PAID,
                        payment_method=Order.PaymentMethod.PAYLATER, status=Order.Status.RECEIPT_CONFIRMED,
                        receipt_confirmed_at=PAID + dt.timedelta(days=3))


def test_order_headers_name_their_units_in_chinese_and_english(admin_client):
    paylater_order()
    assert csv_rows(admin_client, ORDERS.format("csv"))[0] == [
        "订单 ID", "店铺 ID", "店铺", "商品", "买家 ID", "金额（元）", "支付方式", "渠道", "状态",
        "先用后付服务费（元）", "支付时间（北京时间）", "确认收货时间（北京时间）", "消费者扣款时间（北京时间）",
        "平台垫付时间（北京时间）", "垫付收回时间（北京时间）", "取消时间（北京时间）", "已退款金额（元）",
        "全额退款时间（北京时间）"]
    assert xlsx_rows(admin_client, ORDERS.format("xlsx"), "en")[0][:6] == [
        "order ID", "store ID", "store", "product", "buyer id", "amount (yuan)"]


def test_an_order_row_reads_as_the_list_shows_it(admin_client):
    order = paylater_order()
    row = csv_rows(admin_client, ORDERS.format("csv"))[1]
    assert row == [str(order.pk), str(order.store_id), "武汉旗舰店", "蓝牙耳机", "b-7", "129.00", "先用后付", "淘特",
                   "已确认收货", "3.87", "2026-11-03 09:15:00", "2026-11-06 09:15:00", "", "", "", "", "0.00", ""]
    sheet = xlsx_sheet(admin_client, ORDERS.format("xlsx"))
    assert sheet.cell(row=2, column=6).value == 129 and sheet.cell(row=2, column=6).number_format == "#,##0.00"
    assert same_rows(csv_rows(admin_client, ORDERS.format("csv")), xlsx_rows(admin_client, ORDERS.format("xlsx")))


def test_orders_export_the_lists_filter_and_search(admin_client):
    paylater_order("甲店")
    OrderFactory(product=ProductFactory(store=StoreFactory(name="甲店二号")))  # standard, paid
    paylater_order("乙店")
    rows = csv_rows(admin_client, ORDERS.format("csv"), payment_method__exact="paylater", q="甲店")
    assert [r[2] for r in rows[1:]] == ["甲店"]


def test_exports_need_the_view_permission():
    staff = Client()
    staff.force_login(UserFactory(username="staff-no-perms", is_staff=True))
    assert staff.get(ORDERS.format("csv")).status_code == 403
    assert staff.get(STORES.format("xlsx")).status_code == 403
    assert client_for(roles.AUDITOR).get(ORDERS.format("csv")).status_code == 200
    assert client_for(roles.AUDITOR).get(STORES.format("xlsx")).status_code == 200


def frozen_store(name="武汉旗舰店"):
    store = StoreFactory(name=name, city="武汉", grade=Store.Grade.C, base_limit=Decimal("30000.00"))
    LedgerEntryFactory(store=store, kind=LedgerEntry.Kind.TOPUP, amount=Decimal("2000.00"))
    Sanction.objects.create(store=store, kind=Sanction.Kind.CREDIT_FREEZE, starts_at=NOW - dt.timedelta(days=2),
                            ends_at=timeutil.local_at(dt.date(2026, 12, 8), 0))
    Sanction.objects.create(store=store, kind=Sanction.Kind.RAISE_BAN, starts_at=NOW - dt.timedelta(days=40),
                            ends_at=NOW - dt.timedelta(days=1))  # ended: not a restriction now
    return store


def test_store_headers_name_their_units_in_chinese_and_english(admin_client):
    frozen_store()
    assert csv_rows(admin_client, STORES.format("csv"))[0] == [
        "店铺 ID", "店铺", "店主", "城市", "主营类目", "等级", "状态", "已升级安心钱包", "基础信用额度（元）",
        "钱包余额（元）", "额度冻结至（北京时间）", "暂停先用后付至（北京时间）", "禁止提额至（北京时间）",
        "创建时间（北京时间）"]
    assert csv_rows(admin_client, STORES.format("csv"), "en")[0][8:11] == [
        "base credit limit (yuan)", "wallet balance (yuan)", "credit frozen until (Beijing time)"]


def test_a_store_row_carries_its_balance_and_the_restrictions_in_force(admin_client):
    store = frozen_store()
    row = csv_rows(admin_client, STORES.format("csv"), q="武汉旗舰店")[1]
    assert row[:1] == [str(store.pk)]
    assert row[1:] == ["武汉旗舰店", store.owner.username, "武汉", store.main_category.name, "C", "生效中", "是",
                       "30000.00", "2000.00", "2026-12-08 00:00:00", "", "",
                       timeutil.local(store.created_at).strftime("%Y-%m-%d %H:%M:%S")]
    assert same_rows(csv_rows(admin_client, STORES.format("csv")), xlsx_rows(admin_client, STORES.format("xlsx")))


def test_stores_export_the_restriction_filter(admin_client):
    frozen_store("冻结店")
    StoreFactory(name="正常店")
    rows = csv_rows(admin_client, STORES.format("csv"), restricted="credit_freeze")
    assert [r[1] for r in rows[1:]] == ["冻结店"]


def test_a_paid_order_reads_paid_not_paid_out(admin_client):
    """已支付 (the buyer paid), not the weekly logistics results' 已发放 (paid out)."""
    OrderFactory(product=ProductFactory(store=StoreFactory(name="甲店")), status=Order.Status.PAID)
    assert csv_rows(admin_client, ORDERS.format("csv"))[1][8] == "已支付"
    assert csv_rows(admin_client, ORDERS.format("csv"), "en")[1][8] == "paid"
