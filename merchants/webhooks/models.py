"""Signed webhooks (SPEC §5): merchants' endpoints, the event outbox, and deliveries with
every attempt recorded."""
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config import timeutil
from merchants.crypto import EncryptedCharField
from merchants.stores.models import Store

from .attempt_words import attempt_error


class EventType(models.TextChoices):
    """The event catalogue (SPEC §5); `ping` is only sent by the endpoint test."""

    REFUND_CASE_OPENED = "refund_case.opened", _("refund case opened")
    REFUND_CASE_AGREED = "refund_case.agreed", _("refund case agreed")
    REFUND_CASE_REFUNDED = "refund_case.refunded", _("refund case refunded")
    REFUND_CASE_CONTESTED = "refund_case.contested", _("returned parcel contested by the merchant")
    REFUND_CASE_CONTEST_DECIDED = "refund_case.contest_decided", _("contested return decided")
    NEGOTIATION_ANSWERED = "negotiation.answered", _("negotiation answered")
    VIOLATION_OPENED = "violation.opened", _("violation opened")
    VIOLATION_CONFIRMED = "violation.confirmed", _("violation confirmed")
    VIOLATION_REVOKED = "violation.revoked", _("violation revoked")
    CREDIT_LIMIT_CHANGED = "credit_limit.changed", _("credit limit changed")
    CREDIT_LIMIT_LOW = "credit_limit.low", _("pay-later limit running low")
    CREDIT_APPLICATION_DECIDED = "credit_application.decided", _("limit-increase application decided")
    LOGISTICS_WEEK_SETTLED = "logistics.week_settled", _("logistics week settled")
    RISK_CHECK_WARNING = "risk_check.warning", _("risk self-check warning")
    PING = "ping", _("ping (test)")


def new_event_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


class WebhookEndpoint(models.Model):
    """Where a store wants its events. The secret is shown once and stored encrypted; after a
    rotation the previous secret keeps signing until `previous_secret_expires_at`."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_endpoints",
                              verbose_name=_("store"))
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("event types"), default=list)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret = EncryptedCharField(_("signing secret"))
    previous_secret = EncryptedCharField(_("previous signing secret"), blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["secret", "previous_secret"])

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]
        indexes = [models.Index(fields=["store", "enabled"], name="webhook_endpoint_store")]

    def __str__(self):
        return f"{self.store} → {self.url}"

    def signing_secrets(self, at=None) -> list[str]:
        """The secrets a delivery is signed with now: the current one, plus the previous one
        during the 24 hours after a rotation (SPEC §5)."""
        at = at or timezone.now()
        keys = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and at < self.previous_secret_expires_at:
            keys.append(self.previous_secret)
        return keys


class WebhookEvent(models.Model):
    """The outbox: written in the same transaction as the change it reports, so a change
    that rolls back leaves no event. `event_id` is the `webhook-id` of every delivery of it."""

    event_id = models.CharField(_("event id"), max_length=40, unique=True, default=new_event_id)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_events",
                              verbose_name=_("store"))
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_type_display()} {self.event_id}"  # the type in words (admin titles)

    def payload(self) -> dict:
        """The JSON body of a delivery (SPEC §5: `{id, type, created_at, store, data}`)."""
        return {"id": self.event_id, "type": self.type, "created_at": timeutil.local(self.created_at).isoformat(),
                "store": self.store_id, "data": self.data}


class WebhookDelivery(models.Model):
    """One event to one endpoint, retried with backoff until delivered or 3 days have passed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    TRANSITIONS = {Status.PENDING: {Status.DELIVERED, Status.FAILED}, Status.DELIVERED: set(),
                   Status.FAILED: set()}

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries",
                              verbose_name=_("event"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("replay of"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Its moves (delivered, failed) are written in bulk by the delivery job (config.states).
    history = HistoricalRecords(excluded_fields=["next_attempt_at", "last_status_code", "attempts"])

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        # The dispatcher's probe: pending deliveries by due time (one index range scan).
        indexes = [models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"),
                                name="webhook_delivery_due"),
                   models.Index(fields=["endpoint", "created_at"], name="webhook_delivery_endpoint"),
                   models.Index(fields=["-created_at", "-id"], name="webhook_delivery_list_order")]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.get_status_display()})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, the answer, how long it took, and the first
    bytes of the response (or the network error)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log",
                                 verbose_name=_("delivery"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"))
    response_excerpt = models.TextField(_("response (first bytes)"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.status_code or attempt_error(self.error)} · {self.latency_ms} ms"
