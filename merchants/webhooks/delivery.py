"""Delivering webhooks (SPEC §5): at least once, signed, retried with backoff 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 10 h… for 3 days, then `failed`.

Each attempt has a total deadline of 10 s, DNS to the last byte read, and reads at most 64 KB
of the reply (`merchants.webhooks.transport`); whatever goes wrong (timeout, reset, a broken
reply, TLS, DNS, a refused address) is recorded as an attempt with its reason and retried on
the schedule, so no receiver can crash the task or hold its worker. When an attempt times out,
the rest of that endpoint's batch waits for its retry instead of timing out one by one.
Deliveries run on their own Celery queue, `webhooks` (`CELERY_TASK_ROUTES`), apart from the refund
timeouts and settlements.

Due deliveries live in the database (`next_attempt_at`), never as long countdowns on the
broker (STACK-NOTES: Redis re-delivers them). A beat task sweeps them every few seconds,
claims them with a lease, and hands each endpoint's share to its own worker task, so one
slow endpoint holds up only itself. A worker lost mid-batch leaves its deliveries pending;
they are claimed again when the lease runs out (at least once)."""
import datetime as dt
import json
import logging
import time
from collections import defaultdict

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from config.states import bulk_transition

from . import transport
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .signing import headers

log = logging.getLogger(__name__)
BACKOFF = [dt.timedelta(seconds=5), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=5), dt.timedelta(hours=10)]
GIVE_UP_AFTER = dt.timedelta(days=3)
EXCERPT_BYTES = 500
MAX_REPLY_BYTES = 64 * 1024  # read of a reply, at most; the rest is never waited for
D = WebhookDelivery.Status


def next_attempt(*, first_at, attempts: int, at) -> dt.datetime | None:
    """When to try again after `attempts` failed attempts, or None once 3 days have passed."""
    when = at + BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return when if when - first_at <= GIVE_UP_AFTER else None


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS * settings.WEBHOOKS_BATCH_SIZE + 60)


def dispatch_due(*, now=None, limit: int = 2000) -> list[tuple[int, list[int]]]:
    """Claim due deliveries of enabled endpoints (one index range scan; SKIP LOCKED so two
    sweeps never share a row), lease them, and return (endpoint, delivery ids) batches for
    the workers."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(status=D.PENDING, next_attempt_at__lte=now, endpoint__enabled=True)
                   .order_by("next_attempt_at").values_list("pk", "endpoint_id")[:limit])
        if not due:
            return []
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _e in due]).update(next_attempt_at=now + _lease())
    by_endpoint: dict[int, list[int]] = defaultdict(list)
    for pk, endpoint_id in due:
        by_endpoint[endpoint_id].append(pk)
    size = settings.WEBHOOKS_BATCH_SIZE
    return [(endpoint_id, ids[i:i + size]) for endpoint_id, ids in by_endpoint.items()
            for i in range(0, len(ids), size)]


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery, at) -> tuple[WebhookAttempt, bool]:
    """One attempt, whatever the receiver does: (the attempt to record, whether it ran out of
    time — the endpoint is stalling now)."""
    event = delivery.event
    body = _json(event.payload())
    signed = headers(endpoint.signing_secrets(at), msg_id=event.event_id, timestamp=int(at.timestamp()),
                     body=body)
    started = time.monotonic()
    attempt = WebhookAttempt(delivery=delivery, at=at, latency_ms=0)
    stalled = False
    try:
        reply = transport.post(endpoint.url, body.encode(), signed, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
                               max_bytes=MAX_REPLY_BYTES)
    except transport.AttemptFailed as exc:
        attempt.error = str(exc)[:300]
        stalled = exc.reason == "timeout"
    else:
        attempt.status_code = reply.status
        attempt.response_excerpt = reply.body[:EXCERPT_BYTES].decode("utf-8", "replace")
    attempt.latency_ms = int((time.monotonic() - started) * 1000)
    return attempt, stalled


def _json(payload: dict) -> str:
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliver_batch(*, endpoint_id: int, delivery_ids: list[int]) -> dict:
    """Attempt each pending delivery of the batch once, then record the attempts, the counters
    and the moves (delivered, failed) in a fixed number of statements per batch."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return {"delivered": 0, "retrying": 0, "failed": 0}
    deliveries = list(WebhookDelivery.objects.filter(pk__in=delivery_ids, status=D.PENDING)
                      .select_related("event").order_by("pk"))
    attempts, outcome = [], {D.DELIVERED: [], D.FAILED: [], D.PENDING: []}
    held_until = None
    for delivery in deliveries:
        if held_until is not None:
            # The endpoint ran out of time this round: the rest of the batch waits for the retry
            # of the one that timed out instead of holding the worker 10 s each (not an attempt).
            delivery.next_attempt_at = held_until
            outcome[D.PENDING].append(delivery.pk)
            continue
        at = timezone.now()
        attempt, stalled = _send(endpoint, delivery, at)
        attempts.append(attempt)
        delivery.attempts += 1
        delivery.last_status_code = attempt.status_code
        if attempt.status_code is not None and 200 <= attempt.status_code < 300:
            delivery.delivered_at, delivery.next_attempt_at = at, None
            outcome[D.DELIVERED].append(delivery.pk)
            continue
        delivery.next_attempt_at = next_attempt(first_at=delivery.created_at, attempts=delivery.attempts, at=at)
        outcome[D.FAILED if delivery.next_attempt_at is None else D.PENDING].append(delivery.pk)
        if stalled:
            held_until = delivery.next_attempt_at or at + BACKOFF[0]
    with transaction.atomic():
        WebhookAttempt.objects.bulk_create(attempts)
        WebhookDelivery.objects.bulk_update(deliveries, ["attempts", "last_status_code", "delivered_at",
                                                         "next_attempt_at"])
        for to, note in ((D.DELIVERED, "2xx"), (D.FAILED, "no 2xx for 3 days")):
            if outcome[to]:
                bulk_transition(WebhookDelivery.objects.filter(pk__in=outcome[to]), to,
                                reason=f"job: deliver webhooks — {note}")
    counts = {"delivered": len(outcome[D.DELIVERED]), "retrying": len(outcome[D.PENDING]),
              "failed": len(outcome[D.FAILED])}
    log.info("webhooks to endpoint %s: %s", endpoint_id, counts)
    return counts
