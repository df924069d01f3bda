"""The violations import template's example row names a store that exists (issue 24 item 10): the
template previews as "would create" on the demo data; without stores, its store is a placeholder to
replace, and the preview says the store is unknown."""
import pytest

from merchants.violations import imports
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

URL = "/admin/merchants/violation/import/template.csv"


def planned(client):
    [plan] = imports.import_plan(imports.read_table("template.csv", client.get(URL).content))
    return plan


def test_the_example_names_the_demo_store_and_previews_as_create(admin_client):
    StoreFactory(name="武汉旗舰店")
    demo = StoreFactory(name="演示店铺01 江城数码")
    plan = planned(admin_client)
    assert (plan.outcome, plan.reasons, plan.store) == ("create", [], demo)


def test_without_a_demo_store_the_example_names_the_first_store(admin_client):
    first = StoreFactory(name="武汉旗舰店")
    StoreFactory(name="孝感旗舰店")
    assert (planned(admin_client).outcome, planned(admin_client).store) == ("create", first)


def test_without_any_store_the_example_store_is_a_placeholder_the_preview_refuses(admin_client):
    plan = planned(admin_client)
    assert plan.outcome == "refused" and "请替换" in plan.values["store_name"]
