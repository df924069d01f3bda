"""API.md "Throttling": a budget per token, and per client IP without a valid token; over it
→ 429 `throttled` with Retry-After. Test settings give budgets no other test reaches; these
tests lower them."""
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from config.api.throttling import _count_and_read
from config.cache import RedisCache
from merchants.models import LedgerEntry
from tests.conftest import Api
from tests.factories import StoreFactory, merchant_token, platform_token

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rates(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {"merchant": "3/min", "platform": "3/min", "anon": "5/min"}
    yield settings.API_THROTTLE_RATES
    cache.clear()


def assert_throttled(r):
    assert r.status_code == 429, r.content
    assert r.json()["code"] == "throttled"
    assert int(r["Retry-After"]) >= 1


def test_bad_tokens_from_one_ip_are_throttled_after_the_anonymous_budget(rates):
    client = Api().with_token("guessed-token")
    for _ in range(5):
        assert client.get("/api/v1/merchant/stores/").status_code == 401
    assert_throttled(client.get("/api/v1/merchant/stores/"))
    # a valid token from the same address still has its own budget
    assert Api().with_token(merchant_token(StoreFactory().owner)).get("/api/v1/merchant/stores/").status_code == 200


def test_requests_without_a_token_are_throttled_per_client_ip(rates):
    for _ in range(5):
        assert Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.1").status_code == 401
    assert_throttled(Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.1"))
    assert Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.2").status_code == 401


def test_a_spoofed_forwarded_for_header_does_not_reset_the_budget_without_a_trusted_proxy(rates):
    for i in range(5):
        Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}")
    assert_throttled(Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="9.9.9.9"))


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="spoof, 203.0.113.5")
    assert_throttled(Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.5"))
    assert Api().get("/api/v1/merchant/stores/", REMOTE_ADDR="10.0.0.9",
                     HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 401


def test_each_token_has_its_own_budget(rates):
    first = Api().with_token(merchant_token(StoreFactory().owner))
    second = Api().with_token(merchant_token(StoreFactory().owner))
    for _ in range(3):
        assert first.get("/api/v1/merchant/stores/").status_code == 200
    assert_throttled(first.get("/api/v1/merchant/stores/"))
    assert second.get("/api/v1/merchant/stores/").status_code == 200


def test_a_token_is_throttled_even_where_it_is_forbidden(rates):
    merchant = Api().with_token(merchant_token(StoreFactory().owner))
    for _ in range(3):
        assert merchant.post("/api/v1/platform/categories/", {"name": "x"}, format="json").status_code == 403
    assert_throttled(merchant.post("/api/v1/platform/categories/", {"name": "x"}, format="json"))


def test_a_throttled_post_does_not_act_and_is_not_recorded_for_replay(rates):
    store = StoreFactory()
    platform = Api().with_token(platform_token())
    url = f"/api/v1/platform/stores/{store.pk}/wallet-topups/"
    for i in range(3):
        assert platform.post(url, {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY=f"k{i}").status_code == 201
    assert_throttled(platform.post(url, {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k3"))
    assert LedgerEntry.objects.filter(store=store).count() == 3
    cache.clear()
    assert platform.post(url, {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k3").status_code == 201
    assert LedgerEntry.objects.filter(store=store).count() == 4


def test_the_budget_slides_the_previous_minute_out_rather_than_resetting_at_the_minute(rates):
    client = Api().with_token(merchant_token(StoreFactory().owner))
    with time_machine.travel(dt.datetime(2026, 11, 11, 0, 0, 10, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(3):
            assert client.get("/api/v1/merchant/stores/").status_code == 200
        clock.move_to(dt.datetime(2026, 11, 11, 0, 1, 10, tzinfo=dt.UTC))
        # a new minute, but 5/6 of the previous one is still within the last 60 s: 3 × 5/6 + 1 > 3
        refused = client.get("/api/v1/merchant/stores/")
        assert_throttled(refused)
        assert int(refused["Retry-After"]) == 10  # then 3 × 4/6 + 1 = 3 fits
        clock.move_to(dt.datetime(2026, 11, 11, 0, 1, 20, tzinfo=dt.UTC))
        assert client.get("/api/v1/merchant/stores/").status_code == 200
        assert_throttled(client.get("/api/v1/merchant/stores/"))


@pytest.fixture
def redis_cache(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (CELERY_BROKER_URL)")
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": settings.CELERY_BROKER_URL,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    yield caches["default"]


def test_on_redis_the_budget_counts_in_one_round_trip_and_refuses_over_it(rates, redis_cache):
    client = Api().with_token(merchant_token(StoreFactory().owner))
    for _ in range(3):
        assert client.get("/api/v1/merchant/stores/").status_code == 200
    assert_throttled(client.get("/api/v1/merchant/stores/"))


CLOSED_PORT_REDIS = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


def test_an_unreachable_cache_fails_open_with_a_warning(rates, caplog):
    """Redis away: the budgets cannot be counted, and the API keeps serving (it answered 500
    to every request, reads and anonymous calls included)."""
    client = Api().with_token(merchant_token(StoreFactory().owner))
    with override_settings(CACHES=CLOSED_PORT_REDIS), caplog.at_level("WARNING", logger="config.api.throttling"):
        for _ in range(5):  # over the budget of 3: nothing counts them
            assert client.get("/api/v1/merchant/stores/").status_code == 200
        r = Api().get("/api/v1/merchant/stores/")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
        r = Api().with_token("no-such-token").get("/api/v1/merchant/stores/")
        assert r.status_code == 401 and r.json()["code"] == "authentication_failed"
    warnings = [rec for rec in caplog.records if rec.name == "config.api.throttling"]
    assert len(warnings) == 1 and "cannot be reached" in warnings[0].getMessage()  # once, not per request


def test_a_write_goes_through_when_the_cache_is_unreachable(rates):
    store = StoreFactory()
    with override_settings(CACHES=CLOSED_PORT_REDIS):
        r = Api().with_token(platform_token()).post(f"/api/v1/platform/stores/{store.pk}/wallet-topups/",
                                                    {"amount": "10.00"}, format="json")
    assert r.status_code == 201, r.content
    assert LedgerEntry.objects.filter(store=store).count() == 1


def test_once_the_cache_is_back_the_budget_counts_again(rates, settings, redis_cache, monkeypatch):
    import config.api.throttling as throttling

    client = Api().with_token(merchant_token(StoreFactory().owner))
    backend = caches["default"]
    monkeypatch.setattr(throttling, "CACHE_RETRY_SECONDS", 0.2)
    real = throttling._count_and_read

    def down(*args, **kwargs):
        raise ConnectionError("Redis went away")
    monkeypatch.setattr(throttling, "_count_and_read", down)
    for _ in range(4):
        assert client.get("/api/v1/merchant/stores/").status_code == 200
    monkeypatch.setattr(throttling, "_count_and_read", real)
    backend._throttle_down_until = 0  # the retry delay passed
    for _ in range(3):
        assert client.get("/api/v1/merchant/stores/").status_code == 200
    assert_throttled(client.get("/api/v1/merchant/stores/"))


@pytest.mark.parametrize("backend", ["redis", "locmem"])
def test_concurrent_requests_are_all_counted(backend, settings):
    """DRF's history list lost the entries of requests that overlapped; a count loses none."""
    if backend == "redis":
        if not settings.CELERY_BROKER_URL.startswith("redis"):
            pytest.skip("needs Redis (CELERY_BROKER_URL)")
        cache_ = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    else:
        cache_ = LocMemCache(f"test-{uuid.uuid4().hex}", {})
    counts = []

    def spend_many():
        for _ in range(50):
            counts.append(_count_and_read(cache_, "current", "previous", timeout=120)[0])

    threads = [threading.Thread(target=spend_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 401))


def test_the_schema_documents_429_with_retry_after_and_401_on_every_operation(platform_api):
    schema = platform_api.get("/api/schema/?format=json").json()
    operations = [op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)]
    assert len(operations) > 40
    for op in operations:
        assert "Retry-After" in op["responses"]["429"]["headers"], op["operationId"]
        assert "401" in op["responses"], op["operationId"]


def _settings_in_subprocess(env_extra, *names):
    # DATABASE_URL stays (the test run's server): without it the settings would start an embedded
    # server of their own under VAR_DIR, and leave it running after the test
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CACHE_URL")}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="config.settings.local")
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_rates_and_the_shared_cache_come_from_the_environment(tmp_path):
    got = _settings_in_subprocess({"API_THROTTLE_ANON_RATE": "7/min", "VAR_DIR": str(tmp_path)},
                                  "API_THROTTLE_RATES", "CACHES")
    assert got["API_THROTTLE_RATES"]["anon"] == "7/min"
    assert got["CACHES"]["default"]["BACKEND"].endswith("FileBasedCache")  # embedded: a folder all processes share
    assert got["CACHES"]["default"]["LOCATION"].startswith(str(tmp_path))
    redis = _settings_in_subprocess({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/3", "VAR_DIR": str(tmp_path)},
                                    "CACHES")
    assert redis["CACHES"]["default"]["BACKEND"] == "config.cache.RedisCache"  # Django's, one client per pool
    assert redis["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_on_a_folder_cache_a_count_outlives_the_backends_default_timeout(tmp_path):
    """FileBasedCache's incr() rewrites the value with its default timeout (300 s): an hourly
    budget's count must still be there after that."""
    from django.core.cache.backends.filebased import FileBasedCache

    folder = FileBasedCache(str(tmp_path), {})
    with time_machine.travel(dt.datetime(2026, 11, 11, 0, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(3):
            _count_and_read(folder, "current", "previous", timeout=7200)
        clock.shift(dt.timedelta(minutes=30))
        assert _count_and_read(folder, "current", "previous", timeout=7200) == (4, 0)
