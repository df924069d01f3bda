"""Bad input gets a 4xx with an error code, never a 500 — for every operation in the schema.

Walks the OpenAPI schema and sends each operation malformed bodies (wrong types, NUL bytes,
over-long strings, absurd numbers, naive timestamps) and malformed path/query values, as the
caller kind the path is for. The test client re-raises server exceptions, so a crash fails
the test with its traceback."""
import re
from decimal import Decimal

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


def _is_json_error(r):
    return r["Content-Type"].startswith("application/json") and {"code", "detail"} <= set(r.json())


def test_options_on_every_operation_answers_json_never_500(world):
    for path, method, op, schema in operations():
        client = world["platform"] if "/platform/" in path else world["merchant"]
        url = re.sub(r"\{[^}]+\}", str(world["store"].pk), path)
        r = client.options(url)
        assert r.status_code < 500 and r["Content-Type"].startswith("application/json"), (url, r.content[:200])


def test_a_method_the_route_does_not_have_is_json_405(world):
    for url in ("/api/v1/platform/refund-cases/1/cancel/", "/api/v1/merchant/stores/", "/api/v1/platform/orders/"):
        client = world["platform"] if "/platform/" in url else world["merchant"]
        r = client.put(url, {}, format="json")
        assert r.status_code == 405 and _is_json_error(r) and r.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("url", ["/api/v1/merchant/stores/abc/", "/api/v1/merchant/stores/1.5/",
                                 "/api/v1/merchant/stores/99999999999999999999999/", "/api/v1/nothing/",
                                 "/api/anything", "/api/v1/platform/negotiations/-1/accept/"])
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_paths_and_ids_not_matching_the_route_are_json_404(world, settings, url, debug):
    settings.DEBUG = debug  # runserver's technical 404 page must not leak under /api/ either
    r = world["merchant"].get(url)
    assert r.status_code == 404 and _is_json_error(r) and r.json()["code"] == "not_found", r.content[:200]


def test_a_deeply_nested_json_body_is_400_parse_error_on_every_post(world):
    deep = "[" * 100_000 + "]" * 100_000
    shallow_but_deep = '{"name": ' + "[" * 40 + "]" * 40 + "}"
    posts = parse_errors = 0
    for path, method, op, schema in operations():
        if method != "post":
            continue
        client = world["platform"] if "/platform/" in path else world["merchant"]
        url = re.sub(r"\{[^}]+\}", str(world["store"].pk), path)
        for i, body in enumerate((deep, shallow_but_deep, "{bad json")):
            r = client.generic("POST", url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"deep-{i}")
            assert r.status_code < 500 and _is_json_error(r), (url, r.content[:200])
            # action views without a body answer 404/409 before reading it; the rest refuse it
            parse_errors += r.json()["code"] == "parse_error"
        posts += 1
    assert posts > 20 and parse_errors > 40


def test_a_body_over_the_upload_limit_is_json_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    r = world["platform"].generic("POST", "/api/v1/platform/categories/", body, content_type="application/json")
    assert r.status_code == 413 and _is_json_error(r) and r.json()["code"] == "request_too_large"


def test_a_20_mb_body_is_json_413_not_an_html_page(world):
    body = '{"name": "' + "x" * (20 * 1024 * 1024) + '"}'
    r = world["platform"].generic("POST", "/api/v1/platform/categories/", body, content_type="application/json")
    assert r.status_code == 413 and _is_json_error(r)


@pytest.mark.parametrize("amount", ["１２", "1e5", "1E2", "12.", "", " ", "0x10", "1_000", "Infinity", "NaN", True])
def test_money_is_ascii_digits_only_without_exponent(world, amount):
    from merchants.models import LedgerEntry

    r = world["platform"].post(f"/api/v1/platform/stores/{world['store'].pk}/wallet-topups/", {"amount": amount},
                               format="json")
    assert r.status_code == 400 and r.json()["fields"]["amount"], amount
    assert not LedgerEntry.objects.filter(store=world["store"]).exists()


@pytest.mark.parametrize("amount", ["12", "12.50", 12, 12.5, "+12.5"])
def test_money_as_an_ascii_string_or_a_json_number_is_accepted(world, amount):
    from merchants.models import LedgerEntry

    r = world["platform"].post(f"/api/v1/platform/stores/{world['store'].pk}/wallet-topups/", {"amount": amount},
                               format="json")
    assert r.status_code == 201, r.content
    assert LedgerEntry.objects.get(store=world["store"]).amount in (Decimal("12"), Decimal("12.5"))


@pytest.mark.parametrize("paid_at", ["0001-01-01T00:00:00+08:00", "1999-12-31T23:59:59+00:00",
                                     "2100-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00"])
def test_a_timestamp_outside_2000_to_2100_is_refused(world, paid_at):
    from merchants.models import Order

    before = Order.objects.count()
    body = {"store": world["store"].pk, "product": world["ids"][1], "buyer_id": "b1", "amount": "99.00",
            "paid_at": paid_at, "channel": "taote", "payment_method": "standard"}
    r = world["platform"].post("/api/v1/platform/orders/", body, format="json")
    assert r.status_code == 400 and "paid_at" in r.json()["fields"]
    assert Order.objects.count() == before


@pytest.mark.parametrize("as_of", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
def test_refund_metrics_as_of_outside_the_range_is_400(world, as_of):
    r = world["merchant"].get(f"/api/v1/merchant/stores/{world['store'].pk}/refund-metrics/", {"as_of": as_of})
    assert r.status_code == 400 and "as_of" in r.json()["fields"]


@pytest.mark.parametrize("month", ["9999-12", "1999-12", "2100-01", "0000-01"])
def test_metrics_for_a_month_outside_the_range_are_refused(world, month):
    from merchants.models import StoreMetrics

    r = world["platform"].post(f"/api/v1/platform/stores/{world['store'].pk}/metrics/",
                               {"month": month, "monthly_sales": "1", "dsr_score": "4.5"}, format="json")
    assert r.status_code == 400 and "month" in r.json()["fields"]
    assert not StoreMetrics.objects.filter(store=world["store"]).exists()


def test_another_tenants_store_id_and_an_unknown_one_filter_the_same_on_every_list(world):
    other = StoreFactory()
    lists = 0
    for path, method, op, schema in operations():
        names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        if method != "get" or "/merchant/" not in path or "store" not in names or "{" in path:
            continue
        foreign = world["merchant"].get(path, {"store": other.pk})
        unknown = world["merchant"].get(path, {"store": 999_999_999})
        assert (foreign.status_code, foreign.json()) == (unknown.status_code, unknown.json()), path
        lists += 1
    assert lists >= 5


@pytest.mark.parametrize("query", [{"status": "junk"}, {"store": "abc"}, {"store": "1.5"}, {"page": "abc"},
                                   {"page": "0"}, {"store": str(10 ** 30)}])
def test_a_filter_value_that_does_not_parse_is_400(world, query):
    for url in ("/api/v1/merchant/refund-cases/", "/api/v1/merchant/ledger-entries/" if "status" not in query
                else "/api/v1/merchant/violations/"):
        r = world["merchant"].get(url, query)
        assert r.status_code == 400 and r.json()["code"] == "invalid", (url, query, r.content[:200])


@pytest.mark.parametrize("url", ["/api/v1/merchant/products/?listed=maybe",
                                 "/api/v1/merchant/products/?paylater_eligible=yes-please",
                                 "/api/v1/merchant/logistics/shipments/?awaiting_pickup=2",
                                 "/api/v1/merchant/logistics/shipments/?shipped_after=0001-01-01T00:00:00",
                                 "/api/v1/merchant/ledger-entries/?kind=junk"])
def test_a_boolean_choice_or_timestamp_filter_that_does_not_parse_is_400_not_ignored(world, url):
    r = world["merchant"].get(url)
    assert r.status_code == 400 and r.json()["code"] == "invalid", r.content[:200]


def test_boolean_filters_take_true_and_false(world):
    from merchants.models import Product

    Product.objects.filter(pk=world["ids"][1]).update(listed=False)
    listed = world["merchant"].get("/api/v1/merchant/products/?listed=true").json()
    unlisted = world["merchant"].get("/api/v1/merchant/products/?listed=false").json()
    assert listed["count"] == 0 and [p["id"] for p in unlisted["results"]] == [world["ids"][1]]


QUERY_JUNK = ["9999-12", "0001-01-01", "9999-12-31T23:59:59-12:00", "9999-W52", "0000-W01", str(10 ** 30), "-1",
              "１２", "1e5", "true", "", "x" * 5000]


def test_absurd_query_values_on_every_list_and_read_are_4xx_json_never_500(world):
    checked = 0
    for path, method, op, schema in operations():
        names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
        if method != "get" or not names:
            continue
        client = world["platform"] if "/platform/" in path else world["merchant"]
        url = re.sub(r"\{[^}]+\}", str(world["store"].pk), path)
        for name in names:
            for junk in QUERY_JUNK:
                r = client.get(url, {name: junk})
                assert r.status_code < 500 and r["Content-Type"].startswith("application/json"), (url, name, junk)
                checked += 1
    assert checked > 100
