"""drf-spectacular postprocessing: the responses every operation can give whatever its view
says — 429 `throttled` (with Retry-After) everywhere, and 401 wherever a token is required."""
ERROR_COMPONENT = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "detail": {"type": "string"},
                   "fields": {"type": "object", "additionalProperties": {}}},
    "required": ["code", "detail"],
}


def _error(description: str, headers: dict | None = None) -> dict:
    response = {"description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if headers:
        response["headers"] = headers
    return response


def add_common_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_COMPONENT)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("429", _error(
                "`throttled`: over the request budget of the token (or of the client IP without a "
                "valid token); retry after `Retry-After` seconds.",
                {"Retry-After": {"schema": {"type": "integer", "minimum": 1},
                                 "description": "Seconds to wait before retrying."}}))
            if any("TokenAuth" in requirement for requirement in operation.get("security", [])):
                responses.setdefault("401", _error("`not_authenticated` or `authentication_failed`: "
                                                   "no token, or an unknown or revoked one."))
    return result
