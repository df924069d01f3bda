"""JSON at every /api/ edge (issue 23): no APPEND_SLASH redirect or 500 for a path without its
slash, JSON for headers too large where the app server lets Django decide, and ids that are
ASCII digits in every route."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import EndpointEnumerator

from merchants.models import LedgerEntry
from tests.config.test_processes import ROOT, free_port
from tests.conftest import Api
from tests.factories import platform_token

pytestmark = pytest.mark.django_db
METHODS = ["get", "post", "put", "patch", "delete"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("debug", [False, True])
def test_a_path_without_its_slash_is_a_json_404_naming_the_slashed_path(merchant_api, store, settings, method,
                                                                         debug):
    settings.DEBUG = debug  # runserver: APPEND_SLASH raised a RuntimeError for a POST (a 500)
    merchant_api.raise_request_exception = False
    r = getattr(merchant_api, method)(f"/api/v1/merchant/stores/{store.pk}", {}, format="json")
    assert r.status_code == 404, (r.status_code, r.content[:200])
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["code"] == "not_found"
    assert f"/api/v1/merchant/stores/{store.pk}/" in r.json()["detail"]


def test_a_post_without_the_slash_acts_on_nothing(platform_api, store):
    r = platform_api.post(f"/api/v1/platform/stores/{store.pk}/wallet-topups", {"amount": "10.00"}, format="json")
    assert r.status_code == 404 and f"/api/v1/platform/stores/{store.pk}/wallet-topups/" in r.json()["detail"]
    assert not LedgerEntry.objects.filter(store=store).exists()


def test_outside_the_api_the_slash_is_still_appended(client):
    assert client.get("/i18n/setlang").status_code == 301


def test_a_header_too_large_is_a_json_431(api):
    r = api.get("/api/v1/merchant/stores/", HTTP_AUTHORIZATION="Token " + "a" * 10_000)
    assert r.status_code == 431 and r.json()["code"] == "request_header_fields_too_large"
    many = {f"HTTP_X_FILLER_{i}": "b" * 4000 for i in range(10)}  # each fine, 40 kB together
    r = api.get("/api/v1/merchant/stores/", **many)
    assert r.status_code == 431 and r.json()["code"] == "request_header_fields_too_large"


def test_ordinary_headers_pass(merchant_api):
    assert merchant_api.get("/api/v1/merchant/stores/", HTTP_USER_AGENT="x" * 1000).status_code == 200


def api_routes_with_ids():
    for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints():
        if "{" in path and path.startswith("/api/"):
            yield method, path


def test_every_api_route_with_an_id_takes_ascii_digits_only():
    routes = sorted(set(api_routes_with_ids()))
    assert len(routes) > 30
    for method, path in routes:
        resolve(re.sub(r"\{[^}]+\}", "1", path))  # the route exists
        for digits in ("１", "٣", "𝟙", "1１"):  # full-width, Arabic-Indic, mathematical digits
            with pytest.raises(Resolver404):
                resolve(re.sub(r"\{[^}]+\}", digits, path))
                pytest.fail(f"{method} {path} accepts {digits!r}")


@pytest.mark.parametrize("method, path", [("get", "/api/v1/merchant/stores/１/"),
                                          ("get", "/api/v1/merchant/webhook-endpoints/１/"),
                                          ("get", "/api/v1/merchant/refund-cases/１/"),
                                          ("post", "/api/v1/platform/stores/７/wallet-topups/"),
                                          ("get", "/api/v1/merchant/stores/１/risk-checks/")])
def test_a_full_width_id_is_a_json_404(merchant_api, platform_api, store, method, path):
    client = platform_api if "/platform/" in path else merchant_api
    r = getattr(client, method)(path, {"amount": "1.00"} if method == "post" else None,
                                format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found", r.content[:200]
    assert merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/").status_code == 200


@pytest.mark.slow
def test_under_gunicorn_a_10_kb_authorization_header_is_answered_by_django_in_json():
    """The web process as `make run` and production start it (config/gunicorn.py): gunicorn's
    own limit (8 KB a header) answered this with an HTML 431 page."""
    port = free_port()
    env = {**os.environ, "WEB_PORT": str(port), "WEB_CONCURRENCY": "1", "WEB_THREADS": "1",
           "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.py"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/merchant/stores/",
                                         headers={"Authorization": "Token " + "a" * 10_000})
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and answer is None:
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as err:
                answer = (err.code, err.headers.get("Content-Type"), err.read())
            except OSError:
                time.sleep(0.3)
        assert answer is not None, "gunicorn never answered"
        status, content_type, body = answer
        assert status == 431 and content_type.startswith("application/json"), (status, body[:200])
        assert json.loads(body)["code"] == "request_header_fields_too_large"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_platform_token_posting_with_a_full_width_store_creates_nothing(store):
    r = Api().with_token(platform_token()).post("/api/v1/platform/stores/１/wallet-topups/", {"amount": "5.00"},
                                                format="json")
    assert r.status_code == 404
    assert not LedgerEntry.objects.exists()


def spelled(pk: int, how: str) -> str:
    """The id as a string Python's int() reads as `pk`, though it is not ASCII digits."""
    digits = str(pk)
    offsets = {"full-width": 0xFF10, "arabic-indic": 0x0660, "mathematical": 0x1D7CE}
    if how in offsets:
        return "".join(chr(offsets[how] + int(d)) for d in digits)
    return {"underscore": f"0_{digits}", "space": f" {digits}"}[how]


SPELLINGS = ["full-width", "arabic-indic", "mathematical", "underscore", "space"]


@pytest.mark.parametrize("how", SPELLINGS)
def test_an_id_in_a_body_is_ascii_digits_like_an_id_in_a_route(platform_api, store, how):
    """int() reads "１" as 1: a body naming store "１" would have written to store 1 while the
    route /stores/１/ is a 404. A body's id is refused as malformed, and nothing is written."""
    from merchants.models import Order, Product

    assert int(spelled(store.pk, how)) == store.pk
    product = Product.objects.create(store=store, title="p", category=store.main_category, price=10)
    order = {"store": spelled(store.pk, how), "product": product.pk, "buyer_id": "b1", "amount": "10.00",
             "paid_at": "2026-12-01T10:00:00+08:00", "channel": "taote", "payment_method": "standard"}
    r = platform_api.post("/api/v1/platform/orders/", order, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "store" in r.json()["fields"], r.content
    item = {"store": store.pk, "title": "t", "price": "1.00", "category": spelled(store.main_category_id, how)}
    r = platform_api.post("/api/v1/platform/products/", item, format="json")
    assert r.status_code == 400 and "category" in r.json()["fields"], r.content
    assert not Order.objects.exists() and Product.objects.count() == 1
    item["category"] = str(store.main_category_id)  # ASCII digits in a string are an id
    assert platform_api.post("/api/v1/platform/products/", item, format="json").status_code == 201


@pytest.mark.parametrize("how", SPELLINGS)
def test_an_id_in_a_query_is_ascii_digits_too(merchant_api, store, how):
    r = merchant_api.get("/api/v1/merchant/ledger-entries/", {"store": spelled(store.pk, how)})
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "store" in r.json()["fields"], r.content
    assert merchant_api.get("/api/v1/merchant/ledger-entries/", {"store": str(store.pk)}).status_code == 200
