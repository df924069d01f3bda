"""Credit score and limit (SPEC §1): monthly metrics, the scoring policy and indicators, and
each month's evaluation."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.money import money_field, rate, rate_field, yuan
from merchants.policy import SingletonPolicy
from merchants.stores.models import Store


class StoreMetrics(models.Model):
    """Monthly store metrics, ingested by platform services (SPEC §1); `month` is the 1st."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="metrics", verbose_name=_("store"))
    month = models.DateField(_("month"))
    monthly_sales = money_field(_("monthly sales"), null=True, blank=True)
    dsr_score = models.DecimalField(_("DSR score"), max_digits=3, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(0), MaxValueValidator(5)])
    repeat_rate = rate_field(_("repeat rate"))
    on_time_rate = rate_field(_("on-time rate"))
    collection_cycle_days = models.DecimalField(_("collection cycle (days)"), max_digits=7, decimal_places=2,
                                                null=True, blank=True, validators=[MinValueValidator(0)])
    inventory_turnover_days = models.DecimalField(_("inventory turnover (days)"), max_digits=7, decimal_places=2,
                                                  null=True, blank=True, validators=[MinValueValidator(0)])
    net_cash_flow = money_field(_("net cash flow"), null=True, blank=True)
    dispute_rate = rate_field(_("dispute rate"))
    return_rate = rate_field(_("return rate"))
    complaint_response_hours = models.DecimalField(_("complaint response (hours)"), max_digits=7,
                                                   decimal_places=2, null=True, blank=True,
                                                   validators=[MinValueValidator(0)])
    category_rank_percentile = rate_field(_("category rank percentile"))
    top_products_share = rate_field(_("top products share"))
    marketing_participation = rate_field(_("marketing participation"))
    uv = models.PositiveIntegerField(_("UV"), null=True, blank=True)
    pv = models.PositiveIntegerField(_("PV"), null=True, blank=True)
    ctr = rate_field(_("CTR"))
    bounce_rate = rate_field(_("bounce rate"))
    buyers = models.PositiveIntegerField(_("buyers"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("monthly store metrics")
        verbose_name_plural = _("monthly store metrics")
        ordering = ["-month", "store_id"]
        indexes = [models.Index(fields=["-month", "store"], name="store_metrics_list_order")]
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="metrics_once_per_store_month")]

    @property
    def conversion_rate(self):
        """buyers ÷ UV (SPEC §1); None when either is missing or UV is 0."""
        if not self.uv or self.buyers is None:
            return None
        return rate(self.buyers, self.uv)

    def __str__(self):
        return f"#{self.store_id} · {self.month:%Y-%m}"


class Dimension(models.TextChoices):
    STORE_HEALTH = "store_health", _("store health")
    CAPITAL_TURNOVER = "capital_turnover", _("capital turnover")
    RISK_CONTROL = "risk_control", _("risk control")
    MARKET = "market", _("market competitiveness")


class CreditScorePolicy(SingletonPolicy):
    """Weights of the four dimensions in the composite score S (SPEC §1: 40/30/20/10).
    They must sum to 100."""

    weight_store_health = models.PositiveSmallIntegerField(_("store health weight (%)"), default=40,
                                                           validators=[MaxValueValidator(100)])
    weight_capital_turnover = models.PositiveSmallIntegerField(_("capital turnover weight (%)"), default=30,
                                                               validators=[MaxValueValidator(100)])
    weight_risk_control = models.PositiveSmallIntegerField(_("risk control weight (%)"), default=20,
                                                           validators=[MaxValueValidator(100)])
    weight_market = models.PositiveSmallIntegerField(_("market competitiveness weight (%)"), default=10,
                                                     validators=[MaxValueValidator(100)])
    min_multiple = models.DecimalField(_("limit multiple at S=0"), max_digits=5, decimal_places=2,
                                       default=Decimal("3"), validators=[MinValueValidator(0)])
    max_multiple = models.DecimalField(_("limit multiple at S=100"), max_digits=5, decimal_places=2,
                                       default=Decimal("5"), validators=[MinValueValidator(0)])
    eco_packaging_bonus_rate = models.DecimalField(
        _("eco-packaging bonus rate"), max_digits=5, decimal_places=4, default=Decimal("0.0050"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("A store verified as using degradable packaging gets base limit × (1 + rate), "
                    "before rounding down to 100 (SPEC §5). 0.0050 = 0.5%."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit score policy")
        verbose_name_plural = _("credit score policy")

    def weights(self) -> dict:
        return {Dimension.STORE_HEALTH: self.weight_store_health,
                Dimension.CAPITAL_TURNOVER: self.weight_capital_turnover,
                Dimension.RISK_CONTROL: self.weight_risk_control, Dimension.MARKET: self.weight_market}

    def clean(self):
        total = sum(self.weights().values())
        if total != 100:
            raise ValidationError(_("The dimension weights must sum to 100%% (now %(total)s%%).") % {"total": total})
        if self.max_multiple < self.min_multiple:
            raise ValidationError({"max_multiple": _("Must not be below the multiple at S=0.")})


class CreditIndicator(models.Model):
    """How one indicator scales into 0–100 (SPEC §1, "documented, configurable scaling").

    Linear between `zero_at` (scores 0) and `full_at` (scores 100), clamped outside; when
    `full_at` < `zero_at` lower is better (e.g. dispute rate). A dimension's score is the
    weighted mean of its indicators' scores; a missing indicator scores 0."""

    class Name(models.TextChoices):
        REPEAT_RATE = "repeat_rate", _("repeat rate")
        DSR_SCORE = "dsr_score", _("DSR score")
        ON_TIME_RATE = "on_time_rate", _("on-time shipping rate")
        COLLECTION_CYCLE_DAYS = "collection_cycle_days", _("collection cycle (days)")
        INVENTORY_TURNOVER_DAYS = "inventory_turnover_days", _("inventory turnover (days)")
        CASH_FLOW_RATIO = "cash_flow_ratio", _("net cash flow ÷ monthly sales")
        DISPUTE_RATE = "dispute_rate", _("dispute rate")
        RETURN_RATE = "return_rate", _("return rate")
        COMPLAINT_RESPONSE_HOURS = "complaint_response_hours", _("complaint response (hours)")
        CATEGORY_RANK_PERCENTILE = "category_rank_percentile", _("category rank (top fraction)")
        TOP_PRODUCTS_SHARE = "top_products_share", _("top products' share of sales")
        MARKETING_PARTICIPATION = "marketing_participation", _("marketing participation")

    name = models.CharField(_("indicator"), max_length=40, choices=Name.choices, unique=True)
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    weight = models.DecimalField(_("weight in its dimension"), max_digits=5, decimal_places=2, default=1,
                                 validators=[MinValueValidator(0)],
                                 help_text=_("Relative to the other indicators of the same dimension."))
    zero_at = models.DecimalField(_("value scoring 0"), max_digits=14, decimal_places=4)
    full_at = models.DecimalField(_("value scoring 100"), max_digits=14, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit score indicator")
        verbose_name_plural = _("credit score indicators")
        ordering = ["dimension", "name"]
        constraints = [models.CheckConstraint(condition=~models.Q(zero_at=models.F("full_at")),
                                              name="credit_indicator_scale_not_flat")]

    def __str__(self):
        return self.get_name_display()

    def clean(self):
        if self.zero_at is not None and self.zero_at == self.full_at:
            raise ValidationError({"full_at": _("Must differ from the value scoring 0.")})


class CreditEvaluation(models.Model):
    """One store's credit evaluation for one closed month (SPEC §1): the history of scores and
    base limits. Re-evaluating the same month replaces its row."""

    class SalesSource(models.TextChoices):
        INGESTED = "ingested", _("ingested metrics")
        ORDERS = "orders", _("orders")

    # No index of its own: the unique (store, month) constraint's index serves lookups by store,
    # and one index fewer to maintain makes the monthly batch's 10,000 inserts cheaper (issue 16).
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="credit_evaluations",
                              verbose_name=_("store"), db_index=False)
    month = models.DateField(_("month"))
    monthly_sales = money_field(_("monthly sales"))
    sales_source = models.CharField(_("sales from"), max_length=10, choices=SalesSource.choices)
    score = models.DecimalField(_("score S"), max_digits=5, decimal_places=2)
    store_health = models.DecimalField(_("store health"), max_digits=5, decimal_places=2)
    capital_turnover = models.DecimalField(_("capital turnover"), max_digits=5, decimal_places=2)
    risk_control = models.DecimalField(_("risk control"), max_digits=5, decimal_places=2)
    market = models.DecimalField(_("market competitiveness"), max_digits=5, decimal_places=2)
    indicators = models.JSONField(_("indicators"), default=dict,
                                  help_text=_("Per indicator: value, source and 0–100 score."))
    missing = models.JSONField(_("missing indicators"), default=list)
    base_limit = money_field(_("base limit"))
    eco_bonus_rate = models.DecimalField(_("eco-packaging bonus rate applied"), max_digits=5, decimal_places=4,
                                         default=Decimal("0"))
    evaluated_at = models.DateTimeField(_("evaluated at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit evaluation")
        verbose_name_plural = _("credit evaluations")
        ordering = ["-month", "store_id"]
        indexes = [models.Index(fields=["-month", "store"], name="credit_evaluation_list_order")]
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="credit_evaluation_once_per_month"),
                       models.CheckConstraint(condition=models.Q(base_limit__gte=0),
                                              name="credit_evaluation_base_limit_gte_0")]

    def __str__(self):
        return f"{self.store} {self.month:%Y-%m}: S={self.score} → {yuan(self.base_limit)}"


class EcoPackaging(models.Model):
    """A store verified by the platform as using degradable packaging (SPEC §5, eco-packaging
    bonus). Counts from the next evaluation; every change is audited."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="eco_packaging",
                                 verbose_name=_("store"))
    verified = models.BooleanField(_("verified"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("eco-packaging verification")
        verbose_name_plural = _("eco-packaging verifications")

    def __str__(self):
        state = _("verified") if self.verified else _("not verified")
        return f"{self.store}: {state}"
