"""Outages answered cleanly (issue 23): the broker is only a wake-up after a commit, and a
database that cannot be reached is a 503 JSON with Retry-After, never a 500. The cache side
(throttling fails open) is in test_throttling.py."""
import logging
import threading

import pytest
from django.db import connections

from config.celery_app import app
from merchants.webhooks.models import WebhookDelivery
from merchants.webhooks.services import endpoint_create
from tests.conftest import Api
from tests.factories import merchant_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks go to a real broker at a closed port instead of running eagerly."""

    def fresh_pools():
        app._pool = None
        app.amqp._producer_pool = None

    fresh_pools()
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # Celery reads it before its settings
    yield
    fresh_pools()


def test_the_endpoint_test_commits_and_answers_202_when_the_broker_is_away(
        merchant_api, store, broker_down, django_capture_on_commit_callbacks, caplog):
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=["violation.opened"])
    with caplog.at_level(logging.WARNING, logger="merchants.webhooks.tasks"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            r = merchant_api.post(f"/api/v1/merchant/webhook-endpoints/{endpoint.pk}/test/",
                                  HTTP_IDEMPOTENCY_KEY="ping-1")
        assert callbacks, "the wake-up is sent after the commit"
        assert r.status_code == 202, r.content
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and delivery.next_attempt_at is not None  # the sweep sends it
        assert any("broker could not be reached" in rec.getMessage() for rec in caplog.records)
        # The client's retry is replayed: no second delivery (a 5xx forgot the key and made one).
        with django_capture_on_commit_callbacks(execute=True):
            again = merchant_api.post(f"/api/v1/merchant/webhook-endpoints/{endpoint.pk}/test/",
                                      HTTP_IDEMPOTENCY_KEY="ping-1")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert WebhookDelivery.objects.count() == 1


def test_a_replay_commits_and_answers_202_when_the_broker_is_away(
        merchant_api, store, broker_down, django_capture_on_commit_callbacks):
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=["violation.opened"])
    from merchants.webhooks.services import endpoint_ping

    first = endpoint_ping(endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        r = merchant_api.post(f"/api/v1/merchant/webhook-deliveries/{first.pk}/replay/")
    assert r.status_code == 202, r.content
    assert WebhookDelivery.objects.filter(replay_of=first).count() == 1


def client_as(key):
    client = Api(raise_request_exception=False)  # answer as a server would, not re-raise
    return client.with_token(key)


def in_a_thread_whose_database_is_away(fn):
    """Run `fn` in a thread whose database connection points at a closed port."""
    result = {}

    def run():
        connection = connections["default"]
        connection.settings_dict = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
        try:
            result["value"] = fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result["value"]


@pytest.mark.parametrize("method, path", [("get", "/api/v1/merchant/stores/"),
                                          ("post", "/api/v1/platform/categories/"),
                                          ("get", "/api/v1/merchant/stores/1/")])
def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(store, method, path):
    key = merchant_token(store.owner)

    def call():
        client = Api().with_token(key)  # the test client re-raises what reached Django's 500: nothing may
        return getattr(client, method)(path, {"name": "x"} if method == "post" else None, format="json",
                                       HTTP_IDEMPOTENCY_KEY="db-away")

    r = in_a_thread_whose_database_is_away(call)
    assert r.status_code == 503, r.content
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["code"] == "service_unavailable"
    assert int(r["Retry-After"]) >= 1


def test_with_the_database_away_and_debug_on_it_is_still_the_503_json(store, settings):
    settings.DEBUG = True
    key = merchant_token(store.owner)
    r = in_a_thread_whose_database_is_away(lambda: client_as(key).get("/api/v1/merchant/stores/"))
    assert r.status_code == 503 and r.json()["code"] == "service_unavailable"
