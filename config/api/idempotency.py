"""`Idempotency-Key` on POSTs (API.md conventions).

Scoped to the caller's token and the path. The first request inserts a row (the unique
constraint decides who is first, also across processes); its response, when below 500, is
stored and replayed for the same key and body. A different body → 409
`idempotency_key_reused`; a duplicate that arrives while the first is still running waits
for it, then replays, or answers 409 `idempotency_request_in_progress`. A 5xx deletes the
row so the client may retry. Rows older than the TTL are purged by a periodic task.
"""
import hashlib
import json
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.models import IdempotencyRecord, hash_token

from .errors import error_body

HEADER = "HTTP_IDEMPOTENCY_KEY"


def _body_hash(raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


def _replay(record) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body or b""), status=record.status_code,
                            content_type=record.content_type or "application/json")
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return JsonResponse(error_body("invalid", _("Idempotency-Key is longer than 255 characters.")),
                                status=400)
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        if not auth:
            return self.get_response(request)  # unauthenticated: nothing to scope it to
        scope = hash_token(auth)
        body_hash = _body_hash(request.body)
        ident = {"scope": scope, "path": request.path[:300], "key": key}
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(body_hash=body_hash, **ident)
        except IntegrityError:
            return self._duplicate(ident, body_hash)

        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.status_code in (401,) or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            completed=True, status_code=response.status_code, response_body=response.content,
            content_type=response.get("Content-Type", "application/json"))
        return response

    def _duplicate(self, ident, body_hash):
        deadline = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
        while True:
            record = IdempotencyRecord.objects.filter(**ident).first()
            if record is None:
                return JsonResponse(error_body("idempotency_request_in_progress",
                                               _("The first request with this key failed; retry.")), status=409)
            if record.body_hash != body_hash:
                return JsonResponse(error_body("idempotency_key_reused",
                                               _("This Idempotency-Key was used with a different body.")),
                                    status=409)
            if record.completed:
                return _replay(record)
            if time.monotonic() >= deadline:
                return JsonResponse(error_body("idempotency_request_in_progress",
                                               _("A request with this key is still running.")), status=409)
            time.sleep(0.1)


def purge_expired(*, now=None) -> int:
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
