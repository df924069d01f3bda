"""Django's Redis cache backend, minus one waste: `RedisCacheClient.get_client` builds a new
`redis.Redis` for every cache call, and each one fills a dict of ~170 response callbacks. Every
API request makes two cache calls (the throttling history), so that was a sixth of a trivial
request's Python time (bench/README.md, "the floor ladder"). A `redis.Redis` is only a thin,
thread-safe handle over its connection pool: one per pool is kept and reused. Nothing else
differs (servers, serializer, pool options, key handling are Django's)."""
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        # A Redis that went away must fail a call within seconds (the throttle then fails open,
        # config.api.throttling), not hang on an unanswered connect: OPTIONS may override.
        kwargs.setdefault("socket_connect_timeout", 1)
        kwargs.setdefault("socket_timeout", 2)
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
