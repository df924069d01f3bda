"""A client generated from the served schema works, and the schema is one exact document (issue 26).

As a new integrator would: fetch /api/schema/ from a live server, validate it, generate a Python client
with openapi-python-client (pinned in requirements/test.txt; runs offline), and run a short platform and
merchant flow through that client only. Every answer's body, and every worked example in the schema, is
validated against the schema by a strict OpenAPI 3.1 validator. The schema checks name the defects a
typed client cannot live with: nullable references that are not nullable, a structure that changes with
the fetch or the language, always-present fields not `required`, free-string error codes and event types,
'' for "none", untyped helper enums, money limits not stated, and an auth scheme that does not say `Token`.
"""
import copy
import datetime as dt
import importlib
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate as validate_spec

from merchants.webhooks.models import EventType
from merchants.webhooks.services import SUBSCRIBABLE
from tests.factories import platform_token

METHODS = {"get", "post", "put", "patch", "delete"}
HUMAN_TEXT = {"summary", "description"}
# Response properties that a response may leave out, by component.
OPTIONAL_IN_RESPONSES = {"StoreCreatedOut": {"owner_token"}, "Error": {"fields"}}
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def fetch(base: str, language: str | None = None) -> bytes:
    request = urllib.request.Request(f"{base}/api/schema/?format=json")
    if language:
        request.add_header("Accept-Language", language)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def structure(node, parent_key=None):
    """The document without its human text (summaries and descriptions), which alone may follow the language."""
    if isinstance(node, dict):
        return {k: structure(v, k) for k, v in node.items() if parent_key == "properties" or k not in HUMAN_TEXT}
    if isinstance(node, list):
        return [structure(v) for v in node]
    return node


def walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def validate(spec, schema, instance, where):
    validator = OAS31Validator({**schema, "components": spec["components"]}, format_checker=oas31_format_checker)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}"


# --- the document ------------------------------------------------------------------------------------
def get(language: str | None = None) -> bytes:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = Client().get("/api/schema/?format=json", **headers)
    assert response.status_code == 200
    return response.content


@pytest.fixture(scope="module")
def documents():
    """Fetched twice in English first (the first fetch in a process once froze serializer labels in its
    language), then in Chinese, then five times without a language. (The flow below fetches it from a
    live server too.)"""
    english = [get("en"), get("en")]
    chinese = [get("zh-hans"), get("zh-Hans,zh;q=0.9")]
    anonymous = [get() for _ in range(5)]
    return {"en": english, "zh": chinese, "anonymous": anonymous}


def test_the_schema_is_one_valid_openapi_31_document_in_every_language(documents):
    assert len(set(documents["anonymous"])) == 1, "five identical fetches gave different documents"
    assert len(set(documents["en"])) == 1 and len(set(documents["zh"])) == 1
    specs = {lang: json.loads(bodies[0]) for lang, bodies in documents.items()}
    for spec in specs.values():
        validate_spec(spec)
        assert spec["openapi"].startswith("3.1")
    assert structure(specs["en"]) == structure(specs["zh"]) == structure(specs["anonymous"])
    # Human text does follow the language: every operation says what it does in Chinese, and in English.
    chinese = re.compile(r"[\u4e00-\u9fff]")
    for path, method, operation in operations(specs["zh"]):
        assert chinese.search(operation.get("summary", "")), ("no Chinese summary", method, path)
        assert chinese.search(operation.get("description", "")), ("no Chinese description", method, path)
    for path, method, operation in operations(specs["en"]):
        assert operation["summary"] != specs["zh"]["paths"][path][method]["summary"], (method, path)
    assert "令牌" in specs["zh"]["info"]["description"] and "token" in specs["en"]["info"]["description"]


@pytest.fixture(scope="module")
def spec(documents):
    return json.loads(documents["zh"][0])


def test_no_title_or_30_nullable_is_left_for_a_generator_to_misread(spec):
    for where, node in walk(spec["components"]):
        parent = where.rsplit("/", 1)[-1]
        if parent != "properties":
            assert "title" not in node, where
        assert "nullable" not in node, where
    for path, method, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            assert "title" not in parameter.get("schema", {}), (method, path, parameter["name"])


def test_nullable_references_accept_null(spec):
    components = spec["components"]["schemas"]
    for component, field in [("StoreOut", "score"), ("RefundCaseOut", "negotiation"), ("FeeStatementOut", "invoice"),
                             ("ViolationOut", "penalty"), ("ViolationOut", "appeal"),
                             ("CreditApplicationOut", "activation"), ("EligibleProductOut", "ineligible_reason"),
                             ("LogisticsWeeklyResultOut", "tier"), ("LogisticsWeeklyResultOut", "payout"),
                             ("WeekToDateOut", "projected_tier")]:
        validate(spec, components[component]["properties"][field], None, f"{component}.{field}")


def test_always_present_response_fields_are_required(spec):
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith("Request") or "properties" not in schema:
            continue
        optional = OPTIONAL_IN_RESPONSES.get(name, set())
        assert set(schema.get("required", [])) == set(schema["properties"]) - optional, name


def test_error_codes_enums_and_the_replay_header_are_declared(spec):
    components = spec["components"]["schemas"]
    code = components["Error"]["properties"]["code"]
    codes = components[code["$ref"].rsplit("/", 1)[1]]["enum"]
    assert {"invalid", "not_found", "invalid_state", "idempotency_key_reused", "throttled",
            "credit_limit_exceeded", "wallet_not_upgraded", "case_not_pending"} <= set(codes)
    for path, method, operation in operations(spec):
        if method == "post":
            for status, response in operation["responses"].items():
                assert "Idempotent-Replayed" in response.get("headers", {}), (path, status)
    # Webhook event types: the ones an endpoint subscribes to, and `ping` too in the delivery filter.
    events = components["EndpointInRequest"]["properties"]["events"]["items"]
    events = components[events["$ref"].rsplit("/", 1)[1]] if "$ref" in events else events
    assert sorted(events["enum"]) == sorted(SUBSCRIBABLE) and "ping" not in events["enum"]
    deliveries = spec["paths"]["/api/v1/merchant/webhook-deliveries/"]["get"]["parameters"]
    [event_type] = [p for p in deliveries if p["name"] == "event_type"]
    assert sorted(event_type["schema"]["enum"]) == sorted(EventType.values)
    # Every enum has a type; none says "none" with ''.
    assert "BlankEnum" not in components
    for name, schema in components.items():
        if name.endswith("Enum"):
            assert "type" in schema, name
            assert "" not in schema.get("enum", []), name


def test_money_limits_are_stated_where_the_server_enforces_them(spec):
    components = spec["components"]["schemas"]
    for component, field in [("TopupInRequest", "amount"), ("ProductInRequest", "price")]:
        schema = components[component]["properties"][field]
        assert schema["minimum"] == 0.01, (component, field)
        pattern = re.compile(schema["pattern"])
        for text in ["", "-1", "0", "0.00", "-0.01", "1e5", "1.234", "01", " 1", "1."]:
            assert not pattern.search(text), (component, field, text)
        for text in ["0.01", "1", "129.00", "0.5"]:
            assert pattern.search(text), (component, field, text)


def test_the_auth_scheme_says_token(spec):
    [scheme] = spec["components"]["securitySchemes"].values()
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization"
    assert "Token <key>" in scheme["description"]
    assert "令牌" in spec["info"]["description"]


def test_every_worked_example_matches_its_schema(spec):
    checked = 0
    for path, method, operation in operations(spec):
        media = [("request", operation.get("requestBody", {}).get("content", {}).get("application/json"))]
        media += [(status, r.get("content", {}).get("application/json"))
                  for status, r in operation["responses"].items()]
        for where, content in media:
            for example in (content or {}).get("examples", {}).values():
                validate(spec, content["schema"], example["value"], f"{method} {path} {where} example")
                checked += 1
    assert checked >= 25


# --- the generated client ------------------------------------------------------------------------------
@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    """The client openapi-python-client generates from the served schema, importable as its own package."""
    schema = tmp_path / "schema.json"
    schema.write_bytes(fetch(live_server.url, "en"))
    config = tmp_path / "generator.yaml"
    config.write_text("post_hooks: []\n")
    package = f"merchant_ops_client_{abs(hash(str(tmp_path))) % 10 ** 8}"
    run = subprocess.run([str(GENERATOR), "generate", "--path", str(schema), "--output-path", str(tmp_path / package),
                          "--meta", "none", "--config", str(config)], capture_output=True, text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    names = [p.name for p in (tmp_path / package).rglob("*.py")]
    assert all(name.isascii() for name in names), [n for n in names if not n.isascii()]
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package, json.loads(schema.read_bytes())
    for name in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[name]


class Recorder:
    """Every answer the generated client received, to validate against the schema afterwards."""

    def __init__(self):
        self.exchanges = []

    def __call__(self, response):
        response.read()
        self.exchanges.append((response.request.method.lower(), response.request.url.path, response.status_code,
                               dict(response.headers), response.content))


def template_of(spec, path):
    matches = [t for t in spec["paths"] if re.fullmatch(re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(t)), path)]
    assert matches, path
    return min(matches, key=lambda t: t.count("{"))


@pytest.mark.django_db(transaction=True)
def test_a_platform_and_merchant_flow_through_the_generated_client(generated, live_server):
    package, spec = generated

    def module(name):
        return importlib.import_module(f"{package}.{name}")

    api = lambda name: module(f"api.v1.{name}")  # noqa: E731
    models = module("models")
    client_module = module("client")
    recorder = Recorder()

    def client(token):
        return client_module.AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token",
                                                 raise_on_unexpected_status=True,
                                                 httpx_args={"event_hooks": {"response": [recorder]}})

    platform = client(platform_token())
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0)

    category = api("v1_platform_categories_create").sync(client=platform, body=models.CategoryInRequest(
        name="数码", is_fresh=False, paylater_excluded=False))
    created = api("v1_platform_stores_create").sync(client=platform, body=models.StoreCreateInRequest(
        name="江城数码", owner_username="jiangcheng-owner", category=category.id, city="武汉"))
    assert created.owner_token
    merchant = client(created.owner_token)

    topup = api("v1_platform_stores_wallet_topups_create")
    first = topup.sync_detailed(client=platform, id=created.id, body=models.TopupInRequest(amount="500.00"),
                                idempotency_key="topup-1")
    again = topup.sync_detailed(client=platform, id=created.id, body=models.TopupInRequest(amount="500.00"),
                                idempotency_key="topup-1")
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.parsed.id == first.parsed.id
    refused = topup.sync_detailed(client=platform, id=created.id, body=models.TopupInRequest(amount="-1"))
    assert refused.status_code == 400 and refused.parsed.code.value == "invalid"

    product = api("v1_platform_products_create").sync(client=platform, body=models.ProductInRequest(
        store=created.id, title="蓝牙耳机", category=category.id, price="129.00"))
    order = api("v1_platform_orders_create").sync(client=platform, body=models.OrderInRequest(
        store=created.id, product=product.id, buyer_id="buyer-1", amount="129.00", paid_at=now - dt.timedelta(days=1),
        channel=models.ChannelEnum("taote"), payment_method=models.PaymentMethodEnum("standard")))
    case = api("v1_platform_refund_cases_create").sync(client=platform, body=models.RefundCaseOpenInRequest(
        order=order.id, type_=models.RefundTypeEnum("refund_only"), reason=models.ReasonEnum("not_received"),
        amount="129.00", opened_at=now, shipped=False))
    assert case.judgement is None and case.negotiation is None
    missing = api("v1_platform_products_retrieve").sync_detailed(client=platform, id=999_999)
    assert missing.status_code == 404 and missing.parsed.code.value == "not_found"

    stores = api("v1_merchant_stores_list").sync(client=merchant)
    assert [s.id for s in stores.results] == [created.id] and stores.results[0].score is None
    api("v1_merchant_stores_retrieve").sync(client=merchant, id=created.id)
    cases = api("v1_merchant_refund_cases_list").sync(client=merchant)
    assert [c.id for c in cases.results] == [case.id]
    rejected = api("v1_merchant_refund_cases_reject_create").sync_detailed(
        client=merchant, id=case.id, body=models.RejectInRequest(reason="已发货，物流在途"))
    assert rejected.status_code == 200
    conflict = api("v1_merchant_refund_cases_agree_create").sync_detailed(client=merchant, id=case.id)
    assert conflict.status_code == 409 and conflict.parsed.code.value == "case_not_pending"

    ledger = api("v1_merchant_ledger_entries_list")
    page1 = ledger.sync(client=merchant, page_size=1)
    assert page1.count >= 1
    products = api("v1_merchant_products_list").sync(client=merchant)
    assert [p.id for p in products.results] == [product.id]

    endpoint = api("v1_merchant_webhook_endpoints_create").sync(client=merchant, body=models.EndpointInRequest(
        store=created.id, url="http://127.0.0.1:9/hooks", events=[models.WebhookEventTypeEnum("refund_case.opened")]))
    assert endpoint.secret.startswith("whsec_")
    ping = api("v1_merchant_webhook_endpoints_test_create").sync_detailed(client=merchant, id=endpoint.id)
    assert ping.status_code == 202
    deliveries = api("v1_merchant_webhook_deliveries_list").sync(
        client=merchant, event_type=models.V1MerchantWebhookDeliveriesListEventType("ping"))
    assert [d.event.type_.value for d in deliveries.results] == ["ping"]
    api("v1_merchant_violations_list").sync(client=merchant)
    forbidden = api("v1_platform_products_retrieve").sync_detailed(client=merchant, id=product.id)
    assert forbidden.status_code == 403

    # Every answer, as received, is what the schema says for its operation and status.
    assert len(recorder.exchanges) >= 20
    for method, path, status, headers, content in recorder.exchanges:
        template = template_of(spec, path)
        responses = spec["paths"][template][method]["responses"]
        assert str(status) in responses, (method, path, status)
        response = responses[str(status)]
        for header in ("Idempotent-Replayed", "Retry-After"):
            if header.lower() in {h.lower() for h in headers}:
                assert header in response.get("headers", {}), (method, path, status, header)
        if content:
            validate(spec, response["content"]["application/json"]["schema"], json.loads(content),
                     f"{method.upper()} {path} → {status}")


def test_the_checks_above_fail_on_a_30_document_with_the_old_defects(spec):
    """The validator is strict: a nullable reference written the 3.0 way refuses a real null."""
    old = copy.deepcopy(spec)
    old["components"]["schemas"]["StoreOut"]["properties"]["score"] = {
        "allOf": [{"$ref": "#/components/schemas/ScoreOut"}], "nullable": True, "readOnly": True}
    with pytest.raises(AssertionError):
        validate(old, old["components"]["schemas"]["StoreOut"]["properties"]["score"], None, "StoreOut.score")
