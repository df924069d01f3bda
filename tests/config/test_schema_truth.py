"""The served schema documents what the API answers (the full check is schemathesis in
test_schema_conformance.py; these are the fast, specific ones)."""
import pytest
from openapi_schema_validator import OAS31Validator

from config.api.examples import EXAMPLES

pytestmark = pytest.mark.django_db
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method in METHODS and path.startswith("/api/"):
                yield path, method, op


def validate(instance, node, schema):
    """Strict OpenAPI 3.1 validation, `#/components/...` references resolved in the served document."""
    OAS31Validator({**node, "components": schema["components"]}).validate(instance)


def test_every_operation_documents_auth_not_found_and_throttling_errors(schema):
    for path, method, op in operations(schema):
        assert {"401", "403", "404", "429"} <= set(op["responses"]), (method, path)
        assert "Retry-After" in op["responses"]["429"]["headers"], (method, path)
        error = op["responses"]["404"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_writes_document_invalid_input_conflicts_and_bodies_too_large(schema):
    for path, method, op in operations(schema):
        if method in {"post", "patch"}:
            assert {"400", "409", "413", "415"} <= set(op["responses"]), (method, path)


def test_every_post_declares_its_optional_idempotency_key(schema):
    posts = [(path, op) for path, method, op in operations(schema) if method == "post"]
    assert posts
    for path, op in posts:
        headers = [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert len(headers) == 1 and headers[0]["required"] is False, path


def test_refund_case_timestamps_that_can_be_empty_are_nullable(schema):
    fields = schema["components"]["schemas"]["RefundCaseOut"]["properties"]
    for name in ["decided_at", "return_ship_deadline", "return_shipped_at", "return_received_at", "refund_deadline",
                 "refunded_at", "escalation_deadline", "escalated_at", "judged_at", "closed_at"]:
        assert "null" in fields[name]["type"], name
    assert "null" not in fields["opened_at"]["type"]  # always set


def test_the_case_in_a_buyer_negotiation_has_no_nested_negotiation(schema):
    case = schema["components"]["schemas"]["BuyerNegotiationOut"]["properties"]["case"]
    ref = case["allOf"][0]["$ref"] if "allOf" in case else case["$ref"]
    case = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "negotiation" not in case["properties"] and "negotiation" not in case.get("required", [])


def test_every_worked_example_is_shown_and_matches_its_schema(schema):
    for (method, path), example in EXAMPLES.items():
        op = schema["paths"][path][method]
        content = op["responses"][example["status"]]["content"]["application/json"]
        assert content["examples"]["worked"]["value"] == example["response"]
        validate(example["response"], content["schema"], schema)
        if "request" in example:
            body = op["requestBody"]["content"]["application/json"]
            validate(example["request"], body["schema"], schema)


def test_the_token_walk_through_starts_with_a_store_created_for_a_new_owner():
    example = EXAMPLES[("post", "/api/v1/platform/stores/")]
    assert "owner_token" in example["response"]


def test_schemas_generated_at_the_same_time_are_identical():
    """drf-spectacular's generator is not thread-safe: without the lock, concurrent requests got a detail
    operation documented as a paginated list."""
    import threading

    from django.test import Client

    bodies = [None] * 6
    barrier = threading.Barrier(len(bodies))

    def fetch(i):
        barrier.wait()
        bodies[i] = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(bodies) and len(set(bodies)) == 1
