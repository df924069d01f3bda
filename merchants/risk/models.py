"""Monthly risk self-check (每月风控自检, SPEC §5): per store and closed month, seven risk points,
each with a value, a warning level and a limit (policy), and the worst status."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from merchants.policy import SingletonPolicy
from merchants.stores.models import Store

from .points import POINTS


class RiskStatus(models.TextChoices):
    OK = "ok", _("ok")
    WARNING = "warning", _("warning")
    BREACH = "breach", _("breach")


SEVERITY = {RiskStatus.OK: 0, RiskStatus.WARNING: 1, RiskStatus.BREACH: 2}


def _level(name, default):
    return models.DecimalField(name, max_digits=10, decimal_places=4, default=Decimal(default),
                               validators=[MinValueValidator(0)])


class RiskPolicy(SingletonPolicy):
    """Warning level and limit of each risk point (SPEC §5, §6). A point above its warning level
    warns, at or above its limit breaches (以上 includes the number); DSR is the other way round:
    below the warning level warns, below the limit breaches, and three months falling warns
    (`points.grade_sql`)."""

    dispute_rate_warning = _level(_("dispute rate: warning at"), "0.012")  # the seed's industry average
    dispute_rate_limit = _level(_("dispute rate: limit"), "0.018")  # the seed's "bad"
    return_rate_warning = _level(_("return rate: warning at"), "0.10")
    return_rate_limit = _level(_("return rate: limit"), "0.15")  # the credit score's 0-point
    late_shipment_rate_warning = _level(_("late-shipment rate: warning at"), "0.15")  # the plan pays from 85%
    late_shipment_rate_limit = _level(_("late-shipment rate: limit"), "0.30")
    dsr_warning = _level(_("DSR: warning below"), "4.5")  # the raise rule's bar
    dsr_limit = _level(_("DSR: limit (breach below)"), "4.0")
    unrecovered_advances_warning = _level(_("unrecovered advances ÷ effective limit: warning at"), "0.10")
    unrecovered_advances_limit = _level(_("unrecovered advances ÷ effective limit: limit"), "0.30")
    complaint_response_hours_warning = _level(_("complaint response hours: warning at"), "24")  # the 24 h promise
    complaint_response_hours_limit = _level(_("complaint response hours: limit"), "48")
    inventory_turnover_days_warning = _level(_("inventory turnover days: warning at"), "28")  # industry 28 days
    inventory_turnover_days_limit = _level(_("inventory turnover days: limit"), "45")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk self-check policy")
        verbose_name_plural = _("risk self-check policy")

    def levels(self, code: str) -> tuple[Decimal, Decimal]:
        return getattr(self, f"{code}_warning"), getattr(self, f"{code}_limit")

    def clean(self):
        errors = {}
        for code, higher_is_worse in POINTS.items():
            warning, limit = self.levels(code)
            if warning is not None and limit is not None and (limit < warning if higher_is_worse else limit > warning):
                errors[f"{code}_limit"] = _("The limit must be beyond the warning level.")
        if errors:
            raise ValidationError(errors)


class RiskCheck(models.Model):
    """One store's self-check for one closed month; a re-check of the month replaces it."""

    # No index of its own: the unique (store, month) constraint's index serves lookups by store
    # (one index fewer for the monthly batch's inserts, issue 16).
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="risk_checks", verbose_name=_("store"),
                              db_index=False)
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=RiskStatus.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), help_text=_("0 ok, 1 warning, 2 breach"))
    points = models.JSONField(_("risk points"), default=list,
                              help_text=_("code, value, warning_at, limit_at, status per point."))
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("risk self-check")
        verbose_name_plural = _("risk self-checks")
        ordering = ["-month", "-severity", "store_id"]
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="risk_check_once_per_month")]
        indexes = [models.Index(fields=["month", "severity"], name="risk_check_month_severity")]

    def __str__(self):
        return f"{self.store} {self.month:%Y-%m}: {self.get_status_display()}"


class StoreRisk(Store):
    """Stores as the operators' risk list sees them (worst status first, 6-month trend)."""

    class Meta:
        proxy = True
        verbose_name = _("store risk")
        verbose_name_plural = _("store risks (by worst status)")
