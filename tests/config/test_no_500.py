"""Bad input gets a 4xx with an error code, never a 500 — for every operation in the schema.

Walks the OpenAPI schema and sends each operation malformed bodies (wrong types, NUL bytes,
over-long strings, absurd numbers, naive timestamps) and malformed path/query values, as the
caller kind the path is for. The test client re-raises server exceptions, so a crash fails
the test with its traceback."""
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import Api
from tests.factories import OrderFactory, ProductFactory, StoreFactory, merchant_token, platform_token

pytestmark = pytest.mark.django_db

GARBAGE = ["", "\x00", "x" * 5000, -1, 0, 10 ** 30, 1.5e300, True, None, [], {}, "2026-11-20T10:00:00",
           "not-a-date", "-0.001", "NaN"]


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "put"):
                yield path, method, op, schema


def request_fields(op, schema):
    content = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref")
    if not ref:
        return {}
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return component.get("properties", {})


@pytest.fixture
def world():
    store = StoreFactory()
    product = ProductFactory(store=store)
    order = OrderFactory(product=product)
    return {"store": store, "merchant": Api().with_token(merchant_token(store.owner)),
            "platform": Api().with_token(platform_token()), "ids": [store.pk, product.pk, order.pk]}


def test_no_operation_answers_500_to_malformed_input(world):
    checked = 0
    for path, method, op, schema in operations():
        client = world["platform"] if "/platform/" in path else world["merchant"]
        fields = request_fields(op, schema)
        for path_value in ("999999999", "abc", str(world["store"].pk)):
            url = re.sub(r"\{[^}]+\}", path_value, path)
            if method == "get":
                params = {p["name"]: "\x00bad" for p in op.get("parameters", []) if p.get("in") == "query"}
                r = client.get(url, params)
                assert r.status_code < 500, (method, url, params)
                checked += 1
                continue
            bodies = [{}, [], "null"] + [{name: junk} for name in fields for junk in GARBAGE]
            for body in bodies:
                if isinstance(body, str):
                    r = client.generic(method.upper(), url, body, content_type="application/json")
                else:
                    r = getattr(client, method)(url, body, format="json")
                assert r.status_code < 500, (method, url, body, r.content[:300])
                if r.status_code >= 400:
                    payload = r.json()
                    assert "code" in payload and "detail" in payload, (method, url, payload)
                checked += 1
    assert checked > 100
