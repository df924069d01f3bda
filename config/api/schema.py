"""The OpenAPI schema tells the truth about every response, and is one document (issues 26 and 23).

- Served as OpenAPI 3.1 (`OAS_VERSION`): a nullable value is `type: [..., "null"]`, a nullable
  reference `oneOf: [{$ref}, {type: "null"}]`, which strict validators and generated clients honour.
- One structure whatever the language or the process: no `title` anywhere (drf-spectacular derives it
  from a field's label, which DRF decides in the language active when a serializer's fields are first
  built; `extend_schema(responses=Serializer(many=True))` keeps module-level instances whose fields are
  built once, in the first request's language, so the same process gave two documents). Only
  `summary` and `description` follow `Accept-Language` (config/api/operation_text.py).
- `AutoSchema`: a read-only field declared on a ModelSerializer (e.g. `AwareDateTimeField(read_only=True)`
  for a timestamp) is nullable in the schema when its model column is, as the data it returns is; every
  response property is `required` (a serializer writes all its fields) unless its serializer names it in
  `optional_in_response` (e.g. `owner_token`, present only when the owner was created); decimals and money in
  a request are a string or a number with the exact pattern and bounds the server accepts.
- `document_errors_and_headers` (a postprocessing hook): every operation documents the error answers any
  request can get — 401/403 (token), 404 (unknown object or page), 429 (throttled, with `Retry-After`),
  400 where it takes query parameters or a body, 409/413/415 on writes — each in the one error shape
  `{code, detail, fields?}` whose `code` is the enum of every code the API answers; every POST declares
  its optional `Idempotency-Key` header and its answers the `Idempotent-Replayed` header; and each
  resource shows one worked example (`config/api/examples.py`).
Answers an operation documents itself (with a more specific description) are kept.
"""
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import has_override
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import append_meta
from rest_framework import serializers
from rest_framework.settings import api_settings

from . import error_codes, examples, operation_text
from .fields import StrictDecimalField, decimal_pattern

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_CODE_REF = {"$ref": "#/components/schemas/ErrorCodeEnum"}
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
METHODS = {"get", "post", "put", "patch", "delete"}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique string (e.g. a UUID). The same key with the same body within 24 hours "
                   "replays the first answer (header `Idempotent-Replayed: true`) instead of acting twice; "
                   "with another body it answers 409 `idempotency_key_reused`.",
}
REPLAYED_HEADER = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "Present (`true`) when this answer is the stored answer to an earlier request with the same "
                   "`Idempotency-Key` and body, replayed instead of acting twice.",
}
SECURITY_DESCRIPTION = _(
    "Send `Authorization: Token <key>` (the word `Token`, a space, then the key; not `Bearer`). A merchant "
    "client's key is the `owner_token` returned once when a platform service creates its store; a platform "
    "service's key is printed once by `python manage.py create_platform_client NAME`.")


def error_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "code": {**ERROR_CODE_REF, "description": "machine-readable, snake_case (e.g. `invalid`, `not_found`)"},
            "detail": {"type": "string", "description": "human-readable, in the request's language"},
            "fields": {"type": "object", "additionalProperties": True, "description": "messages per input field",
                       "examples": [{"amount": ["Ensure this value is greater than or equal to 0.01."]}]},
        },
        "required": ["code", "detail"],
        "examples": [{"code": "invalid", "detail": "amount: Ensure this value is greater than or equal to 0.01.",
                      "fields": {"amount": ["Ensure this value is greater than or equal to 0.01."]}}],
    }


class AutoSchema(SpectacularAutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        meta.pop("title", None)  # a label is human text in the active language, never structure
        if field.read_only and "nullable" not in meta and _model_column_is_nullable(field):
            meta["nullable"] = True
        return meta

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, StrictDecimalField) and direction == "request" and not has_override(field, "field"):
            return append_meta(decimal_request_schema(field), self._get_serializer_field_meta(field, direction))
        if (isinstance(field, serializers.DecimalField) and direction == "response" and not has_override(field, "field")
                and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)):
            return append_meta(decimal_response_schema(field), self._get_serializer_field_meta(field, direction))
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (direction == "request" and isinstance(field, serializers.PrimaryKeyRelatedField) and schema
                and schema.get("type") in ("integer", ["integer", "null"])):
            schema.setdefault("minimum", 1)  # ids start at 1; 0 or less is malformed (400), as said here
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            optional = set(getattr(serializer, "optional_in_response", ()))
            required = sorted(name for name in schema.get("properties", {}) if name not in optional)
            if required:
                schema["required"] = required
        return schema

    def _insert_field_validators(self, field, schema):
        if isinstance(field, StrictDecimalField) and "multipleOf" in schema:
            return  # decimal_request_schema states every bound itself
        super()._insert_field_validators(field, schema)


def decimal_request_schema(field: StrictDecimalField) -> dict:
    """What a StrictDecimalField accepts: a string matching `decimal_pattern(field)` or a JSON number
    within the same bounds in steps of the last decimal place (the server's own check is the same)."""
    step = Decimal(1).scaleb(-field.decimal_places)
    largest = Decimal(10) ** (field.max_digits - field.decimal_places) - step
    minimum = field.min_value if field.min_value is not None else -largest
    maximum = field.max_value if field.max_value is not None else largest
    return {"type": ["string", "number"], "format": "decimal", "pattern": decimal_pattern(field),
            "minimum": float(minimum), "maximum": float(maximum), "multipleOf": float(step)}


def decimal_response_schema(field: serializers.DecimalField) -> dict:
    """A decimal as answered: a string with exactly `decimal_places` decimals ("199.00", "0.8471")."""
    places = field.decimal_places or 0
    whole = rf"\d{{1,{max(1, field.max_digits - places)}}}" if field.max_digits else r"\d+"
    fraction = rf"\.\d{{{places}}}" if places else ""
    example = "129.00" if places == 2 else "0." + ("85" + "0" * places)[:places] if places else "1"
    return {"type": "string", "format": "decimal", "pattern": rf"^-?{whole}{fraction}$", "examples": [example]}


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


# --- one structure, 3.1 nulls ---------------------------------------------------------------------
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SCHEMA_ONES = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")


def _tidy(schema):
    """Recursively: drop `title`, turn a leftover 3.0 `nullable` into its 3.1 form, and a lone
    `allOf: [{$ref}]` with nothing beside it into the `$ref` itself."""
    if not isinstance(schema, dict):
        return schema
    schema.pop("title", None)
    for key in _SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            schema[key] = {name: _tidy(sub) for name, sub in schema[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            schema[key] = [_tidy(sub) for sub in schema[key]]
    for key in _SCHEMA_ONES:
        if isinstance(schema.get(key), dict):
            schema[key] = _tidy(schema[key])
    if schema.pop("nullable", False):
        schema = _with_null(schema)
    if set(schema) == {"allOf"} and len(schema["allOf"]) == 1 and set(schema["allOf"][0]) == {"$ref"}:
        schema = schema["allOf"][0]
    return schema


def _with_null(schema: dict) -> dict:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        schema["type"] = [*kind, *(["null"] if "null" not in kind else [])]
    elif "oneOf" in schema:
        schema["oneOf"].append({"type": "null"})
    else:
        ref = {k: schema.pop(k) for k in ("$ref", "allOf") if k in schema}
        schema["oneOf"] = [ref if "$ref" in ref else {"allOf": ref.get("allOf", [])}, {"type": "null"}]
        return schema
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"].append(None)
    return schema


def _typed_enums(components: dict) -> None:
    """drf-spectacular's helper enums get their type: `BlankEnum` a string, `NullEnum` null."""
    for name, schema in components.items():
        if name.endswith("Enum") and "type" not in schema and "enum" in schema:
            values = schema["enum"]
            if all(isinstance(v, str) for v in values):
                schema["type"] = "string"
            elif all(v is None for v in values):
                schema.pop("enum")
                schema["type"] = "null"


def _tidy_document(result: dict) -> None:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name in list(components):
        components[name] = _tidy(components[name])
    _typed_enums(components)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if "schema" in parameter:
                    parameter["schema"] = _tidy(parameter["schema"])
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    media["schema"] = _tidy(media["schema"])
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = _tidy(media["schema"])


def document_errors_and_headers(result, generator, request, public):
    """drf-spectacular postprocessing hook; see the module docstring."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = error_schema()
    components["ErrorCodeEnum"] = {"type": "string", "enum": error_codes.all_codes(),
                                   "description": "Every error code the API answers."}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method not in METHODS:
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
                for status, response in responses.items():
                    if not status.startswith("5"):
                        response.setdefault("headers", {})["Idempotent-Replayed"] = dict(REPLAYED_HEADER)
    for scheme in result.get("components", {}).get("securitySchemes", {}).values():
        if scheme.get("name") == "Authorization":
            scheme["description"] = str(SECURITY_DESCRIPTION)
    _tidy_document(result)
    operation_text.translate(result)
    examples.attach(result)
    return result
