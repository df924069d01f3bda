import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from logistics.models import SettlementRun, WeeklyResult
from logistics.settlement import settlement_start
from tests.factories import OrderFactory
from tests.logistics.factories import AFTER_WEEK, WEEK, EnrollmentFactory, ShipmentFactory, make_orders
from tests.logistics.test_settlement import SUNDAY, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-ops-123")
    client = Client()
    client.force_login(user)
    return client


def populate(n):
    for _ in range(n):
        store = EnrollmentFactory(counting_from=SUNDAY).store
        make_orders(store, 2, day(6))
        ShipmentFactory(order=OrderFactory(store=store, product__store=store), picked_up_at=None,
                        shipped_at=timezone.now() - dt.timedelta(hours=30))
    settlement_start(week=WEEK, now=AFTER_WEEK, inline=True)


@pytest.mark.parametrize("url", [
    "/admin/logistics/shipment/", "/admin/logistics/shipment/?shipping=follow_up",
    "/admin/logistics/shipment/?shipping=on_time", "/admin/logistics/shipment/?week=2026-W46",
    "/admin/logistics/weeklyresult/", "/admin/logistics/weeklyresult/?disqualified=no&week=2026-11-09",
    "/admin/logistics/settlementrun/", "/admin/logistics/enrollment/", "/admin/logistics/logisticsprofile/",
])
def test_changelists_use_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries, url):
    populate(2)
    with django_assert_max_num_queries(20) as small:
        assert admin_client.get(url).status_code == 200
    populate(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert admin_client.get(url).status_code == 200


def test_shipments_without_pickup_after_24_hours_are_flagged_for_follow_up(admin_client):
    late = ShipmentFactory(picked_up_at=None, shipped_at=timezone.now() - dt.timedelta(hours=25))
    recent = ShipmentFactory(picked_up_at=None, shipped_at=timezone.now() - dt.timedelta(hours=23))
    page = admin_client.get("/admin/logistics/shipment/?shipping=follow_up").content.decode()
    assert late.tracking_no in page and recent.tracking_no not in page


def test_admin_settles_a_chosen_week_and_shows_progress(admin_client):
    store = EnrollmentFactory(counting_from=SUNDAY).store
    make_orders(store, 300, day(6))
    assert admin_client.get("/admin/logistics/settlementrun/settle-week/").status_code == 200
    response = admin_client.post("/admin/logistics/settlementrun/settle-week/", {"week": "2026-W46"})
    assert response.status_code == 302
    run = SettlementRun.objects.get()
    assert (run.status, run.batches_done, run.batches_total, run.stores) == ("succeeded", 1, 1, 1)
    assert WeeklyResult.objects.get(store=store).status == WeeklyResult.Status.PAID
    page = admin_client.get("/admin/logistics/settlementrun/").content.decode()
    assert "<progress" in page and "1/1" in page


def test_admin_refuses_an_unfinished_week(admin_client):
    this_week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    iso = this_week.isocalendar()
    response = admin_client.post("/admin/logistics/settlementrun/settle-week/",
                                 {"week": f"{iso[0]}-W{iso[1]:02d}"}, follow=True)
    assert not SettlementRun.objects.exists()
    assert "cannot be settled" in response.content.decode()


def test_run_detail_result_history_and_policy_pages_render(admin_client):
    populate(2)
    run = SettlementRun.objects.get()
    result = WeeklyResult.objects.first()
    for url in [f"/admin/logistics/settlementrun/{run.pk}/change/",
                f"/admin/logistics/weeklyresult/{result.pk}/change/",
                f"/admin/logistics/weeklyresult/{result.pk}/history/", "/admin/logistics/logisticspolicy/",
                "/admin/logistics/incentivetier/", "/admin/logistics/adcreditgrant/"]:
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200, url
