"""No merchant list costs a query per row: with every app's demo data loaded, a page of 100
rows costs as many queries as a page of 1, for each list endpoint in the schema."""
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from merchants.models import Store
from tests.conftest import Api
from tests.factories import merchant_token

pytestmark = pytest.mark.django_db


def merchant_list_paths():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        op = item.get("get")
        if path.startswith("/api/v1/merchant/") and "{" not in path and op:
            if any(p["name"] == "page_size" for p in op.get("parameters", [])):
                yield path


def queries(client, path, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, (path, response.content[:200])
    return len(ctx), response.json()["count"]


def test_list_endpoints_cost_the_same_for_one_row_or_a_hundred():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    stores = list(Store.objects.filter(name__startswith="演示店铺").select_related("owner"))
    paths = list(merchant_list_paths())
    assert len(paths) >= 8
    checked = 0
    for path in paths:
        for store in stores:
            client = Api().with_token(merchant_token(store.owner))
            client.get(path, {"store": store.pk, "page_size": 1})  # warm-up (token stamp, policy rows)
            one, count = queries(client, path, store=store.pk, page_size=1)
            if count < 2:
                continue
            many, _ = queries(client, path, store=store.pk, page_size=100)
            assert many == one, f"{path}: {one} queries for 1 row, {many} for {min(count, 100)}"
            checked += 1
            break
    assert checked >= 7, "the demo data should give most lists several rows"
