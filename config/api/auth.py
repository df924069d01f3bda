from django.db import connections, router
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
        token = active_token(hash_token(key))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


_MARKER = "compiled-once-key-hash-marker"
_LOOKUPS = {}  # database alias → (sql, params with the marker, converters, (model, columns, names) × 2)


def _lookup_queryset(key_hash):
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash, revoked_at__isnull=True)[:1]


def active_token(key_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash, its user loaded by the same statement; None if none.

    Every API request runs this, so the ORM compiles the statement once per database (it was a
    fifth of a trivial request's Python time: bench/README.md, "the floor ladder"); each request
    substitutes the hash, runs it and builds the two rows as the ORM would (field converters,
    `from_db`). The statement is the queryset of `_lookup_queryset`, unchanged."""
    using = router.db_for_read(ApiToken)
    entry = _LOOKUPS.get(using)
    if entry is None:
        compiler = _lookup_queryset(_MARKER).query.get_compiler(using)
        sql, params = compiler.as_sql()
        if list(params).count(_MARKER) != 1:
            raise ValueError("the token lookup's parameters changed shape")
        token_info = compiler.klass_info
        [user_info] = token_info["related_klass_infos"]
        select = compiler.select
        converters = list(compiler.get_converters([expression for expression, _sql, _alias in select]).items())
        parts = [(info["model"], info["select_fields"], [select[i][0].target.attname for i in info["select_fields"]])
                 for info in (token_info, user_info)]
        entry = _LOOKUPS[using] = (sql, list(params), converters, parts)
    sql, params, converters, parts = entry
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash if value == _MARKER else value for value in params])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for position, (functions, expression) in converters:  # as SQLCompiler.apply_converters
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    (token_model, token_fields, token_names), (user_model, user_fields, user_names) = parts
    token = token_model.from_db(using, token_names, [row[i] for i in token_fields])
    token.user = user_model.from_db(using, user_names, [row[i] for i in user_fields])
    return token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.auth.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <key>`"}
