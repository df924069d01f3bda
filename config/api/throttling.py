"""Request budgets (API.md "Throttling"): per token, and per client IP for requests without a
valid token. Over budget → 429 `throttled` with `Retry-After`.

Rates are settings (`API_THROTTLE_RATES`, from the environment); the counts live in the
`default` cache, shared by every web process (Redis when configured, else a folder under
VAR_DIR).

Each budget is a sliding-window counter: one count per fixed window (the rate's period), and a
request is allowed while the current window's count plus the previous window's, weighted by how
much of it still lies within the last period, stays within the rate. DRF's own throttle keeps a
list of every request's time instead, read, rewritten whole and pickled on each request (at
6,000/min, 54 kB to and from Redis per request), and two concurrent requests overwrite each
other's entry; a count is one atomic increment (bench/README.md, "the floor ladder"). A refused
request is not counted, as with DRF's.

When the cache cannot be reached the budgets fail open, with a logged warning: the API keeps
serving, uncounted, and the cache is tried again every few seconds (`CACHE_RETRY_SECONDS`).

DRF checks throttles only after authentication and permissions, so a caller with a bad token or
none at all would never be counted: the authenticator spends the budget first (`spend`), and
DRF's own check then sees the same decision instead of counting twice."""
import ipaddress
import logging
import time

from django.conf import settings
from django.utils.connection import ConnectionProxy
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from config.models import ApiToken

log = logging.getLogger(__name__)
# A budget is protection, not the service: when its cache (Redis) is out of reach the API keeps
# answering, uncounted, and tries the cache again after this many seconds.
CACHE_ERRORS = (RedisError, OSError)
CACHE_RETRY_SECONDS = 5


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind `TRUSTED_PROXY_COUNT` proxies the address the nearest of them saw
    (counted from the right of X-Forwarded-For, which a client can prepend to but not trim).
    None when neither is a valid IP address (also used by django-axes, which stores it)."""
    meta = request.META
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    candidates = [forwarded[-min(count, len(forwarded))]] if count and forwarded else []
    for candidate in [*candidates, meta.get("REMOTE_ADDR") or ""]:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


class _Budget(SimpleRateThrottle):
    token = None

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        holder = getattr(request, "_request", request)
        decisions = holder.__dict__.setdefault("_api_budgets", {})
        if self.scope not in decisions:
            decisions[self.scope] = self._spend(request, view)
        allowed, self.retry_after = decisions[self.scope]
        return allowed

    def _spend(self, request, view) -> tuple[bool, float | None]:
        """Count this request in its window unless that puts the sliding count over the rate:
        (allowed, seconds until one more request fits when refused)."""
        if self.rate is None:
            return True, None
        key = self.get_cache_key(request, view)
        if key is None:
            return True, None
        now = self.timer()
        window, into = divmod(now, self.duration)
        current, previous = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        backend = _backend(self.cache)
        if getattr(backend, "_throttle_down_until", 0) > time.monotonic():
            return True, None
        try:
            count, before = _count_and_read(self.cache, current, previous, timeout=2 * self.duration)
            weight = 1 - into / self.duration
            if before * weight + count <= self.num_requests:
                return True, None
            _uncount(self.cache, current)
        except CACHE_ERRORS:
            _fail_open(backend)
            return True, None
        return False, self._wait(count - 1, before, into)

    def _wait(self, count: int, before: int, into: float) -> float:
        """Seconds until `before * weight + count + 1 <= rate`, the weight falling with time."""
        room = self.num_requests - 1 - count
        if room >= 0 and before:  # within this window, once enough of the previous one slid out
            wait = max(0.0, self.duration * (1 - room / before) - into)
        else:  # in the next window, where this window's count is the weighted one
            wait = self.duration - into + (self.duration * (1 - (self.num_requests - 1) / count) if count else 0.0)
        return round(wait, 6)  # Retry-After rounds up: no 11 s for 10.000000000000004

    def wait(self):
        return self.retry_after

    def _token(self, request):
        if self.token is not None:
            return self.token
        auth = getattr(request, "_auth", None)  # never re-enter authentication
        return auth if isinstance(auth, ApiToken) else None


class TokenBudget(_Budget):
    """Per token; merchant and platform tokens have their own rate."""

    scope = "token"  # no rate of its own: see the kind-specific subclasses

    def get_cache_key(self, request, view):
        token = self._token(request)
        if token is None:
            return None
        return self.cache_format % {"scope": f"token_{token.kind}", "ident": token.pk}


class MerchantTokenBudget(TokenBudget):
    scope = "merchant"

    def get_cache_key(self, request, view):
        token = self._token(request)
        return super().get_cache_key(request, view) if token and token.kind == ApiToken.Kind.MERCHANT else None


class PlatformTokenBudget(TokenBudget):
    scope = "platform"

    def get_cache_key(self, request, view):
        token = self._token(request)
        return super().get_cache_key(request, view) if token and token.kind == ApiToken.Kind.PLATFORM else None


class AnonymousBudget(_Budget):
    """Per client IP, for requests without a valid token (failed attempts included)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if self._token(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


BUDGETS = (MerchantTokenBudget, PlatformTokenBudget, AnonymousBudget)


def _count_and_read(cache, current: str, previous: str, *, timeout: int) -> tuple[int, int]:
    """Add one to `current` (kept `timeout` seconds) and read `previous`: (current, previous).
    On Redis one round trip (INCR, EXPIRE, GET in a pipeline); elsewhere through the cache API."""
    client = _redis_client(cache)
    if client is not None:
        current_key, previous_key = cache.make_and_validate_key(current), cache.make_and_validate_key(previous)
        pipe = client.pipeline(transaction=False)
        pipe.incr(current_key)
        pipe.expire(current_key, timeout)
        pipe.get(previous_key)
        count, _expiry, before = pipe.execute()
        return int(count), int(before or 0)
    if cache.add(current, 1, timeout):
        count = 1
    else:
        try:
            count = cache.incr(current)
            cache.touch(current, timeout)  # some backends' incr() resets the timeout to their default
        except ValueError:  # expired between the two calls
            cache.add(current, 1, timeout)
            count = 1
    return count, int(cache.get(previous) or 0)


def _uncount(cache, current: str) -> None:
    try:
        cache.decr(current)
    except ValueError:
        pass


def _backend(cache):
    """The cache backend itself behind django.core.cache.cache (a per-thread proxy)."""
    return cache._connections[cache._alias] if isinstance(cache, ConnectionProxy) else cache


def _fail_open(backend) -> None:
    """The counts are out of reach: serve without a budget for CACHE_RETRY_SECONDS rather than
    answer every request with a 500 (issue 23), then try the cache again."""
    backend._throttle_down_until = time.monotonic() + CACHE_RETRY_SECONDS
    log.warning("throttling: the cache cannot be reached; requests are not counted for the next %s s",
                CACHE_RETRY_SECONDS, exc_info=True)


def _redis_client(cache):
    """The Redis client behind `cache` when it is config.cache.RedisCache, else None."""
    from config.cache import RedisCache

    backend = _backend(cache)
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True)
    return None


def spend(request, token: ApiToken | None) -> None:
    """Count this request against its budget now; 429 when over it."""
    for budget_class in BUDGETS:
        budget = budget_class()
        budget.token = token
        if token is None and budget_class is not AnonymousBudget:
            continue
        if not budget.allow_request(request, None):
            raise exceptions.Throttled(wait=max(1, budget.wait() or 1))
