"""Pay-later (先用后付): enrollment, activities and their product items, fee rates, monthly fee
statements and invoice requests (SPEC §2). Pay-later orders themselves are merchants.Order
rows with payment_method=paylater; their lifecycle lives in paylater.services."""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.money import ZERO, money_field, yuan
from merchants.models import Product, Store
from merchants.policy import SingletonPolicy


class PaylaterPolicy(SingletonPolicy):
    """The numbers SPEC §2 marks *(policy)*. Excluded categories are the
    `Category.paylater_excluded` flags (edited on the categories)."""

    price_cap = money_field(_("price cap"), default=Decimal("200.00"),
                            help_text=_("A product is eligible only if its price is BELOW this amount "
                                        "(200元以上 are not covered; 以上 includes the number)."))
    standard_fee_rate = models.DecimalField(
        _("standard fee rate"), max_digits=7, decimal_places=4, default=Decimal("0.0100"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("A fraction (0.0100 is 1.00%), for orders paid on a day no dated fee rate covers."))
    min_buyer_credit_score = models.PositiveSmallIntegerField(
        _("minimum buyer credit score"), default=80, help_text=_("Buyers scoring at least this may pay later."))
    excess_advance_daily_limit = money_field(
        _("excess-advance daily limit"), default=Decimal("50000.00"),
        help_text=_("Platform advances for one store in one local day above this open a pending violation."))
    proceeds_cycle_days = models.PositiveSmallIntegerField(
        _("proceeds cycle (days after completion)"), default=0,
        help_text=_("Order proceeds are credited to the wallet this many days after the consumer is charged "
                    "or the platform advances (0: at once); never earlier."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay-later policy")
        verbose_name_plural = _("pay-later policy")


class FeeRate(models.Model):
    """A dated fee rate (e.g. a promotion). The rate for an order is the row covering the local
    date of its `paid_at` with the latest start; with none, the policy's standard rate."""

    name = models.CharField(_("name"), max_length=100)
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=4,
                               validators=[MinValueValidator(0), MaxValueValidator(1)],
                               help_text=_("A fraction: 0.0100 is 1.00%."))
    starts_on = models.DateField(_("first local day"), null=True, blank=True,
                                 help_text=_("Empty: applies from the beginning."))
    ends_on = models.DateField(_("last local day (inclusive)"), null=True, blank=True,
                               help_text=_("Empty: no end."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay-later fee rate")
        verbose_name_plural = _("pay-later fee rates")
        ordering = [models.F("starts_on").asc(nulls_first=True), "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")), name="feerate_end_not_before_start"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=1), name="feerate_rate_fraction"),
        ]

    def __str__(self):
        return f"{self.name} {self.rate * 100:.2f}%"


class Enrollment(models.Model):
    """A store's pay-later service (开通). One row per store: the latest attempt's outcome.
    A refused store may try again (refused → active); an active one stays enrolled."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REFUSED = "refused", _("refused")

    # A refused store may try again: refused again (one more attempt) or enrolled.
    TRANSITIONS = {Status.REFUSED: {Status.REFUSED, Status.ACTIVE}, Status.ACTIVE: set()}

    store = models.OneToOneField(Store, on_delete=models.PROTECT, related_name="paylater_enrollment",
                                 verbose_name=_("store"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    refusal_code = models.CharField(_("refusal code"), max_length=40, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"))
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay-later enrollment")
        verbose_name_plural = _("pay-later enrollments")
        ordering = ["-last_attempt_at", "-id"]
        indexes = [models.Index(fields=["-last_attempt_at", "-id"], name="paylater_enrol_list_order")]
        constraints = [models.CheckConstraint(
            condition=Q(status="refused") | Q(enrolled_at__isnull=False), name="enrollment_active_has_date")]

    def __str__(self):
        return f"{self.store} · {self.get_status_display()}"


class Lifecycle(models.TextChoices):
    """Derived status of an activity and of an item (never stored)."""

    NOT_STARTED = "not_started", _("not started")
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class Activity(models.Model):
    """An activity (活动): long-term, or short-term with start < end. Status is derived from
    now, starts_at, ends_at and the manual end `ended_at` (see selectors.activity_status)."""

    class Duration(models.TextChoices):
        LONG_TERM = "long_term", _("long-term (长期有效)")
        SHORT_TERM = "short_term", _("short-term (短期有效)")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="paylater_activities",
                              verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=100)
    duration = models.CharField(_("duration"), max_length=10, choices=Duration.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended by hand at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pay-later activity")
        verbose_name_plural = _("pay-later activities")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="paylater_activity_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(duration="long_term", ends_at__isnull=True)
                           | Q(duration="short_term", ends_at__isnull=False, ends_at__gt=models.F("starts_at"))),
                name="activity_duration_dates"),
        ]

    def __str__(self):
        return self.name


class ActivityItem(models.Model):
    """One product in an activity; can be ended alone (`ended_at`). A product is in at most
    one item that has not ended (checked with the product rows locked; see services)."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="items",
                                 verbose_name=_("activity"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="paylater_items",
                                verbose_name=_("product"))
    ended_at = models.DateTimeField(_("ended by hand at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity item")
        verbose_name_plural = _("activity items")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["activity", "product"], name="activity_item_once")]

    def __str__(self):
        return f"{self.activity} · {self.product}"


class FeeStatement(models.Model):
    """Monthly fee statement of one store (closed months only); totals are the month's
    `paylater_fee` ledger entries."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="paylater_fee_statements",
                              verbose_name=_("store"))
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    fee_total = money_field(_("fee total"), default=ZERO)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)

    class Meta:
        verbose_name = _("fee statement")
        verbose_name_plural = _("fee statements")
        ordering = ["-month", "store_id"]
        indexes = [models.Index(fields=["-month", "store"], name="fee_statement_list_order")]
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="fee_statement_once_per_store_month"),
            models.CheckConstraint(condition=Q(fee_total__gte=0), name="fee_statement_total_gte_0"),
        ]

    def __str__(self):
        return f"{self.store} · {self.month:%Y-%m}"


class InvoiceRequest(models.Model):
    """An invoice (发票) for a fee statement: requested once by the merchant, issued with a
    number by an operator."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ISSUED = "issued", _("issued")

    TRANSITIONS = {Status.REQUESTED: {Status.ISSUED}, Status.ISSUED: set()}

    statement = models.OneToOneField(FeeStatement, on_delete=models.PROTECT, related_name="invoice",
                                     verbose_name=_("statement"))
    title = models.CharField(_("invoice title"), max_length=200)
    tax_id = models.CharField(_("tax id"), max_length=30)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["-requested_at", "-id"], name="invoice_request_list_order")]
        constraints = [models.CheckConstraint(
            condition=Q(status="requested") | (Q(issued_at__isnull=False) & ~Q(invoice_number="")),
            name="invoice_issued_has_number")]

    def __str__(self):
        return f"{self.statement} · {self.get_status_display()}"


class RefusalCode(models.TextChoices):
    """Why intake refused a pay-later order (the 400's `code`, SPEC §2 "Orders")."""

    CREDIT_LIMIT_EXCEEDED = "credit_limit_exceeded", _("credit limit exceeded")
    BUYER_NOT_ELIGIBLE = "buyer_not_eligible", _("buyer's credit score too low")
    PRODUCT_NOT_IN_ACTIVITY = "product_not_in_activity", _("product not in an active activity")
    PAYLATER_NOT_ENROLLED = "paylater_not_enrolled", _("store not enrolled")
    STORE_SUSPENDED = "store_suspended", _("store suspended")
    PAYLATER_SUSPENDED = "paylater_suspended", _("pay-later service suspended")
    STORE_FROZEN = "store_frozen", _("credit frozen")
    PRODUCT_NOT_IN_STORE = "product_not_in_store", _("product of another store")
    TIMESTAMP_IN_FUTURE = "timestamp_in_future", _("payment time in the future")


class Refusal(models.Model):
    """A pay-later order intake refused (SPEC §6 "Orders lost to the limit"): committed with the
    400 answer (no order is written), so that a store sees what the limit and the other refusals
    cost it. No buyer data beyond the buyer reference."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="paylater_refusals",
                              verbose_name=_("store"))
    amount = money_field(_("amount"))
    code = models.CharField(_("refusal code"), max_length=40, choices=RefusalCode.choices)
    available = money_field(_("available limit"), null=True, blank=True)
    buyer_id = models.CharField(_("buyer reference"), max_length=64)
    at = models.DateTimeField(_("refused at"))

    class Meta:
        verbose_name = _("refused pay-later order")
        verbose_name_plural = _("refused pay-later orders")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "at"], name="paylater_refusal_store_at"),
                   models.Index(fields=["at"], name="paylater_refusal_at")]

    def __str__(self):  # the change page's title: the store, why and how much, as an operator reads it
        return f"{self.store} · {self.get_code_display()} · {yuan(self.amount)}"

    @property
    def shortfall(self):
        """How much the order was above the available limit (credit_limit_exceeded only)."""
        if self.code != "credit_limit_exceeded" or self.available is None:
            return None
        return self.amount - self.available


class LimitLowNotice(models.Model):
    """`credit_limit.low` was decided for this store on this local day: the unique pair makes it
    at most once per store per local day, also when two intakes decide it at the same moment."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    day = models.DateField(_("local day"))
    trigger = models.CharField(_("trigger"), max_length=20)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("low-limit notice")
        verbose_name_plural = _("low-limit notices")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="paylater_limit_low_once_a_day")]

    def __str__(self):
        return f"{self.store_id} · {self.day:%Y-%m-%d} · {self.trigger}"
