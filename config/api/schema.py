"""The OpenAPI schema tells the truth about every response (issue "Hardening", item 7).

- `AutoSchema`: a read-only field declared on a ModelSerializer (e.g. `AwareDateTimeField(read_only=True)`
  for a timestamp) is nullable in the schema when its model column is, as the data it returns is.
- `document_errors_and_headers` (a postprocessing hook): every operation documents the error answers any
  request can get — 401/403 (token), 404 (unknown object or page), 429 (throttled, with `Retry-After`),
  400 where it takes query parameters or a body, 409/413/415 on writes — each in the one error shape
  `{code, detail, fields?}`; every POST declares its optional `Idempotency-Key` header; and each
  resource shows one worked example (`config/api/examples.py`).
Answers an operation documents itself (with a more specific description) are kept.
"""
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from . import examples

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "machine-readable, snake_case (e.g. `invalid`, `not_found`)"},
        "detail": {"type": "string", "description": "human-readable, in the request's language"},
        "fields": {"type": "object", "additionalProperties": {}, "description": "messages per input field"},
    },
    "required": ["code", "detail"],
}
DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, messages per field in `fields`) or a named business refusal.",
    "401": "No token, or an unknown or revoked one (`not_authenticated`, `authentication_failed`).",
    "403": "The token's kind may not call this endpoint (`permission_denied`).",
    "404": "Unknown object, another store's object, or a page past the end (`not_found`).",
    "409": "The object's state does not allow this (`invalid_state` or a named code), or the "
           "Idempotency-Key was used with another body or is still running.",
    "413": "The request body is too large.",
    "415": "The body is not JSON (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`); retry after `Retry-After` seconds.",
}
WRITE_METHODS = {"post", "put", "patch"}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique string (e.g. a UUID). The same key with the same body within 24 hours "
                   "replays the first answer (header `Idempotent-Replayed: true`) instead of acting twice; "
                   "with another body it answers 409 `idempotency_key_reused`.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if field.read_only and "nullable" not in meta and _model_column_is_nullable(field):
            meta["nullable"] = True
        return meta


def _model_column_is_nullable(field) -> bool:
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if not isinstance(parent, serializers.ModelSerializer) or model is None:
        return False
    source = getattr(field, "source", None) or field.field_name
    if not source or source == "*" or "." in source:
        return False
    try:
        return bool(model._meta.get_field(source).null)
    except FieldDoesNotExist:
        return False


def _error_response(status: str) -> dict:
    response = {"description": DESCRIPTIONS[status], "content": {"application/json": {"schema": ERROR_REF}}}
    if status == "429":
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                               "description": "seconds to wait before retrying"}}
    return response


def _statuses(method: str, operation: dict) -> list[str]:
    statuses = ["401", "403", "404", "429"]
    takes_input = "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", []))
    if takes_input or method in WRITE_METHODS:
        statuses.append("400")
    if method in WRITE_METHODS:
        statuses += ["409", "413", "415"]
    return statuses


def document_errors_and_headers(result, generator, request, public):
    """drf-spectacular postprocessing hook; see the module docstring."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation):
                responses.setdefault(status, _error_response(status))
            if "429" in responses and "headers" not in responses["429"]:
                responses["429"]["headers"] = _error_response("429")["headers"]
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
                           for p in parameters):
                    parameters.append(dict(IDEMPOTENCY_KEY))
    examples.attach(result)
    return result
