"""SSRF by allow-list (issue 23): only globally routable addresses may receive webhooks when
private URLs are not allowed; checked at create, at PATCH and on the address each attempt
connects to. These tests only check addresses: no traffic leaves 127.0.0.1."""
import ipaddress
import socket

import pytest

from merchants.webhooks.addresses import is_public
from merchants.webhooks.delivery import deliver_batch, dispatch_due
from merchants.webhooks.models import EventType, WebhookAttempt, WebhookEndpoint
from merchants.webhooks.services import endpoint_create, endpoint_ping
from tests.merchants.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
ENDPOINTS = "/api/v1/merchant/webhook-endpoints/"

INTERNAL = [
    "100.100.100.200", "100.64.0.1", "100.127.255.254",  # shared address space (cloud metadata lives there)
    "2002:7f00:1::", "2002:a00:1::", "2002:c0a8:101::",  # 6to4 of 127.0.0.1, 10.0.0.1, 192.168.1.1
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1",  # NAT64 of internal ones; local-use NAT64
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fec0::1", "fc00::1", "fd12:3456::1", "fe80::1", "::1", "::", "::ffff:127.0.0.1", "::ffff:10.1.1.1",
    "::7f00:1",  # IPv4-compatible form of 127.0.0.1
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.10", "169.254.169.254", "0.0.0.0", "192.0.0.8",
    "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "240.0.0.1", "255.255.255.255",
    "224.0.0.1", "239.255.255.250", "ff02::1", "2001:db8::1", "100::1",
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d70e::",  # 6to4 of a public one
          "64:ff9b::808:808"]  # NAT64 of 8.8.8.8


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_global_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


def literal(address):
    return f"http://[{address}]/hooks" if ":" in address else f"http://{address}/hooks"


@pytest.mark.parametrize("address", ["100.100.100.200", "100.64.0.1", "2002:7f00:1::", "fec0::1",
                                     "64:ff9b::7f00:1", "2001:0:4136:e378:8000:63bf:3fff:fdd2"])
def test_create_and_patch_refuse_internal_addresses(merchant_api, store, settings, address):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    r = merchant_api.post(ENDPOINTS, {"store": store.pk, "url": literal(address), "events": ["violation.opened"]},
                          format="json")
    assert r.status_code == 400 and r.json()["code"] == "url_not_allowed", r.content
    assert not WebhookEndpoint.objects.exists()

    endpoint = endpoint_create(store=store, url="http://93.184.215.14/hooks", events=["violation.opened"])
    r = merchant_api.patch(f"{ENDPOINTS}{endpoint.pk}/", {"url": literal(address)}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "url_not_allowed", r.content
    endpoint.refresh_from_db()
    assert endpoint.url == "http://93.184.215.14/hooks"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x/", "gopher://x/",
                                 "data:text/plain,hi", "http:///no-host"])
def test_urls_that_are_not_http_are_url_not_allowed(merchant_api, store, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # refused whatever the address policy
    r = merchant_api.post(ENDPOINTS, {"store": store.pk, "url": url, "events": ["violation.opened"]}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "url_not_allowed", r.content
    assert not WebhookEndpoint.objects.exists()
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=["violation.opened"])
    r = merchant_api.patch(f"{ENDPOINTS}{endpoint.pk}/", {"url": url}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "url_not_allowed", r.content


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_at_send_time(store, settings, monkeypatch):
    """The name passed the check at create (it resolved to a public address); when the attempt
    resolves it, it points at loopback: nothing is sent there, and the attempt says why."""
    answers = {"public": [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80))]}
    with Receiver() as rx:
        port = int(rx.url.split(":")[2].split("/")[0])
        answers["loopback"] = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
        now = {"answer": "public"}
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers[now["answer"]])
        endpoint = endpoint_create(store=store, url=f"http://hooks.merchant.example:{port}/x",
                                   events=[EventType.VIOLATION_OPENED])
        delivery = endpoint_ping(endpoint=endpoint)
        now["answer"] = "loopback"  # the name's owner changed its DNS answer
        for endpoint_id, ids in dispatch_due():
            deliver_batch(endpoint_id=endpoint_id, delivery_ids=ids)
    assert rx.requests == []
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.error.startswith("url_not_allowed: 127.0.0.1"), attempt.error
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1


def test_an_endpoint_saved_while_private_urls_were_allowed_is_not_called_once_they_are_not(store, settings):
    with Receiver() as rx:
        endpoint = endpoint_create(store=store, url=rx.url, events=[EventType.VIOLATION_OPENED])
        delivery = endpoint_ping(endpoint=endpoint)
        settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
        for endpoint_id, ids in dispatch_due():
            deliver_batch(endpoint_id=endpoint_id, delivery_ids=ids)
    assert rx.requests == []
    assert WebhookAttempt.objects.get(delivery=delivery).error.startswith("url_not_allowed")
