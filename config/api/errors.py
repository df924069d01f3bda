"""One error type for the domain and one JSON error format for the API:
`{"code": "<snake_case>", "detail": "<text>", "fields": {...}}`."""
import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import Http404, JsonResponse
from django.urls import is_valid_path
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the operation. `status` 400 (rule) or 409 (state)."""

    status = 400

    def __init__(self, code: str, detail=None, *, fields: dict | None = None, status: int | None = None):
        self.code = code
        self.detail = str(detail) if detail is not None else code.replace("_", " ")
        self.fields = fields
        if status is not None:
            self.status = status
        super().__init__(f"{code}: {self.detail}")


class StateConflict(DomainError):
    """The object's state does not allow the action (409)."""

    status = 409

    def __init__(self, code: str = "invalid_state", detail=None, **kwargs):
        super().__init__(code, detail, **kwargs)


_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
}


def error_body(code: str, detail, fields=None) -> dict:
    body = {"code": code, "detail": str(detail)}
    if fields:
        body["fields"] = fields
    return body


def _flatten(detail):
    """DRF error detail → plain JSON (lists of messages keyed by field)."""
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def exception_handler(exc, context):
    if is_outage(exc):
        log.error("database unreachable: %s", exc, exc_info=exc)
        return outage_response()
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        # Input that does not parse or validate. Business refusals are DomainErrors with
        # their own codes; these are all "invalid", with the messages per field.
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten(detail)
            first_name, first = next(iter(fields.items()))
            while isinstance(first, (list, dict)) and first:
                first = first[0] if isinstance(first, list) else next(iter(first.values()))
            text = first if first_name == "non_field_errors" else f"{first_name}: {first}"
            return Response(error_body("invalid", text, fields), status=status.HTTP_400_BAD_REQUEST)
        messages = _flatten(detail if isinstance(detail, list) else [detail])
        return Response(error_body("invalid", messages[0] if messages else _("Invalid input.")),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None)
        if code is None:
            code = exc.default_code if isinstance(exc.default_code, str) else "error"
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return Response(error_body(code, exc.detail if isinstance(exc.detail, str) else _flatten(exc.detail)),
                        status=exc.status_code, headers=headers)
    return None


def json_404(request, exception=None):
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def json_500(request):
    if is_outage(sys.exc_info()[1]):  # Django calls this handler inside its `except`
        return outage_response()
    return JsonResponse(error_body("server_error", _("Internal error; it has been logged.")), status=500)


# The database cannot be reached (refused, dropped, restarting) or gave up on the statement
# (`OperationalError`: connection lost, lock or statement timeout, deadlock): nothing is wrong
# with the request, so the answer says when to try again instead of claiming a server bug.
OUTAGES = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def is_outage(exc) -> bool:
    return isinstance(exc, OUTAGES)


def outage_response() -> JsonResponse:
    """503 `service_unavailable` with Retry-After; a Django response, so that DRF's exception
    handler, the middleware and the 500 handler can all return it."""
    response = JsonResponse(error_body("service_unavailable",
                                       _("The database cannot be reached right now; retry shortly.")), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@receiver(got_request_exception)
def _remember_uncaught_exception(sender, request=None, **kwargs):
    """Django turns an exception into a 500 response before the middleware above it sees it;
    ApiErrorMiddleware reads what it was (with DEBUG on, Django's page replaces json_500)."""
    if request is not None:
        request._uncaught_exception = sys.exc_info()[1]


_STATUS_CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
                 405: "method_not_allowed", 406: "not_acceptable", 413: "request_too_large",
                 415: "unsupported_media_type", 429: "throttled", 431: "request_header_fields_too_large",
                 500: "server_error", 503: "service_unavailable"}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
# gunicorn lets header fields up to 32 KB through (config/gunicorn.py) so that the answer to a
# larger one is ours, in JSON: more than this per field, or in all, is 431.
MAX_HEADER_FIELD_BYTES = 8190
MAX_HEADER_BYTES = 32768


def _headers_too_large(meta) -> bool:
    total = 0
    for name, value in meta.items():
        if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            size = len(name) + len(value) if isinstance(value, str) else 0
            if size > MAX_HEADER_FIELD_BYTES:
                return True
            total += size
    return total > MAX_HEADER_BYTES


class ApiErrorMiddleware:
    """Under /api/ every error is the JSON error shape, whoever produced it: Django's own 400
    (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE), its DEBUG 404/500 pages, a CSRF 403. A
    body announced larger than the limit is refused with 413 before anything reads it, headers
    too large with 431, a path without its trailing slash with a JSON 404 naming it. A database
    that cannot be reached is a 503 `service_unavailable` with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if _headers_too_large(request.META):
            return JsonResponse(error_body("request_header_fields_too_large",
                                           _("A request header is too large.")), status=431)
        if not request.path_info.endswith("/"):
            # Never CommonMiddleware's APPEND_SLASH: its 301 loses a POST's body (and with DEBUG
            # on it raises for a POST). A JSON 404 that names the path with the slash instead.
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(request.path_info, urlconf) and is_valid_path(f"{request.path_info}/", urlconf):
                return JsonResponse(error_body("not_found", _("Not found; API paths end with a slash: %(path)s")
                                               % {"path": f"{request.path}/"}), status=404)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
            limit = settings.MULTIPART_UPLOAD_MAX_SIZE  # files (evidence) are streamed to disk, not memory
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return JsonResponse(error_body("request_too_large", _("The request body is too large.")), status=413)
        response = self.get_response(request)
        if response.status_code == 500 and is_outage(getattr(request, "_uncaught_exception", None)):
            return outage_response()
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            code = _STATUS_CODES.get(response.status_code, "error")
            replacement = JsonResponse(error_body(code, response.reason_phrase), status=response.status_code)
            for header in _KEPT_HEADERS:
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
