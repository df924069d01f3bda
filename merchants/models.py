"""Stores, categories, products, orders, the wallet ledger, monthly metrics, violations and
the sanctions they impose (SPEC §1 and ground rules)."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def rate_field(verbose_name, **kwargs):
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4,
                               validators=[MinValueValidator(0), MaxValueValidator(1)], **kwargs)


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    is_fresh = models.BooleanField(_("fresh (生鲜)"), default=False)
    paylater_excluded = models.BooleanField(_("excluded from pay-later"), default=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")]

    def __str__(self):
        return self.name


class Store(models.Model):
    class Grade(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_stores",
                              verbose_name=_("owner"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_stores",
                                     verbose_name=_("members"))
    main_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="stores",
                                      verbose_name=_("main category"))
    city = models.CharField(_("city"), max_length=50)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.B)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    wallet_upgraded = models.BooleanField(_("wallet upgraded (安心钱包)"), default=False)
    base_limit = money_field(_("base credit limit"), default=ZERO,
                             help_text=_("Set by the monthly credit evaluation."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["base_limit"])

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(base_limit__gte=0), name="store_base_limit_gte_0")]

    def __str__(self):
        return self.name


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="products", verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products",
                                 verbose_name=_("category"))
    price = money_field(_("price"))
    listed = models.BooleanField(_("listed"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_gt_0")]

    def __str__(self):
        return self.title


class Order(models.Model):
    """An order pushed by the platform's order service. Pay-later orders run the lifecycle
    placed → receipt_confirmed → paid | advanced (→ recovered), or cancelled (SPEC §2);
    standard orders are paid when they arrive."""

    class Channel(models.TextChoices):
        TAOTE = "taote", _("Taote")
        OTHER = "other", _("other")

    class PaymentMethod(models.TextChoices):
        PAYLATER = "paylater", _("pay later (先用后付)")
        STANDARD = "standard", _("standard")

    class Status(models.TextChoices):
        PLACED = "placed", _("placed")
        RECEIPT_CONFIRMED = "receipt_confirmed", _("receipt confirmed")
        PAID = "paid", _("paid")
        ADVANCED = "advanced", _("platform advance")
        CANCELLED = "cancelled", _("cancelled")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders", verbose_name=_("product"))
    buyer_id = models.CharField(_("buyer id"), max_length=64, db_index=True)
    amount = money_field(_("amount"))
    paid_at = models.DateTimeField(_("paid at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    payment_method = models.CharField(_("payment method"), max_length=10, choices=PaymentMethod.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PAID)
    buyer_credit_score = models.PositiveSmallIntegerField(_("buyer credit score"), null=True, blank=True)
    fee = money_field(_("pay-later fee"), default=ZERO)
    receipt_confirmed_at = models.DateTimeField(_("receipt confirmed at"), null=True, blank=True)
    charged_at = models.DateTimeField(_("consumer charged at"), null=True, blank=True)
    advanced_at = models.DateTimeField(_("platform advance at"), null=True, blank=True)
    advance_recovered_at = models.DateTimeField(_("advance recovered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refunded_amount = money_field(_("refunded amount"), default=ZERO,
                                  help_text=_("Sum of refunds paid to the buyer (kept by the refunds app)."))
    refunded_at = models.DateTimeField(_("fully refunded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-paid_at", "-id"]
        # Covering (PostgreSQL INCLUDE; plain elsewhere): the logistics weekly settlement reads a
        # batch of stores' orders of one week from the index alone, in store order, instead of
        # pages scattered over the heap (bench/settlement.py: 3.3× → 2× the bare aggregate).
        indexes = [models.Index(fields=["store", "paid_at"], include=["id", "channel", "refunded_at"],
                                name="order_store_paid_at")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="order_amount_gt_0"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="order_fee_gte_0"),
            models.CheckConstraint(condition=models.Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                                   name="order_refunded_within_amount"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.amount}"


class LedgerEntry(models.Model):
    """One movement of a store's wallet (安心钱包). Append-only: the balance is the sum of
    entries; nothing updates or deletes an entry (database triggers back this up)."""

    class Kind(models.TextChoices):
        TOPUP = "topup", _("top-up")
        PAYLATER_FEE = "paylater_fee", _("pay-later fee")
        ORDER_PROCEEDS = "order_proceeds", _("order proceeds")
        REFUND = "refund", _("refund")
        FINE = "fine", _("fine")
        FINE_REVERSAL = "fine_reversal", _("fine reversal")
        INCENTIVE = "incentive", _("incentive")
        ADJUSTMENT = "adjustment", _("adjustment")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="ledger_entries",
                              verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = money_field(_("amount"), help_text=_("Signed: credits are positive, debits negative."))
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("What caused it, e.g. order:42."))
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=150, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "created_at"], name="ledger_store_created")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Ledger entries are append-only; post a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only; post a reversing entry instead.")


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
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="metrics_once_per_store_month")]

    @property
    def conversion_rate(self):
        """buyers ÷ UV (SPEC §1); None when either is missing or UV is 0."""
        if not self.uv or self.buyers is None:
            return None
        return (Decimal(self.buyers) / Decimal(self.uv)).quantize(Decimal("0.0001"))


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


# =========================================================================================
# Credit score, evaluation, limit-increase applications, penalties (SPEC §1)
# =========================================================================================
from merchants.crypto import EncryptedCharField, mask  # noqa: E402
from merchants.policy import SingletonPolicy  # noqa: E402


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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit score policy")
        verbose_name_plural = _("credit score policy")

    def weights(self) -> dict:
        return {Dimension.STORE_HEALTH: self.weight_store_health,
                Dimension.CAPITAL_TURNOVER: self.weight_capital_turnover,
                Dimension.RISK_CONTROL: self.weight_risk_control, Dimension.MARKET: self.weight_market}

    def clean(self):
        from django.core.exceptions import ValidationError

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
        from django.core.exceptions import ValidationError

        if self.zero_at is not None and self.zero_at == self.full_at:
            raise ValidationError({"full_at": _("Must differ from the value scoring 0.")})

    def scale(self, value) -> Decimal:
        if value is None:
            return Decimal("0")
        value = Decimal(value)
        fraction = (value - self.zero_at) / (self.full_at - self.zero_at)
        return (min(Decimal(1), max(Decimal(0), fraction)) * 100).quantize(Decimal("0.01"))


class CreditEvaluation(models.Model):
    """One store's credit evaluation for one closed month (SPEC §1): the history of scores and
    base limits. Re-evaluating the same month replaces its row."""

    class SalesSource(models.TextChoices):
        INGESTED = "ingested", _("ingested metrics")
        ORDERS = "orders", _("orders")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="credit_evaluations",
                              verbose_name=_("store"))
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
    evaluated_at = models.DateTimeField(_("evaluated at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit evaluation")
        verbose_name_plural = _("credit evaluations")
        ordering = ["-month", "store_id"]
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="credit_evaluation_once_per_month"),
                       models.CheckConstraint(condition=models.Q(base_limit__gte=0),
                                              name="credit_evaluation_base_limit_gte_0")]

    def __str__(self):
        return f"{self.store} {self.month:%Y-%m}: S={self.score} → {self.base_limit}"


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
        rule, _created = cls.objects.get_or_create(kind=kind, defaults=cls.DEFAULTS.get(kind, {}))
        return rule


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
        from django.core.exceptions import ValidationError

        if self.activation_step2_rate < self.activation_step1_rate:
            raise ValidationError({"activation_step2_rate": _("Must not be below step 1.")})


class CreditApplication(models.Model):
    """A limit-increase application (提额申请, SPEC §1). Sensitive numbers are encrypted at rest
    and only ever shown masked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

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
        return f"#{self.pk} {self.store} → {self.requested_limit}"

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
