import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config import timeutil
from logistics.models import Enrollment, LogisticsPolicy, LogisticsProfile
from tests.logistics.factories import LogisticsProfileFactory

pytestmark = pytest.mark.django_db
WEDNESDAY = dt.date(2026, 11, 18)
URL = "/api/v1/merchant/logistics/enrollment/"


def join(merchant_api, store, when=None, **overrides):
    body = {"store": store.pk, "agreement_signed": True, "withholding_signed": True, "ship_from_city": "武汉",
            **overrides}
    with time_machine.travel(when or timeutil.local_at(WEDNESDAY, 10), tick=False):
        return merchant_api.post(URL, body, format="json")


def test_logistics_setup_records_official_logistics_and_deposit(platform_api, store):
    response = platform_api.post(f"/api/v1/platform/stores/{store.pk}/logistics-setup/",
                                 {"official_logistics_enabled": True, "deposit_paid": "4000.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["deposit_required"] == "4000.00"
    profile = LogisticsProfile.objects.get(store=store)
    assert profile.official_logistics_enabled and profile.deposit_paid == Decimal("4000.00")
    unknown = platform_api.post("/api/v1/platform/stores/999999/logistics-setup/",
                                {"official_logistics_enabled": True, "deposit_paid": "1"}, format="json")
    assert unknown.status_code == 404
    bad = platform_api.post(f"/api/v1/platform/stores/{store.pk}/logistics-setup/",
                            {"official_logistics_enabled": True, "deposit_paid": "1.001"}, format="json")
    assert bad.status_code == 400


def test_join_on_wednesday_counts_from_friday(merchant_api, store):
    LogisticsProfileFactory(store=store)
    response = join(merchant_api, store)
    assert response.status_code == 201, response.json()
    assert response.json()["counting_from"] == "2026-11-20"
    assert Enrollment.objects.get(store=store).status == Enrollment.Status.ACTIVE


def test_join_late_evening_utc_uses_the_local_date(merchant_api, store):
    LogisticsProfileFactory(store=store)
    # 2026-11-18 23:30 local is still the 18th locally (15:30 UTC)
    response = join(merchant_api, store, when=timeutil.local_at(WEDNESDAY, 23, 30))
    assert response.json()["counting_from"] == "2026-11-20"


@pytest.mark.parametrize("profile, body, code", [
    ({"official_logistics_enabled": False}, {}, "official_logistics_required"),
    ({}, {"agreement_signed": False}, "agreement_required"),
    ({}, {"withholding_signed": False}, "withholding_required"),
    ({"deposit_paid": Decimal("3999.99")}, {}, "deposit_insufficient"),
    ({}, {"ship_from_city": "北京"}, "region_not_open"),
])
def test_each_missing_prerequisite_refuses_with_its_code(merchant_api, store, profile, body, code):
    LogisticsProfileFactory(store=store, **profile)
    response = join(merchant_api, store, **body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Enrollment.objects.exists()


def test_no_logistics_setup_at_all_means_official_logistics_required(merchant_api, store):
    assert join(merchant_api, store).json()["code"] == "official_logistics_required"


@pytest.mark.parametrize("city", ["武汉市", " 孝感 ", "孝感市"])
def test_open_region_ignores_trailing_shi_and_spaces(merchant_api, store, city):
    LogisticsProfileFactory(store=store)
    assert join(merchant_api, store, ship_from_city=city).status_code == 201


def test_open_regions_and_deposit_are_policy(merchant_api, store):
    LogisticsProfileFactory(store=store, deposit_paid=Decimal("4000.00"))
    policy = LogisticsPolicy.current()
    policy.open_regions = "Wuhan, Xiaogan"
    policy.deposit_increase = Decimal("3500.00")
    policy.save()
    assert join(merchant_api, store, ship_from_city="WUHAN").json()["code"] == "deposit_insufficient"
    LogisticsProfile.objects.filter(store=store).update(deposit_paid=Decimal("4500.00"))
    assert join(merchant_api, store, ship_from_city="WUHAN").status_code == 201


def test_enrolled_store_joining_again_gets_409(merchant_api, store):
    LogisticsProfileFactory(store=store)
    join(merchant_api, store)
    response = join(merchant_api, store)
    assert response.status_code == 409
    assert response.json()["code"] == "already_enrolled"
    assert Enrollment.objects.count() == 1


def test_cancel_then_rejoin_counts_from_t_plus_2_again(merchant_api, store):
    LogisticsProfileFactory(store=store)
    first = join(merchant_api, store).json()
    with time_machine.travel(timeutil.local_at(WEDNESDAY + dt.timedelta(days=5), 9), tick=False):
        response = merchant_api.post(f"{URL}{first['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = join(merchant_api, store, when=timeutil.local_at(WEDNESDAY + dt.timedelta(days=6), 9))
    assert again.status_code == 201
    assert again.json()["counting_from"] == "2026-11-26"
    assert list(Enrollment.objects.order_by("id").values_list("status", flat=True)) == ["cancelled", "active"]
    history = Enrollment.objects.get(pk=first["id"]).history.order_by("history_date")
    assert [h.status for h in history] == ["active", "cancelled"]


def test_cancelling_twice_is_409_and_another_stores_enrollment_is_404(merchant_api, store, other_store):
    LogisticsProfileFactory(store=store)
    first = join(merchant_api, store).json()
    merchant_api.post(f"{URL}{first['id']}/cancel/")
    assert merchant_api.post(f"{URL}{first['id']}/cancel/").json()["code"] == "invalid_state"
    from tests.logistics.factories import EnrollmentFactory

    foreign = EnrollmentFactory(store=other_store)
    assert merchant_api.post(f"{URL}{foreign.pk}/cancel/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Enrollment.Status.ACTIVE


def test_enrolling_another_stores_id_is_404(merchant_api, other_store):
    LogisticsProfileFactory(store=other_store)
    assert join(merchant_api, other_store).status_code == 404


def test_enrollment_list_is_filtered_by_store(merchant_api, store):
    LogisticsProfileFactory(store=store)
    join(merchant_api, store)
    response = merchant_api.get(f"{URL}?store={store.pk}")
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["active"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_make_one_enrollment(threads):
    from logistics.services import enrollment_create
    from tests.factories import StoreFactory

    store = StoreFactory()
    LogisticsProfileFactory(store=store)

    def attempt(i):
        return enrollment_create(store=store, agreement_signed=True, withholding_signed=True, ship_from_city="武汉")

    results = threads(attempt, 4)
    assert sum(isinstance(r, Enrollment) for r in results) == 1
    assert all(getattr(r, "code", None) == "already_enrolled" for r in results if not isinstance(r, Enrollment))
    assert Enrollment.objects.filter(store=store).count() == 1
