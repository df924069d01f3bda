"""Limit-increase applications (提额申请, SPEC §1), their policy, and the working-day calendar
their review deadline runs on."""
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.crypto import mask
from config.money import money_field, yuan
from merchants.crypto import EncryptedCharField
from merchants.policy import SingletonPolicy
from merchants.stores.models import Store


class Holiday(models.Model):
    """Calendar exceptions for working days (review deadlines): a public holiday on a weekday,
    or a weekend day that is worked (调休) when `working_day` is set."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    working_day = models.BooleanField(_("worked (调休)"), default=False,
                                      help_text=_("Tick for a weekend day that is a working day."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday / calendar exception")
        verbose_name_plural = _("holidays / calendar exceptions")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class CreditApplicationPolicy(SingletonPolicy):
    """Numbers of the limit-increase rules SPEC §1 marks *(policy)*."""

    max_per_year = models.PositiveSmallIntegerField(_("applications per calendar year"), default=2)
    dsr_threshold = models.DecimalField(_("DSR threshold"), max_digits=3, decimal_places=2, default=Decimal("4.50"),
                                        validators=[MinValueValidator(0), MaxValueValidator(5)])
    dsr_months = models.PositiveSmallIntegerField(_("closed months all below the DSR threshold to refuse"),
                                                  default=3, validators=[MinValueValidator(1)])
    review_working_days = models.PositiveSmallIntegerField(
        _("review deadline (working days)"), default=5, validators=[MinValueValidator(3), MaxValueValidator(5)])
    activation_step1_rate = models.DecimalField(
        _("activation step 1 (volume ÷ increase)"), max_digits=5, decimal_places=4, default=Decimal("0.10"),
        validators=[MinValueValidator(0)])
    activation_step2_rate = models.DecimalField(
        _("activation step 2 (volume ÷ increase)"), max_digits=5, decimal_places=4, default=Decimal("0.20"),
        validators=[MinValueValidator(0)])
    pre_assessment_min_score = models.DecimalField(_("pre-assessment: minimum score S to recommend"),
                                                   max_digits=5, decimal_places=2, default=Decimal("60"))
    pre_assessment_factor = models.DecimalField(
        _("pre-assessment: suggested limit ÷ formula limit"), max_digits=5, decimal_places=2,
        default=Decimal("2"), validators=[MinValueValidator(0)],
        help_text=_("Suggested limit ≤ this × 3-month average sales × (3 + 2·S/100)."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("limit-increase policy")
        verbose_name_plural = _("limit-increase policy")

    def clean(self):
        if self.activation_step2_rate < self.activation_step1_rate:
            raise ValidationError({"activation_step2_rate": _("Must not be below step 1.")})


class CreditApplication(models.Model):
    """A limit-increase application (提额申请, SPEC §1). Sensitive numbers are encrypted at rest
    and only ever shown masked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    TRANSITIONS = {Status.PENDING: {Status.APPROVED, Status.REJECTED}, Status.APPROVED: set(),
                   Status.REJECTED: set()}

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("approve")
        REJECT = "reject", _("reject")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="credit_applications",
                              verbose_name=_("store"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_limit = money_field(_("requested limit"))
    business_license_no = EncryptedCharField(_("business licence number"))
    legal_rep_id_no = EncryptedCharField(_("legal representative ID number"))
    bank_account = EncryptedCharField(_("bank account"))
    operating_data = models.JSONField(_("last 3 months' operating data"), default=list)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("review due at"), db_index=True)
    effective_limit_at_submission = money_field(_("effective limit at submission"))
    recommendation = models.CharField(_("pre-assessment"), max_length=10, choices=Recommendation.choices)
    suggested_limit = money_field(_("suggested limit"))
    assessment_notes = models.TextField(_("pre-assessment notes"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    granted_limit = money_field(_("granted limit"), null=True, blank=True)
    reject_reason = models.TextField(_("reject reason"), blank=True)
    effective_limit_at_approval = money_field(_("effective limit at approval"), null=True, blank=True)
    step1_at = models.DateTimeField(_("half of the increase active since"), null=True, blank=True)
    step2_at = models.DateTimeField(_("full increase active since"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("limit-increase application")
        verbose_name_plural = _("limit-increase applications")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="credit_application_list_order")]
        constraints = [
            models.UniqueConstraint(fields=["store"], condition=models.Q(status="pending"),
                                    name="credit_application_one_pending_per_store"),
            models.CheckConstraint(condition=models.Q(requested_limit__gt=0), name="credit_application_requested_gt_0"),
            models.CheckConstraint(
                condition=models.Q(status="approved", granted_limit__isnull=False,
                                   effective_limit_at_approval__isnull=False) | ~models.Q(status="approved"),
                name="credit_application_approved_has_grant"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.store} → {yuan(self.requested_limit)}"

    def __repr__(self):
        return f"<CreditApplication #{self.pk} store={self.store_id} status={self.status}>"

    @property
    def increase(self) -> Decimal | None:
        if self.granted_limit is None or self.effective_limit_at_approval is None:
            return None
        return self.granted_limit - self.effective_limit_at_approval

    @property
    def business_license_masked(self) -> str:
        return mask(self.business_license_no)

    @property
    def legal_rep_id_masked(self) -> str:
        return mask(self.legal_rep_id_no)

    @property
    def bank_account_masked(self) -> str:
        return mask(self.bank_account)
