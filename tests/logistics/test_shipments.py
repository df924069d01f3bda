import datetime as dt

import pytest
import time_machine

from config import timeutil
from logistics.models import Shipment
from logistics.rules import shipping_deadline
from logistics.selectors import order_shipped_at, shipments_with_on_time
from merchants.models import Order
from tests.factories import OrderFactory, ProductFactory
from tests.logistics.factories import ShipmentFactory

DAY = dt.date(2026, 11, 18)
pytestmark = pytest.mark.django_db


def at(hour, minute=0, second=0, day=DAY):
    return timeutil.local_at(day, hour, minute, second)


def test_order_paid_at_165959_must_ship_by_2000_same_day():
    assert shipping_deadline(at(16, 59, 59)) == at(20)


def test_order_paid_at_1700_has_next_day_deadline():
    assert shipping_deadline(at(17)) == at(20, day=DAY + dt.timedelta(days=1))


def test_order_paid_just_after_midnight_has_same_day_deadline():
    assert shipping_deadline(at(0, 0, 1)) == at(20)


def ship(merchant_api, order, when, tracking="SF1", official=True):
    with time_machine.travel(when, tick=False):
        return merchant_api.post("/api/v1/merchant/logistics/shipments/",
                                 {"order": order.pk, "tracking_no": tracking, "official_logistics": official},
                                 format="json")


def pickup(platform_api, shipment_id, when):
    return platform_api.post(f"/api/v1/platform/shipments/{shipment_id}/pickup/",
                             {"picked_up_at": when.isoformat()}, format="json")


@pytest.mark.parametrize("shipped, on_time", [((20, 0, 0), True), ((20, 0, 1), False)])
def test_shipped_at_2000_is_on_time_and_200001_is_late(merchant_api, platform_api, store, shipped, on_time):
    order = OrderFactory(product=ProductFactory(store=store), paid_at=at(16, 59, 59))
    response = ship(merchant_api, order, at(*shipped))
    assert response.status_code == 201, response.json()
    assert response.json()["deadline"] == "2026-11-18T20:00:00+08:00"
    with time_machine.travel(at(22), tick=False):
        response = pickup(platform_api, response.json()["id"], at(21))
    assert response.status_code == 200, response.json()
    assert response.json()["on_time"] is on_time
    assert shipments_with_on_time().get(order=order).on_time is on_time


def test_no_pickup_scan_is_not_on_time(merchant_api, store):
    order = OrderFactory(product=ProductFactory(store=store), paid_at=at(9))
    response = ship(merchant_api, order, at(10))
    assert response.json()["on_time"] is False
    assert response.json()["awaiting_pickup"] is True


def test_without_official_logistics_is_not_on_time():
    shipment = ShipmentFactory(order=OrderFactory(paid_at=at(9)), official_logistics=False)
    assert shipments_with_on_time().get(pk=shipment.pk).on_time is False


def test_non_taote_order_is_not_on_time():
    shipment = ShipmentFactory(order=OrderFactory(paid_at=at(9), channel=Order.Channel.OTHER))
    assert shipments_with_on_time().get(pk=shipment.pk).on_time is False


def test_order_ships_once_only(merchant_api, store):
    order = OrderFactory(product=ProductFactory(store=store), paid_at=at(9))
    assert ship(merchant_api, order, at(10)).status_code == 201
    response = ship(merchant_api, order, at(11), tracking="SF2")
    assert response.status_code == 409
    assert response.json()["code"] == "already_shipped"
    assert Shipment.objects.filter(order=order).count() == 1


def test_merchant_cannot_ship_another_stores_order(merchant_api, other_store):
    order = OrderFactory(product=ProductFactory(store=other_store), paid_at=at(9))
    response = ship(merchant_api, order, at(10))
    assert response.status_code == 404
    assert not Shipment.objects.exists()


def test_refunded_order_cannot_ship(merchant_api, store):
    order = OrderFactory(product=ProductFactory(store=store), paid_at=at(9), refunded_at=at(9, 30))
    response = ship(merchant_api, order, at(10))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_tracking_number_used_twice_is_refused(merchant_api, store):
    product = ProductFactory(store=store)
    first, second = OrderFactory(product=product, paid_at=at(9)), OrderFactory(product=product, paid_at=at(9))
    ship(merchant_api, first, at(10), tracking="SAME")
    response = ship(merchant_api, second, at(10), tracking="SAME")
    assert response.status_code == 400
    assert response.json()["code"] == "tracking_no_in_use"


@pytest.mark.parametrize("body", [{"order": "x", "tracking_no": "a", "official_logistics": True},
                                  {"order": 1, "tracking_no": "a" * 65, "official_logistics": True},
                                  {"order": 10**30, "tracking_no": "a", "official_logistics": True},
                                  {"tracking_no": "a", "official_logistics": True}])
def test_bad_shipment_input_is_400(merchant_api, body):
    response = merchant_api.post("/api/v1/merchant/logistics/shipments/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_pickup_by_tracking_number_keeps_the_first_scan(platform_api):
    shipment = ShipmentFactory(order=OrderFactory(paid_at=at(9)), shipped_at=at(10), picked_up_at=None)
    with time_machine.travel(at(23), tick=False):
        first = platform_api.post("/api/v1/platform/pickups/", {"tracking_no": shipment.tracking_no,
                                                                "picked_up_at": at(12).isoformat()}, format="json")
        again = platform_api.post("/api/v1/platform/pickups/", {"tracking_no": shipment.tracking_no,
                                                                "picked_up_at": at(13).isoformat()}, format="json")
        unknown = platform_api.post("/api/v1/platform/pickups/", {"tracking_no": "NOPE",
                                                                  "picked_up_at": at(13).isoformat()}, format="json")
    assert first.status_code == again.status_code == 200
    assert unknown.status_code == 404
    shipment.refresh_from_db()
    assert shipment.picked_up_at == at(12)


def test_pickup_rejects_naive_future_and_before_shipping_times(platform_api):
    shipment = ShipmentFactory(order=OrderFactory(paid_at=at(9)), shipped_at=at(10), picked_up_at=None)
    with time_machine.travel(at(12), tick=False):
        naive = platform_api.post(f"/api/v1/platform/shipments/{shipment.pk}/pickup/",
                                  {"picked_up_at": "2026-11-18T11:00:00"}, format="json")
        future = pickup(platform_api, shipment.pk, at(13))
        before = pickup(platform_api, shipment.pk, at(9, 30))
    assert naive.status_code == 400
    assert future.json()["code"] == "timestamp_in_future"
    assert before.json()["code"] == "pickup_before_shipment"
    shipment.refresh_from_db()
    assert shipment.picked_up_at is None


def test_merchant_token_cannot_report_pickups(merchant_api):
    shipment = ShipmentFactory(order=OrderFactory(paid_at=at(9)), shipped_at=at(10), picked_up_at=None)
    assert pickup(merchant_api, shipment.pk, at(11)).status_code == 403


def test_shipment_list_shows_only_own_shipments(merchant_api, store, other_store):
    mine = ShipmentFactory(order=OrderFactory(product=ProductFactory(store=store), paid_at=at(9)))
    ShipmentFactory(order=OrderFactory(product=ProductFactory(store=other_store), paid_at=at(9)))
    response = merchant_api.get("/api/v1/merchant/logistics/shipments/")
    assert [r["id"] for r in response.json()["results"]] == [mine.pk]
    assert merchant_api.get("/api/v1/merchant/logistics/shipments/?awaiting_pickup=true").json()["count"] == 0


def test_order_shipped_at_is_what_refunds_read():
    order = OrderFactory(paid_at=at(9))
    assert order_shipped_at(order.pk) is None
    ShipmentFactory(order=order, shipped_at=at(10))
    assert order_shipped_at(order.pk) == at(10)
