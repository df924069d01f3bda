"""SPEC decisions: the open regions default to both scripts, and a policy row saved with the
first default is migrated too."""
import importlib

import pytest
from django.apps import apps

from logistics.models import LogisticsPolicy, normalise_city
from tests.logistics.factories import LogisticsProfileFactory
from tests.logistics.test_enrollment import join

pytestmark = pytest.mark.django_db
migration = importlib.import_module("logistics.migrations.0005_open_regions_both_scripts")


@pytest.mark.parametrize("city", ["Wuhan", "wuhan", "武汉", "Xiaogan", "孝感市"])
def test_new_merchant_shipping_from_either_script_joins_with_the_default_policy(merchant_api, store, city):
    LogisticsProfileFactory(store=store)
    response = join(merchant_api, store, ship_from_city=city)
    assert response.status_code == 201, response.json()


def test_a_city_outside_the_default_regions_is_still_refused(merchant_api, store):
    LogisticsProfileFactory(store=store)
    assert join(merchant_api, store, ship_from_city="Beijing").json()["code"] == "region_not_open"


def test_policy_saved_with_the_old_default_gains_the_latin_names():
    policy = LogisticsPolicy.current()
    policy.open_regions = "武汉\n孝感"
    policy.save()
    migration.add_latin_names(apps, None)
    assert LogisticsPolicy.current().region_names() == {"武汉", "孝感", "wuhan", "xiaogan"}


def test_operator_edited_regions_keep_their_cities_and_gain_the_other_script():
    policy = LogisticsPolicy.current()
    policy.open_regions = "武汉市, 长沙"
    policy.save()
    migration.add_latin_names(apps, None)
    assert LogisticsPolicy.current().region_names() == {"武汉", "wuhan", "长沙"}
    assert normalise_city("Changsha") not in LogisticsPolicy.current().region_names()
