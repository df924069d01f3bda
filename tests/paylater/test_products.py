import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from paylater.models import PaylaterPolicy
from tests.factories import CategoryFactory, ProductFactory

from .factories import ActivityFactory, ActivityItemFactory

URL = "/api/v1/merchant/products/"
pytestmark = pytest.mark.django_db


def test_products_carry_eligibility_and_reason(merchant_api, store, other_store):
    ok = ProductFactory(store=store, price=Decimal("199.99"))
    capped = ProductFactory(store=store, price=Decimal("200.00"))
    excluded = ProductFactory(store=store, category=CategoryFactory(paylater_excluded=True))
    taken = ActivityItemFactory(activity=ActivityFactory(store=store)).product
    ProductFactory(store=other_store)
    rows = {r["id"]: (r["paylater_eligible"], r["ineligible_reason"]) for r in merchant_api.get(URL).json()["results"]}
    assert rows == {ok.pk: (True, None), capped.pk: (False, "price_above_cap"),
                    excluded.pk: (False, "category_excluded"), taken.pk: (False, "already_in_activity")}


def test_filter_paylater_eligible(merchant_api, store):
    ok = ProductFactory(store=store)
    ended = ActivityItemFactory(activity=ActivityFactory(store=store), ended_at=timezone.now()).product
    past = ActivityItemFactory(activity=ActivityFactory(
        store=store, duration="short_term", starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=1))).product
    bad = ProductFactory(store=store, price=Decimal("500.00"))
    ids = {r["id"] for r in merchant_api.get(URL, {"paylater_eligible": "true"}).json()["results"]}
    assert ids == {ok.pk, ended.pk, past.pk}
    ids = {r["id"] for r in merchant_api.get(URL, {"paylater_eligible": "false"}).json()["results"]}
    assert ids == {bad.pk}


def test_product_list_has_a_fixed_number_of_queries(merchant_api, store, django_assert_max_num_queries):
    PaylaterPolicy.current()  # created on first use; not part of the steady state
    ProductFactory.create_batch(2, store=store)
    with django_assert_max_num_queries(6):
        assert len(merchant_api.get(URL).json()["results"]) == 2
    ProductFactory.create_batch(20, store=store)
    with django_assert_max_num_queries(6):
        assert len(merchant_api.get(URL).json()["results"]) == 22


def test_platform_product_shows_paylater_active_badge(platform_api, store):
    item = ActivityItemFactory(activity=ActivityFactory(store=store))
    plain = ProductFactory(store=store)
    assert platform_api.get(f"/api/v1/platform/products/{item.product_id}/").json()["paylater_active"] is True
    assert platform_api.get(f"/api/v1/platform/products/{plain.pk}/").json()["paylater_active"] is False
    assert platform_api.get("/api/v1/platform/products/999999/").status_code == 404


def test_the_platform_product_statement_answers_as_the_queryset(platform_api, store, django_assert_num_queries):
    """The platform product GET runs products_with_paylater_active for one id in one statement: the
    same row and badge as the queryset before, during and after an activity, and the same body."""
    from paylater.api.serializers import PlatformProductOut
    from paylater.selectors import platform_product, products_with_paylater_active

    now = timezone.now()
    item = ActivityItemFactory(activity=ActivityFactory(store=store, duration="short_term",
                                                        starts_at=now + dt.timedelta(days=1),
                                                        ends_at=now + dt.timedelta(days=3)))
    for at in (now, now + dt.timedelta(days=2), now + dt.timedelta(days=4)):
        expected = products_with_paylater_active(at=at).get(pk=item.product_id)
        with django_assert_num_queries(1):
            got = platform_product(product_id=item.product_id, at=at)
        assert got.paylater_active is expected.paylater_active
        assert PlatformProductOut(got).data == PlatformProductOut(expected).data
    assert [platform_product(product_id=item.product_id, at=now + dt.timedelta(days=d)).paylater_active
            for d in (0, 2, 4)] == [False, True, False]
    assert platform_product(product_id=999999) is None
    body = platform_api.get(f"/api/v1/platform/products/{item.product_id}/").json()
    assert body == PlatformProductOut(products_with_paylater_active().get(pk=item.product_id)).data
