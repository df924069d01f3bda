"""No merchant list costs a query per row: each list endpoint in the schema answers a page of
100 of the caller's rows with as many queries as a page of 1 (rows made here by factories)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from tests.config.list_rows import BUILDERS, list_path
from tests.conftest import Api
from tests.factories import UserFactory, merchant_token

pytestmark = pytest.mark.django_db

MANY = 100  # the largest page_size


def merchant_list_paths():
    """Every GET list operation under /api/v1/merchant/ (a new one is picked up here)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        op = item.get("get")
        if path.startswith("/api/v1/merchant/") and op and (
                op["operationId"].endswith("_list") or any(p["name"] == "page_size" for p in op.get("parameters", []))):
            yield path


LIST_PATHS = sorted(merchant_list_paths())


def test_the_schema_has_the_merchant_lists_and_every_builder_is_a_list():
    assert len(LIST_PATHS) >= 13
    assert set(BUILDERS) <= set(LIST_PATHS), "a row builder for a path that is no longer a list"


def page(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, {"page_size": MANY})
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx), response.json()


@pytest.mark.parametrize("path", LIST_PATHS)
def test_merchant_list_costs_the_same_queries_for_one_row_or_a_hundred(path):
    assert path in BUILDERS, f"{path}: add a row builder to tests/config/list_rows.py"
    build = BUILDERS[path]
    user = UserFactory()
    client = Api().with_token(merchant_token(user))

    built = build(user, 1)
    path = list_path(path, built, user)
    client.get(path, {"page_size": MANY})  # warm-up: token stamp, policy rows made on first read
    one, body = page(client, path)
    assert body["count"] == 1 and [r["id"] for r in body["results"]] == [built[0].pk]

    built += build(user, MANY - 1)
    many, body = page(client, path)
    assert body["count"] == MANY
    assert sorted(r["id"] for r in body["results"]) == sorted(obj.pk for obj in built)
    assert many == one, f"{path}: {one} queries for 1 row, {many} for {MANY}"
