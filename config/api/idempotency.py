"""`Idempotency-Key` on POSTs (API.md conventions).

Scoped to the caller's token (its id, whatever the header's spelling) and the path. The first
request inserts a row (the unique constraint decides who is first, also across processes); its
response, when below 500, is stored and replayed for the same key and body. A different body → 409
`idempotency_key_reused`; a duplicate that arrives while the first is still running waits
for it, then replays, or answers 409 `idempotency_request_in_progress`. A 5xx deletes the
row so the client may retry. Rows older than the TTL are purged by a periodic task.

Nothing is replayed to a caller the view itself would turn away: the token is authenticated
(a revoked one replays nothing) and the view's permissions are checked before any lookup;
a refused request goes on to the view, which answers 401/403, and is not recorded. Stored
bodies are encrypted at rest (a store creation's response carries the owner's token).

A view that sets `idempotency_in_transaction = True` (pay-later intake) gets the claim, its own
work and the stored response in ONE transaction, one commit (decision 0033, "One commit"): a
concurrent duplicate's claim waits on the unique index until the first commits, then replays
it. An answer of 400 or more rolls the whole transaction back and the answer below 500 is then
recorded on its own, so a failure never leaves a claim that blocks a retry. The one exception is a
4xx whose view declared its work a record to keep (`answer_commits_its_work`: a refused pay-later
order, whose checks write nothing before the refusal's own row): its transaction commits with the
claim and the answer, as a success does.
"""
import hashlib
import json
import logging
import tempfile
import threading
import time
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from config.crypto import decrypt_bytes, encrypt_bytes
from config.models import IdempotencyRecord, hash_token

from .auth import ApiTokenAuthentication
from .errors import OUTAGES, error_body, outage_response

log = logging.getLogger(__name__)
HEADER = "HTTP_IDEMPOTENCY_KEY"
PURPOSE = "config.idempotency-response"


_state = threading.local()


def atomic_unless_in_request_transaction():
    """`transaction.atomic()`, or nothing when the idempotency middleware already holds this
    request's transaction: the service's work then joins it without a savepoint (two more
    statements). Safe because that transaction is rolled back whole on any answer ≥ 400 (unless the
    service declared its only write a record to keep, `answer_commits_its_work`)."""
    return nullcontext() if getattr(_state, "in_transaction", False) else transaction.atomic()


def answer_commits_its_work() -> bool:
    """Within the request transaction of a view with `idempotency_in_transaction`: the 4xx answer
    this request is about to give commits the transaction as it stands (the claim, what the view
    wrote, the stored answer) instead of rolling it back. For a refusal whose only write is its
    own record, which must outlive the answer (pay-later refusals, SPEC §6). False outside that
    transaction (the caller's own transaction then commits what it wrote)."""
    if not getattr(_state, "in_transaction", False):
        return False
    _state.commit_answer = True
    return True


def _answer(response) -> dict:
    """The stored answer's fields (the body rendered and encrypted), replayed for the same key."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return {"completed": True, "status_code": response.status_code,
            "response_body": encrypt_bytes(response.content, purpose=PURPOSE),
            "content_type": response.get("Content-Type", "application/json")}


def _view_would_serve(request):
    """Authenticate the caller and run the permission checks of the view the path resolves
    to, as DRF will; the view class, or None when the view would refuse the caller."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    view_class = getattr(match.func, "cls", None)
    if view_class is None:
        return None
    drf_request = Request(request, authenticators=[ApiTokenAuthentication()])
    try:
        if drf_request.user is None:
            return None
        view = view_class(**getattr(match.func, "initkwargs", {}))
        actions = getattr(match.func, "actions", None)
        if actions:
            view.action_map = actions
            view.action = actions.get(request.method.lower())
        view.args, view.kwargs, view.request, view.format_kwarg = match.args, match.kwargs, drf_request, None
        view.check_permissions(drf_request)
    except APIException:
        return None
    return view_class


def _scope(request) -> str:
    """The authenticated token's id, hashed to the column's shape: `Token`, `token` and `TOKEN`
    (or extra spaces) are one caller, so the same key is one request whatever the spelling."""
    _user, token = request.__dict__["_api_token_auth"]  # kept by ApiTokenAuthentication
    return hash_token(f"api-token:{token.pk}")


def _body_hash(raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


def _is_multipart(request) -> bool:
    return request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data")


MULTIPART_MARK = b"\x00boundary\x00"  # never part of a boundary (printable ASCII)


def _multipart_hash(request) -> str:
    """The hash of a multipart body (uploads of up to ~100 MB) without holding it in memory: it is
    copied to a spooled temporary file, which the request then reads instead of the socket. The
    boundary is left out of the hash: a client's retry picks a new one for the same content."""
    boundary = parse_header_parameters(request.META["CONTENT_TYPE"])[1].get("boundary", "").encode("ascii", "replace")
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    digest, pending, keep = hashlib.sha256(), b"", max(len(boundary) - 1, 0)
    while chunk := request.read(64 * 1024):
        spool.write(chunk)
        pending = (pending + chunk).replace(boundary, MULTIPART_MARK) if boundary else pending + chunk
        cut = max(len(pending) - keep, 0)
        digest.update(pending[:cut])
        pending = pending[cut:]
    digest.update(pending)
    spool.seek(0)
    request._stream, request._read_started = spool, False
    return digest.hexdigest()


def _replay(record) -> HttpResponse:
    body = decrypt_bytes(record.response_body, purpose=PURPOSE) if record.response_body else b""
    if body is None:  # stored under another encryption key
        return JsonResponse(error_body("idempotency_replay_unavailable",
                                       _("The first response can no longer be replayed; use a new key.")),
                            status=409)
    response = HttpResponse(body, status=record.status_code,
                            content_type=record.content_type or "application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(ident: dict, body_hash: str, **done) -> int | None:
    """Insert the record unless the key is already taken: the id, or None for a duplicate.
    One statement (ON CONFLICT DO NOTHING) instead of a
    transaction or savepoint around an INSERT that may fail: the intake query budget.
    `done` (completed, status_code, response_body, content_type) records a finished answer."""
    fields = {"scope": ident["scope"], "path": ident["path"], "key": ident["key"], "body_hash": body_hash,
              "completed": False, "content_type": "", "created_at": timezone.now(), **done}
    opts = IdempotencyRecord._meta
    connection = connections[router.db_for_write(IdempotencyRecord)]
    quote = connection.ops.quote_name
    values = [opts.get_field(name).get_db_prep_save(value, connection) for name, value in fields.items()]
    sql = (f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(name) for name in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) "
           f"ON CONFLICT ({', '.join(quote(name) for name in ('scope', 'path', 'key'))}) DO NOTHING RETURNING "
           f"{quote(opts.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return row[0] if row else None


def _store_answer(record_pk: int, **fields) -> None:
    """`UPDATE … SET <fields> WHERE id = …`, one statement as `_claim` writes it: every POST with
    a key stores its answer, and the ORM's `update()` compiled the same statement every time."""
    opts = IdempotencyRecord._meta
    connection = connections[router.db_for_write(IdempotencyRecord)]
    quote = connection.ops.quote_name
    values = [opts.get_field(name).get_db_prep_save(value, connection) for name, value in fields.items()]
    sql = (f"UPDATE {quote(opts.db_table)} SET {', '.join(f'{quote(name)} = %s' for name in fields)} "
           f"WHERE {quote(opts.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, record_pk])


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self._handle(request)
        except OUTAGES as exc:  # the claim or the stored answer could not reach the database
            log.error("idempotency: database unreachable: %s", exc, exc_info=True)
            return outage_response()

    def _handle(self, request):
        key = request.META.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return JsonResponse(error_body("invalid", _("Idempotency-Key is longer than 255 characters.")),
                                status=400)
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        view_class = _view_would_serve(request) if auth else None
        if view_class is None or "_api_token_auth" not in request.__dict__:
            return self.get_response(request)  # the view answers 401/403/404; nothing to scope or replay
        scope = _scope(request)
        body_hash = _multipart_hash(request) if _is_multipart(request) else _body_hash(request.body)
        ident = {"scope": scope, "path": request.path[:300], "key": key}
        if getattr(view_class, "idempotency_in_transaction", False):
            return self._in_one_transaction(request, ident, body_hash)
        record_pk = _claim(ident, body_hash)
        if record_pk is None:
            return self._duplicate(ident, body_hash)
        record = IdempotencyRecord(pk=record_pk)

        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.status_code in (401,) or getattr(response, "streaming", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        self._complete(record.pk, response)
        return response

    def _in_one_transaction(self, request, ident, body_hash):
        """Claim, the view's work and the stored response in one transaction (one commit).
        A concurrent duplicate's claim waits on the unique index for this commit (then replays
        it) or this rollback (then it runs, as the first)."""
        using = router.db_for_write(IdempotencyRecord)
        response, committed = None, False
        with transaction.atomic(using=using):
            record_pk = _claim(ident, body_hash)
            if record_pk is not None:
                _state.in_transaction, _state.commit_answer = True, False
                try:
                    response = self.get_response(request)  # exceptions arrive as 500 responses
                finally:
                    commit_answer = _state.commit_answer
                    _state.in_transaction, _state.commit_answer = False, False
                streaming = getattr(response, "streaming", False)
                code = response.status_code
                replayed_4xx = 400 <= code < 500 and code != 401 and not streaming
                if code >= 400 and not (commit_answer and replayed_4xx):
                    transaction.set_rollback(True, using=using)  # the claim goes too: a retry may act
                elif streaming:  # nothing to replay, as on the other POSTs: the work commits, the claim not
                    IdempotencyRecord.objects.filter(pk=record_pk).delete()
                else:  # a success, or a refusal that keeps its record: claim, work and answer commit once
                    self._complete(record_pk, response)
                    committed = True
        if record_pk is None:
            return self._duplicate(ident, body_hash)
        if not committed and replayed_4xx:  # a 4xx after the rollback: recorded on its own, replayed too
            _claim(ident, body_hash, **_answer(response))
        return response

    @staticmethod
    def _complete(record_pk, response):
        _store_answer(record_pk, **_answer(response))

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
