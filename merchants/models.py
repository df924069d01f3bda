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
        indexes = [models.Index(fields=["store", "paid_at"], name="order_store_paid_at")]
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
