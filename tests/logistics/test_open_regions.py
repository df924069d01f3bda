"""SPEC decisions: the open regions default to both scripts."""
import pytest

from tests.logistics.factories import LogisticsProfileFactory
from tests.logistics.test_enrollment import join

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("city", ["Wuhan", "wuhan", "武汉", "Xiaogan", "孝感市"])
def test_new_merchant_shipping_from_either_script_joins_with_the_default_policy(merchant_api, store, city):
    LogisticsProfileFactory(store=store)
    response = join(merchant_api, store, ship_from_city=city)
    assert response.status_code == 201, response.json()


def test_a_city_outside_the_default_regions_is_still_refused(merchant_api, store):
    LogisticsProfileFactory(store=store)
    assert join(merchant_api, store, ship_from_city="Beijing").json()["code"] == "region_not_open"
