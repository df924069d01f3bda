import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from paylater import services
from paylater.models import Activity, ActivityItem, PaylaterPolicy
from paylater.selectors import activities_with_status, items_with_status, product_active_at
from tests.factories import CategoryFactory, ProductFactory

from .factories import ActivityFactory, ActivityItemFactory, EnrollmentFactory

URL = "/api/v1/merchant/paylater/activities/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(store):
    EnrollmentFactory(store=store)
    return store


def body(store, products, **over):
    data = {"store": store.pk, "name": "双11 先用后付", "duration": "long_term", "products": [p.pk for p in products]}
    data.update(over)
    return data


def test_price_199_99_is_eligible_and_200_00_is_not(merchant_api, enrolled):
    cheap = ProductFactory(store=enrolled, price=Decimal("199.99"))
    cap = ProductFactory(store=enrolled, price=Decimal("200.00"))
    resp = merchant_api.post(URL, body(enrolled, [cheap, cap]), format="json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "products_ineligible"
    assert resp.json()["fields"]["products"] == {str(cap.pk): "price_above_cap"}
    assert not Activity.objects.exists() and not ActivityItem.objects.exists()  # all or nothing
    resp = merchant_api.post(URL, body(enrolled, [cheap]), format="json")
    assert resp.status_code == 201
    assert [i["product"] for i in resp.json()["items"]] == [cheap.pk]


def test_creation_refusal_names_each_products_reason(merchant_api, enrolled):
    excluded = ProductFactory(store=enrolled, category=CategoryFactory(paylater_excluded=True))
    child = ProductFactory(store=enrolled, category=CategoryFactory(parent=CategoryFactory(paylater_excluded=True)))
    taken = ActivityItemFactory(activity=ActivityFactory(store=enrolled)).product
    fine = ProductFactory(store=enrolled)
    resp = merchant_api.post(URL, body(enrolled, [excluded, child, taken, fine]), format="json")
    assert resp.status_code == 400
    assert resp.json()["fields"]["products"] == {str(excluded.pk): "category_excluded",
                                                 str(child.pk): "category_excluded",
                                                 str(taken.pk): "already_in_activity"}
    assert ActivityItem.objects.count() == 1


def test_price_cap_is_an_editable_policy(merchant_api, enrolled):
    policy = PaylaterPolicy.current()
    policy.price_cap = Decimal("100.00")
    policy.save()
    product = ProductFactory(store=enrolled, price=Decimal("100.00"))
    resp = merchant_api.post(URL, body(enrolled, [product]), format="json")
    assert resp.json()["fields"]["products"] == {str(product.pk): "price_above_cap"}


def test_short_term_activity_needs_start_before_end(merchant_api, enrolled):
    product = ProductFactory(store=enrolled)
    start = timezone.now() + dt.timedelta(days=1)
    resp = merchant_api.post(URL, body(enrolled, [product], duration="short_term", starts_at=start.isoformat(),
                                       ends_at=start.isoformat()), format="json")
    assert resp.status_code == 400 and "ends_at" in resp.json()["fields"]
    resp = merchant_api.post(URL, body(enrolled, [product], duration="short_term", starts_at=start.isoformat()),
                             format="json")
    assert resp.status_code == 400 and "ends_at" in resp.json()["fields"]
    assert not Activity.objects.exists()


def test_long_term_activity_has_no_end(merchant_api, enrolled):
    resp = merchant_api.post(URL, body(enrolled, [ProductFactory(store=enrolled)],
                                       ends_at=(timezone.now() + dt.timedelta(days=1)).isoformat()), format="json")
    assert resp.status_code == 400 and "ends_at" in resp.json()["fields"]


def test_not_enrolled_store_cannot_create_activities(merchant_api, store):
    resp = merchant_api.post(URL, body(store, [ProductFactory(store=store)]), format="json")
    assert resp.status_code == 400 and resp.json()["code"] == "paylater_not_enrolled"


def test_products_of_another_store_are_refused(merchant_api, enrolled, other_store):
    foreign = ProductFactory(store=other_store)
    resp = merchant_api.post(URL, body(enrolled, [foreign]), format="json")
    assert resp.status_code == 400 and str(foreign.pk) in resp.json()["fields"]["products"]
    assert merchant_api.post(URL, body(other_store, [foreign]), format="json").status_code == 404


def test_short_term_boundaries_start_inclusive_end_exclusive(enrolled):
    start = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.timezone.utc)
    end = start + dt.timedelta(days=7)
    product = ProductFactory(store=enrolled)
    with time_machine.travel(start - dt.timedelta(days=1), tick=False):
        activity = services.activity_create(store=enrolled, name="短期", duration="short_term", products=[product],
                                            starts_at=start, ends_at=end)
    item = activity.items.get()

    def status_at(moment):
        return (activities_with_status(Activity.objects.filter(pk=activity.pk), at=moment).get().status,
                items_with_status(ActivityItem.objects.filter(pk=item.pk), at=moment).get().status)

    assert status_at(start - dt.timedelta(seconds=1)) == ("not_started", "not_started")
    assert status_at(start) == ("active", "active")
    assert status_at(end - dt.timedelta(seconds=1)) == ("active", "active")
    assert status_at(end) == ("ended", "ended")
    assert not product_active_at(product_id=product.pk, at=start - dt.timedelta(seconds=1))
    assert product_active_at(product_id=product.pk, at=start)
    assert not product_active_at(product_id=product.pk, at=end)


def test_not_started_item_counts_as_not_ended_for_eligibility(enrolled):
    product = ProductFactory(store=enrolled)
    start = timezone.now() + dt.timedelta(days=3)
    services.activity_create(store=enrolled, name="future", duration="short_term", products=[product],
                             starts_at=start, ends_at=start + dt.timedelta(days=1))
    with pytest.raises(Exception) as exc:
        services.activity_create(store=enrolled, name="again", duration="long_term", products=[product])
    assert exc.value.fields == {"products": {str(product.pk): "already_in_activity"}}


def test_a_product_is_eligible_again_once_its_item_ended(enrolled):
    product = ProductFactory(store=enrolled)
    first = services.activity_create(store=enrolled, name="one", duration="long_term", products=[product])
    services.activity_item_end(item_id=first.items.get().pk)
    second = services.activity_create(store=enrolled, name="two", duration="long_term", products=[product])
    assert second.items.count() == 1


def test_ending_one_item_leaves_the_others_active(merchant_api, enrolled):
    a, b = ProductFactory(store=enrolled), ProductFactory(store=enrolled)
    activity = merchant_api.post(URL, body(enrolled, [a, b]), format="json").json()
    item_a = next(i for i in activity["items"] if i["product"] == a.pk)
    resp = merchant_api.post(f"/api/v1/merchant/paylater/activity-items/{item_a['id']}/end/")
    assert resp.status_code == 200 and resp.json()["status"] == "ended"
    detail = merchant_api.get(f"{URL}{activity['id']}/").json()
    assert detail["status"] == "active"
    assert {i["product"]: i["status"] for i in detail["items"]} == {a.pk: "ended", b.pk: "active"}
    assert not product_active_at(product_id=a.pk, at=timezone.now())
    assert product_active_at(product_id=b.pk, at=timezone.now())
    a.refresh_from_db()
    assert a.listed  # an ended item's product stays listed
    again = merchant_api.post(f"/api/v1/merchant/paylater/activity-items/{item_a['id']}/end/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_ending_the_activity_ends_all_items(merchant_api, enrolled):
    a, b = ProductFactory(store=enrolled), ProductFactory(store=enrolled)
    activity = merchant_api.post(URL, body(enrolled, [a, b]), format="json").json()
    resp = merchant_api.post(f"{URL}{activity['id']}/end/")
    assert resp.status_code == 200 and resp.json()["status"] == "ended"
    assert {i["status"] for i in resp.json()["items"]} == {"ended"}
    assert ActivityItem.objects.filter(ended_at__isnull=True).count() == 0
    assert Activity.objects.get(pk=activity["id"]).history.first().history_change_reason == "merchant: ended activity"
    assert merchant_api.post(f"{URL}{activity['id']}/end/").status_code == 409


def test_list_filters_by_derived_status(merchant_api, enrolled):
    now = timezone.now()
    active = ActivityFactory(store=enrolled)
    future = ActivityFactory(store=enrolled, duration="short_term", starts_at=now + dt.timedelta(days=1),
                             ends_at=now + dt.timedelta(days=2))
    past = ActivityFactory(store=enrolled, duration="short_term", starts_at=now - dt.timedelta(days=2),
                           ends_at=now - dt.timedelta(days=1))
    by_hand = ActivityFactory(store=enrolled, ended_at=now - dt.timedelta(minutes=1))
    ActivityFactory()  # another store's

    def ids(status):
        return {r["id"] for r in merchant_api.get(URL, {"status": status}).json()["results"]}

    assert ids("active") == {active.pk}
    assert ids("not_started") == {future.pk}
    assert ids("ended") == {past.pk, by_hand.pk}
    assert merchant_api.get(URL, {"status": "bogus"}).status_code == 400


def test_other_stores_activity_and_item_are_404(merchant_api, enrolled):
    item = ActivityItemFactory()
    assert merchant_api.get(f"{URL}{item.activity_id}/").status_code == 404
    assert merchant_api.post(f"{URL}{item.activity_id}/end/").status_code == 404
    assert merchant_api.post(f"/api/v1/merchant/paylater/activity-items/{item.pk}/end/").status_code == 404
    assert ActivityItem.objects.get(pk=item.pk).ended_at is None


def test_activity_list_has_a_fixed_number_of_queries(merchant_api, enrolled, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            ActivityItemFactory(activity=ActivityFactory(store=enrolled))
    add(2)
    with django_assert_max_num_queries(8):
        assert len(merchant_api.get(URL).json()["results"]) == 2
    add(10)
    with django_assert_max_num_queries(8):
        assert len(merchant_api.get(URL).json()["results"]) == 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_activities_never_put_one_product_in_two_open_items(threads):
    store = EnrollmentFactory().store
    product = ProductFactory(store=store)

    def create(i):
        return services.activity_create(store=store, name=f"a{i}", duration="long_term", products=[product])

    results = threads(create, 10)
    assert sum(isinstance(r, Activity) for r in results) == 1
    assert {getattr(r, "code", None) for r in results if not isinstance(r, Activity)} == {"products_ineligible"}
    assert ActivityItem.objects.filter(product=product).count() == 1


def test_backdated_start_is_clamped_to_creation(enrolled):
    product = ProductFactory(store=enrolled)
    now = timezone.now()
    activity = services.activity_create(store=enrolled, name="x", duration="long_term", products=[product],
                                        starts_at=now - dt.timedelta(days=30), at=now)
    assert activity.starts_at == now
    assert not product_active_at(product_id=product.pk, at=now - dt.timedelta(days=1))
