"""config.cache.RedisCache: Django's Redis cache with one client per connection pool instead of a
new `redis.Redis` per call (bench/README.md, "the floor ladder")."""
import uuid

import pytest
from django.conf import settings

from config.cache import RedisCache


@pytest.fixture
def redis_cache():
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (CELERY_BROKER_URL)")
    return RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_every_call_reuses_one_client_over_the_same_pool(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    assert client.connection_pool is redis_cache._cache._get_connection_pool(True)


def test_it_stores_reads_counts_and_forgets_as_djangos_backend(redis_cache):
    redis_cache.set("history", [1.5, 2.5], 60)
    assert redis_cache.get("history") == [1.5, 2.5]
    assert redis_cache.add("history", [], 60) is False
    redis_cache.set("n", 1, 60)
    assert redis_cache.incr("n") == 2
    redis_cache.delete_many(["history", "n"])
    assert redis_cache.get("history") is None and redis_cache.get("n") is None
