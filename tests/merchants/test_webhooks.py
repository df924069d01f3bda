"""Signed webhooks (SPEC §5): verified with the published `standardwebhooks` package by a
real HTTP receiver on a spare local port."""
import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks import Webhook

from merchants.models import Violation
from merchants.violations.services import violation_open
from merchants.webhooks.delivery import BACKOFF, deliver_batch, dispatch_due, next_attempt
from merchants.webhooks.models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from merchants.webhooks.services import endpoint_create, endpoint_rotate_secret, event_emit_many
from tests.merchants.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.timezone.utc)


def deliver_all(now=None):
    """What beat and the workers do: sweep what is due and send each endpoint's batch."""
    return [deliver_batch(endpoint_id=e, delivery_ids=ids) for e, ids in dispatch_due(now=now)]


def open_violation(store, ref="r1"):
    return violation_open(store=store, kind=Violation.Kind.FAKE_SHIPPING, occurred_at=timezone.now(),
                          detected_by="test", reference=ref, dedup_key=f"test:{ref}")[0]


def test_a_delivery_carries_the_contract_headers_and_verifies_with_the_standard_library(store):
    with Receiver() as rx:
        endpoint = endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        violation = open_violation(store)
        assert deliver_all() == [{"delivered": 1, "retrying": 0, "failed": 0}]
    [request] = rx.requests
    payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    event = WebhookEvent.objects.get()
    assert request["headers"]["webhook-id"] == event.event_id
    assert payload["id"] == event.event_id and payload["type"] == "violation.opened"
    assert payload["store"] == store.pk and payload["data"]["id"] == violation.pk
    assert set(payload) == {"id", "type", "created_at", "store", "data"}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok" and attempt.latency_ms >= 0


def test_a_500_is_retried_after_5_seconds_as_the_same_event(store):
    with time_machine.travel(NOW, tick=False), Receiver([(500, "boom", {}, 0), (200, "thanks", {}, 0)]) as rx:
        endpoint = endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        open_violation(store)
        assert deliver_all() == [{"delivered": 0, "retrying": 1, "failed": 0}]
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and delivery.next_attempt_at == NOW + dt.timedelta(seconds=5)
        assert deliver_all(now=NOW + dt.timedelta(seconds=4)) == []  # not due yet
        with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
            assert deliver_all() == [{"delivered": 1, "retrying": 0, "failed": 0}]
    first, second = rx.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        Webhook(endpoint.secret).verify(second["body"], second["headers"])
    assert list(WebhookAttempt.objects.order_by("at").values_list("status_code", "response_excerpt")) == [
        (500, "boom"), (200, "thanks")]


def test_backoff_is_5s_5min_30min_2h_5h_10h_then_every_10h_for_3_days():
    first = NOW
    gaps, at, attempts = [], NOW, 0
    while True:
        attempts += 1
        nxt = next_attempt(first_at=first, attempts=attempts, at=at)
        if nxt is None:
            break
        gaps.append(nxt - at)
        at = nxt
    h = dt.timedelta(hours=1)
    assert gaps[:7] == [dt.timedelta(seconds=5), dt.timedelta(minutes=5), dt.timedelta(minutes=30), 2 * h, 5 * h,
                        10 * h, 10 * h]
    assert at - first <= dt.timedelta(days=3) < at + 10 * h - first
    assert BACKOFF[0] == dt.timedelta(seconds=5)


def test_after_3_days_of_failures_the_delivery_fails(store):
    with time_machine.travel(NOW, tick=False), Receiver([(503, "down", {}, 0)] * 20) as rx:
        endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        open_violation(store)
        for _ in range(20):
            delivery = WebhookDelivery.objects.get()
            if delivery.status != "pending":
                break
            with time_machine.travel(delivery.next_attempt_at, tick=False):
                deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.attempts == len(rx.requests) == 12  # 6 growing gaps, then 10 h steps until 3 days


def test_a_change_that_rolls_back_emits_nothing(store):
    endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=[EventType.VIOLATION_OPENED])
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            open_violation(store)
            assert WebhookEvent.objects.count() == 1  # written with the change…
            raise RuntimeError("the change fails")
    assert WebhookEvent.objects.count() == 0 and WebhookDelivery.objects.count() == 0  # …and gone with it


def test_a_store_without_endpoints_writes_no_event(store):
    open_violation(store)
    assert WebhookEvent.objects.count() == 0


def test_only_subscribed_types_and_enabled_endpoints_get_deliveries(store):
    wants = endpoint_create(store=store, url="http://127.0.0.1:9/a", events=[EventType.VIOLATION_OPENED])
    endpoint_create(store=store, url="http://127.0.0.1:9/b", events=[EventType.REFUND_CASE_OPENED])
    off = endpoint_create(store=store, url="http://127.0.0.1:9/c", events=[EventType.VIOLATION_OPENED])
    WebhookEndpoint.objects.filter(pk=off.pk).update(enabled=False)
    open_violation(store)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [wants.pk]


def test_during_24h_after_a_rotation_both_secrets_sign(store):
    with time_machine.travel(NOW, tick=False), Receiver() as rx:
        endpoint = endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        old = endpoint.secret
        new = endpoint_rotate_secret(endpoint_id=endpoint.pk).secret
        open_violation(store, "during")
        deliver_all()
    with time_machine.travel(NOW + dt.timedelta(hours=24), tick=False), Receiver() as rx2:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=rx2.url)
        open_violation(store, "after")
        deliver_all()
    during, after = rx.requests[0], rx2.requests[0]
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    with time_machine.travel(NOW, tick=False):
        Webhook(old).verify(during["body"], during["headers"])
        Webhook(new).verify(during["body"], during["headers"])
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    with time_machine.travel(NOW + dt.timedelta(hours=24), tick=False):
        Webhook(new).verify(after["body"], after["headers"])
        with pytest.raises(Exception):
            Webhook(old).verify(after["body"], after["headers"])


def test_a_redirect_is_not_followed(store):
    with Receiver([(302, "", {"Location": "http://169.254.169.254/latest/meta-data"}, 0)]) as rx:
        endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        open_violation(store)
        assert deliver_all() == [{"delivered": 0, "retrying": 1, "failed": 0}]
    assert len(rx.requests) == 1 and WebhookAttempt.objects.get().status_code == 302


@pytest.mark.parametrize("url", ["http://127.0.0.1/hooks", "http://localhost:8000/x", "http://10.1.2.3/x",
                                 "http://169.254.169.254/latest", "http://[::1]/x", "http://192.168.0.10/",
                                 "ftp://example.com/x", "http://0.0.0.0/"])
def test_private_loopback_and_link_local_urls_are_refused(merchant_api, store, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    r = merchant_api.post("/api/v1/merchant/webhook-endpoints/",
                          {"store": store.pk, "url": url, "events": ["violation.opened"]}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "url_not_allowed", r.content
    assert WebhookEndpoint.objects.count() == 0


def test_a_slow_endpoint_gets_its_own_batches(store, other_store):
    slow = endpoint_create(store=store, url="http://127.0.0.1:9/slow", events=[EventType.VIOLATION_OPENED])
    fast = endpoint_create(store=other_store, url="http://127.0.0.1:9/fast", events=[EventType.VIOLATION_OPENED])
    event_emit_many(events=[(store.pk, EventType.VIOLATION_OPENED, {"n": i}) for i in range(3)]
                    + [(other_store.pk, EventType.VIOLATION_OPENED, {"n": 9})])
    batches = dict(dispatch_due())
    assert sorted(batches) == sorted([slow.pk, fast.pk])  # one worker task per endpoint
    assert dispatch_due() == []  # claimed with a lease: a second sweep hands nothing out twice


def test_1000_events_to_one_endpoint_cost_a_fixed_number_of_queries_per_batch(store, settings):
    settings.WEBHOOKS_BATCH_SIZE = 250
    with Receiver() as rx:
        endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        with CaptureQueriesContext(connection) as emitted:
            event_emit_many(events=[(store.pk, EventType.VIOLATION_OPENED, {"n": i}) for i in range(1000)])
        assert len(emitted) < 40  # bulk inserts (SQLite splits them by its parameter limit), not one per event
        batches = dispatch_due()
        assert [len(ids) for _e, ids in batches] == [250] * 4
        counts = []
        for endpoint_id, ids in batches:
            with CaptureQueriesContext(connection) as ctx:
                deliver_batch(endpoint_id=endpoint_id, delivery_ids=ids)
            counts.append(len(ctx))
    assert len(set(counts)) == 1 and counts[0] <= 20, counts  # the same for every batch of 250, never per event
    assert len(rx.requests) == 1000 and WebhookDelivery.objects.filter(status="delivered").count() == 1000
