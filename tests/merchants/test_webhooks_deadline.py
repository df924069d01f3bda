"""A receiver cannot hold a worker (issue 23): each attempt has a total deadline of 10 s, reads
at most 64 KB, and every failure is an attempt with its reason and the next retry. Only local
receivers on 127.0.0.1 are contacted (WEBHOOKS_ALLOW_PRIVATE_URLS is on in tests)."""
import socket
import time

import pytest
from django.conf import settings as django_settings

from merchants.webhooks import transport
from merchants.webhooks.delivery import BACKOFF, deliver_batch, dispatch_due
from merchants.webhooks.models import EventType, WebhookAttempt, WebhookDelivery
from merchants.webhooks.services import endpoint_create, endpoint_ping, event_emit_many
from tests.merchants.stalling_receiver import StallingReceiver
from tests.merchants.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


def deliver_all():
    return [deliver_batch(endpoint_id=e, delivery_ids=ids) for e, ids in dispatch_due()]


def ping(store, url):
    endpoint = endpoint_create(store=store, url=url, events=[EventType.VIOLATION_OPENED])
    return endpoint, endpoint_ping(endpoint=endpoint)


def assert_retried_in_5_seconds(delivery, reason):
    delivery.refresh_from_db()
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.error.startswith(f"{reason}: "), attempt.error
    assert attempt.status_code is None
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == attempt.at + BACKOFF[0]
    return attempt


def test_a_receiver_trickling_its_body_is_cut_off_at_10_seconds_in_total(store):
    """200 with Content-Length 500, then one byte a second: each read gets its byte well within
    any per-read timeout, so only a deadline for the whole attempt ends it."""
    assert django_settings.WEBHOOKS_TIMEOUT_SECONDS == 10
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"
    with StallingReceiver(head=head, tail=b"x" * 500, every=1.0) as rx:
        _endpoint, delivery = ping(store, rx.url)
        started = time.monotonic()
        assert deliver_all() == [{"delivered": 0, "retrying": 1, "failed": 0}]
        took = time.monotonic() - started
    assert 9.5 <= took < 12, took
    attempt = assert_retried_in_5_seconds(delivery, "timeout")
    assert 9500 <= attempt.latency_ms < 12000


def test_a_receiver_trickling_its_headers_is_cut_off_too(store, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2
    with StallingReceiver(head=b"HTTP/1.1 200 OK\r\n", tail=b"X-Slow: " + b"a" * 100, every=0.2) as rx:
        _endpoint, delivery = ping(store, rx.url)
        started = time.monotonic()
        deliver_all()
        assert time.monotonic() - started < 4
    assert_retried_in_5_seconds(delivery, "timeout")


def test_a_reply_cut_short_is_a_recorded_protocol_failure_not_a_crash(store):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nonly ten b"
    with StallingReceiver(head=head) as rx:  # then closes: IncompleteRead
        _endpoint, delivery = ping(store, rx.url)
        assert deliver_all() == [{"delivered": 0, "retrying": 1, "failed": 0}]
    attempt = assert_retried_in_5_seconds(delivery, "protocol")
    assert "IncompleteRead" in attempt.error


@pytest.mark.parametrize("head, reset", [(b"", True), (b"", False), (b"this is not HTTP\r\n\r\n", False)])
def test_a_reset_an_empty_or_garbled_answer_is_an_attempt_with_its_reason(store, head, reset):
    with StallingReceiver(head=head, reset=reset) as rx:
        _endpoint, delivery = ping(store, rx.url)
        deliver_all()
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.error.split(":")[0] in {"connection", "protocol"}, attempt.error
    assert_retried_in_5_seconds(delivery, attempt.error.split(":")[0])


def test_a_refused_connection_is_an_attempt(store):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _endpoint, delivery = ping(store, f"http://127.0.0.1:{port}/hooks")
    deliver_all()
    assert_retried_in_5_seconds(delivery, "connection")


def test_a_tls_failure_is_an_attempt(store):
    with StallingReceiver(head=b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS", at_once=True) as rx:
        _endpoint, delivery = ping(store, rx.url.replace("http://", "https://"))
        deliver_all()
    assert_retried_in_5_seconds(delivery, "tls")


def test_a_name_that_does_not_resolve_is_an_attempt(store, monkeypatch):
    _endpoint, delivery = ping(store, "http://hooks.merchant.invalid/x")

    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(transport.socket, "getaddrinfo", no_such_name)
    deliver_all()
    assert_retried_in_5_seconds(delivery, "dns")


def test_at_most_64_kb_of_the_reply_is_read(store, settings):
    """A 2xx whose body never ends is delivered as soon as 64 KB arrived."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 3
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"y" * (64 * 1024)
    with StallingReceiver(head=head, tail=b"z" * 100, every=1.0) as rx:
        _endpoint, delivery = ping(store, rx.url)
        started = time.monotonic()
        assert deliver_all() == [{"delivered": 1, "retrying": 0, "failed": 0}]
        assert time.monotonic() - started < 2
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code == 200 and attempt.error == "" and attempt.response_excerpt == "y" * 500


def test_after_a_timeout_the_rest_of_the_batch_waits_for_its_retry(store, settings):
    """One stalling endpoint costs one deadline per sweep, not one per pending delivery."""
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
    with StallingReceiver(head=head, tail=b"x" * 50, every=0.5) as rx:
        endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        event_emit_many(events=[(store.pk, EventType.VIOLATION_OPENED, {"n": i}) for i in range(3)])
        started = time.monotonic()
        assert deliver_all() == [{"delivered": 0, "retrying": 3, "failed": 0}]
        assert time.monotonic() - started < 3
    first, *rest = WebhookDelivery.objects.order_by("pk")
    attempt = WebhookAttempt.objects.get()
    assert attempt.delivery == first and first.attempts == 1
    assert [(d.attempts, d.next_attempt_at) for d in rest] == [(0, attempt.at + BACKOFF[0])] * 2
    assert rx.requests == 1


def test_a_slow_receiver_within_the_deadline_is_still_delivered(store, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 3
    with Receiver([(204, "", {}, 1)]) as rx:
        _endpoint, delivery = ping(store, rx.url)
        assert deliver_all() == [{"delivered": 1, "retrying": 0, "failed": 0}]
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.last_status_code == 204


def test_deliveries_have_their_own_queue():
    from config.celery_app import app

    router = app.amqp.router
    assert router.route({}, "merchants.webhooks.deliver")["queue"].name == "webhooks"
    assert router.route({}, "merchants.webhooks.dispatch")["queue"].name == "webhooks"
    assert router.route({}, "refunds.tasks.run_refund_timeouts")["queue"].name == "celery"


def test_make_runs_worker_serves_both_queues():
    procfile = (django_settings.BASE_DIR / "Procfile").read_text()
    [worker] = [line for line in procfile.splitlines() if line.startswith("worker:")]
    queues = worker.split("-Q ")[1].split()[0].split(",")
    assert set(queues) == {"celery", "webhooks"}

