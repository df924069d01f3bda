"""Violations (违规), the dated sanctions they impose and the penalty policy (SPEC §1)."""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config import timeutil
from config.money import money_field
from merchants.policy import SingletonPolicy
from merchants.stores.models import Store


class Violation(models.Model):
    """A store's violation (违规). Opened pending by detectors or operators; confirming applies
    the penalty policy, revoking reverses it (SPEC §1)."""

    class Kind(models.TextChoices):
        FAKE_TRANSACTIONS = "fake_transactions", _("fake transactions (虚构交易)")
        EXCESS_ADVANCE = "excess_advance", _("excess advance (超额垫付)")
        AFTER_SALES_DELAY = "after_sales_delay", _("after-sales delay (售后延迟)")
        FAKE_SHIPPING = "fake_shipping", _("fake shipping (虚假发货)")

    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", _("pending review")
        CONFIRMED = "confirmed", _("confirmed")
        DISMISSED = "dismissed", _("dismissed")
        REVOKED = "revoked", _("revoked")

    TRANSITIONS = {
        Status.PENDING_REVIEW: {Status.CONFIRMED, Status.DISMISSED},
        Status.CONFIRMED: {Status.REVOKED},
        Status.DISMISSED: set(),
        Status.REVOKED: set(),
    }

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="violations", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_REVIEW)
    occurred_at = models.DateTimeField(_("occurred at"))
    detected_by = models.CharField(_("detected by"), max_length=100, blank=True,
                                   help_text=_("Detector or operator that opened it."))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=150, unique=True, null=True, blank=True,
                                 help_text=_("A detector opens at most one violation per key."))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("revoke reason"), blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    # What confirming applied (SPEC §1 penalty table), kept so revoking can reverse exactly it
    # and the merchant sees the penalty.
    penalty = models.JSONField(_("penalty applied"), default=dict, blank=True,
                               help_text=_("Snapshot of the penalty policy applied at confirmation."))
    limit_at_confirmation = money_field(_("effective limit at confirmation"), null=True, blank=True)
    fine_amount = money_field(_("fine"), null=True, blank=True)
    grade_before = models.CharField(_("grade before"), max_length=1, blank=True)
    grade_after = models.CharField(_("grade after"), max_length=1, blank=True)
    grade_changed_at = models.DateTimeField(_("grade changed at"), null=True, blank=True)
    grade_restored = models.BooleanField(_("grade restored on revoke"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["-occurred_at", "-id"], name="violation_list_order")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.store}"


class Sanction(models.Model):
    """A dated restriction a confirmed violation imposes. Whether it is in force is derived
    from its dates (no job lifts it); revoking the violation revokes its sanctions."""

    class Kind(models.TextChoices):
        CREDIT_FREEZE = "credit_freeze", _("credit frozen")
        RAISE_BAN = "raise_ban", _("no limit raise")
        PAYLATER_SUSPENSION = "paylater_suspension", _("pay-later suspended")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("store"))
    violation = models.ForeignKey(Violation, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="sanctions", verbose_name=_("violation"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        indexes = [models.Index(fields=["store", "kind", "ends_at"], name="sanction_store_kind_end")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="sanction_ends_after_start")]

    def __str__(self):
        start, end = timeutil.local(self.starts_at), timeutil.local(self.ends_at)  # the platform's calendar days
        return f"{self.get_kind_display()} · #{self.store_id} · {start:%Y-%m-%d} – {end:%Y-%m-%d}"


class PenaltyRule(models.Model):
    """The penalty a confirmed violation of one kind applies (SPEC §1 table), editable."""

    class GradeEffect(models.TextChoices):
        NONE = "none", _("none")
        SET_C = "set_c", _("set to C")
        LOWER_ONE = "lower_one", _("lower one step")

    kind = models.CharField(_("violation kind"), max_length=20, choices=Violation.Kind.choices, unique=True)
    fine_rate = models.DecimalField(_("fine (× effective limit)"), max_digits=5, decimal_places=4, default=0,
                                    validators=[MinValueValidator(0), MaxValueValidator(10)])
    freeze_days = models.PositiveSmallIntegerField(_("credit frozen (days)"), default=0)
    raise_ban_months = models.PositiveSmallIntegerField(_("no limit raise (months)"), default=0)
    paylater_suspension_months = models.PositiveSmallIntegerField(_("pay-later suspended (months)"), default=0)
    grade_effect = models.CharField(_("grade change"), max_length=10, choices=GradeEffect.choices,
                                    default=GradeEffect.NONE)
    forfeits_logistics_incentive = models.BooleanField(
        _("no logistics incentive for the week it occurred"), default=False,
        help_text=_("Read by the logistics settlement from the violation itself."))
    history = HistoricalRecords()

    DEFAULTS = {
        Violation.Kind.FAKE_TRANSACTIONS: dict(fine_rate=Decimal("0.50"), freeze_days=30, raise_ban_months=6,
                                               grade_effect=GradeEffect.SET_C, forfeits_logistics_incentive=True),
        Violation.Kind.EXCESS_ADVANCE: dict(fine_rate=Decimal("0.30"), freeze_days=15,
                                            paylater_suspension_months=3),
        Violation.Kind.AFTER_SALES_DELAY: dict(fine_rate=Decimal("0.20"), freeze_days=7,
                                               grade_effect=GradeEffect.LOWER_ONE),
        Violation.Kind.FAKE_SHIPPING: dict(forfeits_logistics_incentive=True),
    }

    class Meta:
        verbose_name = _("penalty rule")
        verbose_name_plural = _("penalty rules")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    @classmethod
    def for_kind(cls, kind: str) -> "PenaltyRule":
        """The saved rule for `kind`, or its defaults in memory (unsaved): reading never writes."""
        return cls.objects.filter(kind=kind).first() or cls(kind=kind, **cls.DEFAULTS.get(kind, {}))


class AppealPolicy(SingletonPolicy):
    """Appeals on confirmed violations (SPEC §5): the merchant appeals once, within N days of
    confirmation (policy, 7 by default)."""

    window_days = models.PositiveSmallIntegerField(
        _("appeal window (days after confirmation)"), default=7, validators=[MinValueValidator(1)],
        help_text=_("Half-open: an appeal at or after confirmation + N × 24 hours is refused."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal policy")
        verbose_name_plural = _("appeal policy")


class Appeal(models.Model):
    """A merchant's appeal (申诉) on a confirmed violation (SPEC §5): at most one per violation;
    operators uphold it or overturn it (which revokes the violation)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld")
        OVERTURNED = "overturned", _("overturned")

    # The allowed moves; `merchants.violations.appeals._transition` is the one place that applies them.
    TRANSITIONS = {
        Status.PENDING: {Status.UPHELD, Status.OVERTURNED},
        Status.UPHELD: set(),
        Status.OVERTURNED: set(),
    }

    violation = models.OneToOneField(Violation, on_delete=models.PROTECT, related_name="appeal",
                                     verbose_name=_("violation"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("store"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    statement = models.TextField(_("statement"))
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="appeal_status_submitted"),
                   models.Index(fields=["-submitted_at", "-id"], name="appeal_list_order")]

    def __str__(self):
        return f"{_('appeal')} #{self.pk} · {self.violation}"
