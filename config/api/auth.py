from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from config.models import ApiToken, hash_token

from .throttling import spend


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; the key is looked up by its hash."""

    keyword = "Token"

    def authenticate(self, request):
        # Spend the request budget before anything can refuse the request, so that bad or
        # missing tokens are throttled too (config.api.throttling).
        # The idempotency middleware authenticates before the view does: the caller found then
        # is kept on the request, so that one request reads its token once.
        holder = getattr(request, "_request", request)
        cached = holder.__dict__.get("_api_token_auth")
        if cached is not None:
            spend(request, cached[1])  # already counted: the decision is kept per request
            return cached
        try:
            user_auth = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            spend(request, None)
            raise
        spend(request, user_auth[1] if user_auth else None)
        if user_auth is not None:
            holder.__dict__["_api_token_auth"] = user_auth
        return user_auth

    def authenticate_credentials(self, key):
        token = (ApiToken.objects.select_related("user")
                 .filter(key_hash=hash_token(key), revoked_at__isnull=True).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.auth.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <key>`"}
