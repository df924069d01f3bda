"""SPEC §4 "On time" has one home (`logistics.rules.on_time_q`): the ORM filter, the annotated
column the API and admin show, the admin filter, the monthly credit metric and the weekly
settlement's raw SQL all give the same answer on the boundary cases; the same for the
denominator rule "refunded before shipping"."""
import datetime as dt
from decimal import Decimal

import pytest

from config import timeutil
from logistics import selectors
from logistics.models import Shipment
from logistics.rules import on_time_q, on_time_sql, refunded_before_shipping_q
from merchants.models import Order
from tests.factories import OrderFactory
from tests.logistics.factories import WEEK, EnrollmentFactory, ShipmentFactory

pytestmark = pytest.mark.django_db
SATURDAY = WEEK + dt.timedelta(days=5)
SUNDAY = WEEK + dt.timedelta(days=6)
SECOND = dt.timedelta(seconds=1)


def at(day, hour, minute=0, second=0):
    return timeutil.local_at(day, hour, minute, second)


# name: (paid, shipped, extra shipment/order attributes, on time?)
CASES = {
    "paid_165959_shipped_200000_same_day": (at(SATURDAY, 16, 59, 59), at(SATURDAY, 20), {}, True),
    "paid_165959_shipped_200001_same_day": (at(SATURDAY, 16, 59, 59), at(SATURDAY, 20, 0, 1), {}, False),
    "paid_170000_shipped_200000_next_day": (at(SATURDAY, 17), at(SUNDAY, 20), {}, True),
    "paid_170000_shipped_200001_next_day": (at(SATURDAY, 17), at(SUNDAY, 20, 0, 1), {}, False),
    "not_official_logistics": (at(SATURDAY, 9), at(SATURDAY, 10), {"official_logistics": False}, False),
    "no_pickup_scan": (at(SATURDAY, 9), at(SATURDAY, 10), {"picked_up_at": None}, False),
    "not_taote_channel": (at(SATURDAY, 9), at(SATURDAY, 10), {"channel": Order.Channel.OTHER}, False),
}


@pytest.fixture
def cases():
    """One enrolled store per case (Saturday and Sunday counted), each with one shipped order."""
    stores = {}
    for name, (paid, shipped, extra, _on_time) in CASES.items():
        store = EnrollmentFactory(counting_from=SATURDAY, joined_at=at(SATURDAY - dt.timedelta(days=2), 9)).store
        order = OrderFactory(store=store, product__store=store, paid_at=paid,
                             channel=extra.get("channel", Order.Channel.TAOTE))
        ShipmentFactory(order=order, shipped_at=shipped, official_logistics=extra.get("official_logistics", True),
                        picked_up_at=extra.get("picked_up_at", shipped + dt.timedelta(hours=1)))
        stores[name] = store
    return stores


def expected():
    return {name for name, case in CASES.items() if case[3]}


def names(cases, store_ids):
    by_store = {store.pk: name for name, store in cases.items()}
    return {by_store[store_id] for store_id in store_ids}


def test_orm_filter_and_annotated_column_agree_with_the_rule(cases):
    assert names(cases, Shipment.objects.filter(on_time_q()).values_list("store_id", flat=True)) == expected()
    annotated = selectors.shipments_with_on_time().filter(on_time=True).values_list("store_id", flat=True)
    assert names(cases, annotated) == expected()


def test_admin_filter_and_column_agree_with_the_rule(cases, admin_client):
    on_time = admin_client.get("/admin/logistics/shipment/?shipping=on_time").context["cl"].result_list
    assert names(cases, [s.store_id for s in on_time]) == expected()
    late = admin_client.get("/admin/logistics/shipment/?shipping=late").context["cl"].result_list
    assert names(cases, [s.store_id for s in late]) == set(CASES) - expected()
    every = admin_client.get("/admin/logistics/shipment/").context["cl"].result_list
    assert names(cases, [s.store_id for s in every if s.on_time]) == expected()


def test_weekly_settlement_sql_agrees_with_the_rule(cases):
    figures = selectors.week_figures(WEEK, [store.pk for store in cases.values()])
    assert names(cases, [f.store_id for f in figures if f.on_time_orders == 1]) == expected()
    assert all(f.on_time_orders == 0 for f in figures if f.store_id not in {cases[n].pk for n in expected()})


def test_monthly_on_time_rate_agrees_with_the_rule(cases):
    rates = selectors.credit_metrics([store.pk for store in cases.values()], SATURDAY.replace(day=1))
    assert names(cases, [store_id for store_id, m in rates.items() if m["on_time_rate"] == 1]) == expected()


def test_the_settlement_sql_fragment_is_rendered_from_the_rule():
    sql, params = on_time_sql(shipment_alias="sh", order_alias="o")
    assert 'sh."shipped_at" <= (sh."deadline")' in sql and 'sh."picked_up_at" IS NOT NULL' in sql
    assert 'o."channel" = %(on_time_0)s' in sql and params == {"on_time_0": Order.Channel.TAOTE}


# name: (refunded relative to shipping or None, shipped?, in the denominator?)
DENOMINATOR_CASES = {
    "refunded_a_second_before_shipping": (-SECOND, True, False),
    "refunded_as_it_shipped": (dt.timedelta(0), True, True),
    "refunded_after_shipping": (SECOND, True, True),
    "refunded_never_shipped": (dt.timedelta(0), False, False),
    "not_refunded_never_shipped": (None, False, True),
}


def test_weekly_sql_and_orm_agree_on_orders_refunded_before_shipping():
    paid, shipped = at(SATURDAY, 9), at(SATURDAY, 10)
    stores = {}
    for name, (refunded, ships, _counted) in DENOMINATOR_CASES.items():
        store = EnrollmentFactory(counting_from=SATURDAY, joined_at=at(SATURDAY - dt.timedelta(days=2), 9)).store
        order = OrderFactory(store=store, product__store=store, paid_at=paid,
                             refunded_at=None if refunded is None else shipped + refunded,
                             refunded_amount=Decimal("0.00") if refunded is None else Decimal("99.00"))
        if ships:
            ShipmentFactory(order=order, shipped_at=shipped)
        stores[name] = store
    counted = {name for name, case in DENOMINATOR_CASES.items() if case[2]}
    orm = Order.objects.filter(store__in=stores.values()).exclude(refunded_before_shipping_q())
    assert names(stores, orm.values_list("store_id", flat=True)) == counted
    figures = selectors.week_figures(WEEK, [store.pk for store in stores.values()])
    assert names(stores, [f.store_id for f in figures if f.orders == 1]) == counted
