import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """An API key. Only its SHA-256 is stored; the key itself is shown once at creation."""

    class Kind(models.TextChoices):
        MERCHANT = "merchant", _("Merchant user")
        PLATFORM = "platform", _("Platform service client")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False,
                              help_text=_("First characters of the key, to recognise it."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, kind: str, name: str) -> tuple["ApiToken", str]:
        key = secrets.token_hex(20)
        token = cls.objects.create(user=user, kind=kind, name=name, key_hash=hash_token(key), prefix=key[:8])
        return token, key


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for duplicates."""

    scope = models.CharField(max_length=64, help_text="hash of the caller's token")
    path = models.CharField(max_length=300)
    key = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "path", "key"], name="idempotency_once_per_key")]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self):
        return f"{self.path} · {self.key}"


class Heartbeat(models.Model):
    """Last time the worker ran, and beat published, the heartbeat task (for /healthz)."""

    name = models.CharField(max_length=20, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name


class OperatorLanguage(models.Model):
    """The admin language an operator chose in the header menu, kept for every browser they use."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="operator_language", verbose_name=_("user"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("operator language")
        verbose_name_plural = _("operator languages")

    def __str__(self):
        return f"{self.user_id}: {self.language}"
