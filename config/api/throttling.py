"""Request budgets (API.md "Throttling"): per token, and per client IP for requests without a
valid token. Over budget → 429 `throttled` with `Retry-After`.

Rates are settings (`API_THROTTLE_RATES`, from the environment); the history lives in the
`default` cache, shared by every web process (Redis when configured, else a folder under
VAR_DIR). DRF checks throttles only after authentication and permissions, so a caller with a
bad token or none at all would never be counted: the authenticator spends the budget first
(`spend`), and DRF's own check then sees the same decision instead of counting twice."""
import ipaddress

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from config.models import ApiToken


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
            allowed = super().allow_request(request, view)
            decisions[self.scope] = (allowed, None if allowed else SimpleRateThrottle.wait(self))
        allowed, self.retry_after = decisions[self.scope]
        return allowed

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


def spend(request, token: ApiToken | None) -> None:
    """Count this request against its budget now; 429 when over it."""
    for budget_class in BUDGETS:
        budget = budget_class()
        budget.token = token
        if token is None and budget_class is not AnonymousBudget:
            continue
        if not budget.allow_request(request, None):
            raise exceptions.Throttled(wait=max(1, budget.wait() or 1))
