"""The merchant API for webhooks (API.md "Merchant clients — insight and integrations")."""
import pytest
from standardwebhooks import Webhook

from merchants.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.factories import merchant_token
from tests.merchants.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
BASE = "/api/v1/merchant/webhook-endpoints/"


def create(api, store, url="http://127.0.0.1:9/hooks", events=("violation.opened",)):
    return api.post(BASE, {"store": store.pk, "url": url, "events": list(events)}, format="json")


def test_the_secret_is_shown_once_and_stored_encrypted(merchant_api, store):
    r = create(merchant_api, store)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True and body["events"] == ["violation.opened"]
    assert "secret" not in merchant_api.get(f"{BASE}{body['id']}/").json()
    assert all("secret" not in row for row in merchant_api.get(BASE).json()["results"])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM merchants_webhookendpoint WHERE id = %s", [body["id"]])
        stored = cursor.fetchone()[0]
    assert body["secret"] not in stored and stored.startswith("fernet:")


def test_unknown_event_types_are_refused(merchant_api, store):
    r = create(merchant_api, store, events=["refund_case.opened", "order.exploded"])
    assert r.status_code == 400 and r.json()["code"] == "unknown_event_type"


def test_patch_changes_url_events_and_enabled_and_delete_removes(merchant_api, store):
    endpoint_id = create(merchant_api, store).json()["id"]
    r = merchant_api.patch(f"{BASE}{endpoint_id}/", {"events": ["refund_case.opened"], "enabled": False},
                           format="json")
    assert r.status_code == 200 and r.json()["events"] == ["refund_case.opened"] and r.json()["enabled"] is False
    assert merchant_api.delete(f"{BASE}{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint_id).exists()


def test_another_stores_endpoint_is_not_found(merchant_api, store, other_store, api):
    other = create(api.with_token(merchant_token(other_store.owner)), other_store).json()["id"]
    for call in (lambda: merchant_api.get(f"{BASE}{other}/"),
                 lambda: merchant_api.patch(f"{BASE}{other}/", {"enabled": False}, format="json"),
                 lambda: merchant_api.post(f"{BASE}{other}/rotate-secret/"),
                 lambda: merchant_api.delete(f"{BASE}{other}/")):
        assert call().status_code == 404
    assert create(merchant_api, other_store).status_code == 404


def test_rotate_returns_a_new_secret_once(merchant_api, store):
    created = create(merchant_api, store).json()
    r = merchant_api.post(f"{BASE}{created['id']}/rotate-secret/")
    assert r.status_code == 200 and r.json()["secret"] != created["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.secret == r.json()["secret"] and endpoint.previous_secret == created["secret"]


def test_test_sends_a_signed_ping_and_replay_sends_the_same_webhook_id(merchant_api, store,
                                                                       django_capture_on_commit_callbacks):
    with Receiver() as rx:
        created = create(merchant_api, store, url=rx.url).json()
        with django_capture_on_commit_callbacks(execute=True):
            r = merchant_api.post(f"{BASE}{created['id']}/test/")
        assert r.status_code == 202 and r.json()["event"]["type"] == "ping"
        assert WebhookDelivery.objects.get().status == "delivered"
        ping = Webhook(created["secret"]).verify(rx.requests[0]["body"], rx.requests[0]["headers"])
        assert ping["type"] == "ping"
        delivery_id = r.json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            r = merchant_api.post(f"/api/v1/merchant/webhook-deliveries/{delivery_id}/replay/")
        assert r.status_code == 202 and r.json()["replay_of"] == delivery_id
    first, again = rx.requests
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"] == WebhookEvent.objects.get().event_id


def test_deliveries_are_listed_with_filters(merchant_api, store):
    endpoint_id = create(merchant_api, store).json()["id"]
    merchant_api.post(f"{BASE}{endpoint_id}/test/")
    rows = merchant_api.get("/api/v1/merchant/webhook-deliveries/", {"endpoint": endpoint_id,
                                                                     "event_type": "ping"}).json()["results"]
    assert len(rows) == 1 and rows[0]["status"] in ("pending", "failed", "delivered")
    assert set(rows[0]) >= {"id", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at"}
    assert merchant_api.get("/api/v1/merchant/webhook-deliveries/",
                            {"event_type": "violation.opened"}).json()["results"] == []
