"""Operators see endpoints and deliveries, disable endpoints with a reason and replay deliveries."""
import pytest

from merchants.webhooks.models import EventType, WebhookDelivery
from merchants.webhooks.services import endpoint_create, endpoint_ping

pytestmark = pytest.mark.django_db


def test_operator_disables_an_endpoint_with_a_reason(admin_client, store):
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=[EventType.VIOLATION_OPENED])
    page = admin_client.get("/admin/merchants/webhookendpoint/")
    assert page.status_code == 200 and endpoint.url.encode() in page.content
    assert endpoint.secret.encode() not in admin_client.get(
        f"/admin/merchants/webhookendpoint/{endpoint.pk}/change/").content
    r = admin_client.post("/admin/merchants/webhookendpoint/", {
        "action": "disable", "_selected_action": [endpoint.pk], "apply": "1", "reason": "answers 410 for days"})
    assert r.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert endpoint.history.first().history_change_reason == "disabled: answers 410 for days"


def test_an_operators_long_disable_reason_is_kept_whole(admin_client, store):
    """The reason form takes 2,000 characters; the history once held 100 and PostgreSQL answered 500."""
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=[EventType.VIOLATION_OPENED])
    reason = "接收端连续多日返回 410，商家已确认下线旧系统，待新地址提供后再启用。" * 20
    r = admin_client.post("/admin/merchants/webhookendpoint/", {
        "action": "disable", "_selected_action": [endpoint.pk], "apply": "1", "reason": reason})
    assert r.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert endpoint.history.first().history_change_reason == f"disabled: {reason}"


def test_operator_replays_a_delivery_with_the_same_event(admin_client, store):
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=[EventType.VIOLATION_OPENED])
    first = endpoint_ping(endpoint=endpoint)
    assert admin_client.get(f"/admin/merchants/webhookdelivery/{first.pk}/change/").status_code == 200
    r = admin_client.post("/admin/merchants/webhookdelivery/", {"action": "replay", "_selected_action": [first.pk]})
    assert r.status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=first.pk).get()
    assert replay.event_id == first.event_id and replay.replay_of_id == first.pk
