"""The on-time shipping incentive plan (消费者体验升级计划, SPEC §4): per-store logistics
profile, plan enrollment, shipments with their deadlines, weekly settlement."""
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config import timeutil
from config.money import money_field, yuan
from merchants.models import Order, Store
from merchants.policy import SingletonPolicy


class PayoutMethod(models.TextChoices):
    CASH = "cash", _("cash to the wallet")
    AD_CREDIT = "ad_credit", _("ad credit (CPC 红包)")


class LogisticsPolicy(SingletonPolicy):
    """SPEC §4 numbers marked *(policy)*."""

    open_regions = models.TextField(
        _("open regions"), default="Wuhan\n武汉\nXiaogan\n孝感",
        help_text=_("Ship-from cities where the plan is open, one per line or comma-separated; matched "
                    "case-insensitively, a trailing 市 ignored."))
    base_deposit = money_field(_("base deposit"), default=Decimal("1000.00"), validators=[MinValueValidator(0)])
    deposit_increase = money_field(_("plan deposit increase"), default=Decimal("3000.00"),
                                   validators=[MinValueValidator(0)])
    payout_method = models.CharField(_("payout method"), max_length=10, choices=PayoutMethod.choices,
                                     default=PayoutMethod.CASH)
    pickup_followup_hours = models.PositiveIntegerField(
        _("follow up parcels without pickup after (hours)"), default=24)
    settlement_batch_size = models.PositiveIntegerField(
        _("stores per settlement batch"), default=500, validators=[MinValueValidator(1)],
        help_text=_("Each batch is one Celery task; more workers settle more batches at once."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("logistics plan policy")
        verbose_name_plural = _("logistics plan policy")

    @property
    def deposit_required(self) -> Decimal:
        return self.base_deposit + self.deposit_increase

    def region_names(self) -> set[str]:
        raw = self.open_regions.replace(",", "\n").replace("，", "\n").replace("、", "\n")
        return {normalise_city(name) for name in raw.splitlines() if normalise_city(name)}


def normalise_city(name: str) -> str:
    """`Wuhan`, `wuhan `, `武汉市` → comparable form: trimmed, case-folded, trailing 市 dropped."""
    name = (name or "").strip().casefold()
    if name.endswith("市"):
        name = name[:-1].strip()
    return name


class IncentiveTier(models.Model):
    """A dated incentive tier (SPEC §4): a week whose Monday falls in [valid_from, valid_until]
    uses the tiers valid then; the best tier whose thresholds are met applies."""

    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True,
                                   help_text=_("Inclusive; empty means until a new policy."))
    min_daily_average = models.DecimalField(_("minimum daily average orders (Y ≥)"), max_digits=10,
                                            decimal_places=2, validators=[MinValueValidator(0)])
    min_on_time_rate = models.DecimalField(_("minimum on-time rate (≥)"), max_digits=5, decimal_places=4,
                                           validators=[MinValueValidator(0)])
    per_parcel = models.DecimalField(_("incentive per picked-up parcel"), max_digits=6, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0.01"))])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incentive tier")
        verbose_name_plural = _("incentive tiers")
        ordering = ["-valid_from", "-min_daily_average"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__isnull=True)
                                   | models.Q(valid_until__gte=models.F("valid_from")), name="tier_dates_ordered"),
            models.CheckConstraint(condition=models.Q(min_on_time_rate__lte=1), name="tier_rate_lte_1"),
        ]

    def __str__(self):
        return f"Y ≥ {self.min_daily_average}, ≥ {self.min_on_time_rate:.2%} → {self.per_parcel}"


class LogisticsProfile(models.Model):
    """What the platform's logistics service reports about a store: official logistics (官方物流)
    enabled and the deposit paid (POST platform/stores/{id}/logistics-setup/)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="logistics_profile",
                                 verbose_name=_("store"))
    official_logistics_enabled = models.BooleanField(_("official logistics enabled"), default=False)
    deposit_paid = money_field(_("deposit paid"), default=Decimal("0.00"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("store logistics profile")
        verbose_name_plural = _("store logistics profiles")
        constraints = [models.CheckConstraint(condition=models.Q(deposit_paid__gte=0), name="profile_deposit_gte_0")]

    def __str__(self):
        return str(self.store)


class Enrollment(models.Model):
    """A store's membership of the plan. Counting starts T+2 local days after joining; the day of
    cancellation and later do not count. A store has at most one active enrollment."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS = {Status.ACTIVE: {Status.CANCELLED}, Status.CANCELLED: set()}

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="logistics_enrollments",
                              verbose_name=_("store"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    agreement_signed = models.BooleanField(_("service agreement signed"))
    withholding_signed = models.BooleanField(_("withholding agreement signed (支付宝代扣)"))
    ship_from_city = models.CharField(_("ship-from city"), max_length=50)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    counting_from = models.DateField(_("counting from"), help_text=_("Local date: joined + 2 days (T+2)."))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan enrollment")
        verbose_name_plural = _("plan enrollments")
        ordering = ["-joined_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store"], condition=models.Q(status="active"),
                                    name="logistics_one_active_enrollment_per_store"),
            models.CheckConstraint(condition=models.Q(status="active", cancelled_at__isnull=True)
                                   | models.Q(status="cancelled", cancelled_at__isnull=False),
                                   name="logistics_enrollment_cancel_consistent"),
        ]
        indexes = [models.Index(fields=["store", "counting_from"], name="logistics_enrol_store_from"),
                   models.Index(fields=["-joined_at", "-id"], name="logistics_enrol_list_order")]

    def __str__(self):
        return f"{self.store} · {self.get_status_display()}"


class Shipment(models.Model):
    """A parcel the merchant shipped for one order (once per order)."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="shipment",
                                 verbose_name=_("order"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("store"))
    tracking_no = models.CharField(_("tracking number"), max_length=64, unique=True)
    official_logistics = models.BooleanField(_("official logistics"))
    shipped_at = models.DateTimeField(_("shipped at"))
    deadline = models.DateTimeField(_("shipping deadline"),
                                    help_text=_("From the order's payment time; shipping at this instant is on time."))
    picked_up_at = models.DateTimeField(_("picked up at (揽收)"), null=True, blank=True)
    pickup_recorded_at = models.DateTimeField(_("pickup recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-shipped_at", "-id"]
        indexes = [
            # covering: a settlement batch reads its stores' shipments from the index alone
            models.Index(fields=["store", "shipped_at"], name="logistics_ship_store_shipped",
                         include=["order", "official_logistics", "deadline", "picked_up_at"]),
            models.Index(fields=["shipped_at"], condition=models.Q(picked_up_at__isnull=True),
                         name="logistics_ship_awaiting_pickup"),
            models.Index(fields=["-shipped_at", "-id"], name="logistics_ship_list_order"),
            # the admin's search by tracking number (`=tracking_no`: UPPER(tracking_no) = UPPER(%s)),
            # case-insensitive as operators type it; the unique index compares the column as stored
            models.Index(Upper("tracking_no"), name="logistics_ship_tracking_upper"),
        ]

    def __str__(self):
        return self.tracking_no


class SettlementRun(models.Model):
    """One attempt to settle a week. The work is split into batches (Celery tasks); each batch
    adds its figures to the run with F() updates and the last one to finish closes the run."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("finished with errors")

    TRANSITIONS = {Status.RUNNING: {Status.SUCCEEDED, Status.FAILED}, Status.SUCCEEDED: set(),
                   Status.FAILED: set()}

    week = models.DateField(_("week (Monday)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    triggered_by = models.CharField(_("triggered by"), max_length=100, blank=True)
    batches_total = models.PositiveIntegerField(_("batches"), default=0)
    batches_done = models.PositiveIntegerField(_("batches done"), default=0)
    batches_failed = models.PositiveIntegerField(_("batches failed"), default=0)
    stores = models.PositiveIntegerField(_("stores settled"), default=0)
    parcels = models.PositiveIntegerField(_("parcels paid"), default=0)
    total = money_field(_("total paid"), default=Decimal("0.00"))
    clawbacks = models.PositiveIntegerField(_("claw-backs"), default=0)
    errors = models.TextField(_("errors"), blank=True)
    history = HistoricalRecords(excluded_fields=["batches_done", "stores", "parcels", "total"])

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["-started_at", "-id"], name="logistics_run_list_order")]

    def __str__(self):
        return f"{timeutil.week_name(self.week)} · {self.get_status_display()}"

    @property
    def week_name(self):
        return timeutil.week_name(self.week)


class SettlementBatch(models.Model):
    """A slice of a run's stores. Done exactly once: the batch task locks this row, skips it
    when it is already done (a re-delivered task), and marks it done in the same transaction
    that writes the results."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    TRANSITIONS = {Status.PENDING: {Status.DONE, Status.FAILED}, Status.DONE: set(), Status.FAILED: set()}

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="batches", verbose_name=_("run"))
    number = models.PositiveIntegerField(_("number"))
    store_ids = models.JSONField(_("store ids"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    stores = models.PositiveIntegerField(_("stores settled"), default=0)
    parcels = models.PositiveIntegerField(_("parcels paid"), default=0)
    total = money_field(_("total paid"), default=Decimal("0.00"))
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["store_ids", "dispatched_at", "dispatches"])
    # When the batch was last queued (by its run, or again by the watchdog), and how many times:
    # a pending batch queued long ago in a run that makes no progress was lost with its worker.
    dispatched_at = models.DateTimeField(_("last dispatched at"), null=True, blank=True)
    dispatches = models.PositiveIntegerField(_("dispatches"), default=0)

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="logistics_batch_once_per_run")]

    def __str__(self):
        return f"{self.run_id}/{self.number} · {self.get_status_display()}"


class WeeklyResult(models.Model):
    """A store's evaluation and settlement for one Mon–Sun week: exactly one per store and week."""

    class Status(models.TextChoices):
        PAID = "paid", _("paid")
        NO_INCENTIVE = "no_incentive", _("no incentive")
        DISQUALIFIED = "disqualified", _("disqualified")

    # Created as paid / no_incentive / disqualified. A payout is clawed back when a disqualifying
    # violation is confirmed later (paid → disqualified), and paid again when every such violation
    # of the week has been revoked (disqualified → paid, only for a week that reached a tier).
    TRANSITIONS = {Status.PAID: {Status.DISQUALIFIED}, Status.NO_INCENTIVE: set(), Status.DISQUALIFIED: {Status.PAID}}

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="logistics_results",
                              verbose_name=_("store"))
    week = models.DateField(_("week (Monday)"))
    run = models.ForeignKey(SettlementRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="results",
                            verbose_name=_("run"))
    counted_days = models.PositiveSmallIntegerField(_("counted days"))
    orders = models.PositiveIntegerField(_("orders (denominator)"))
    on_time_orders = models.PositiveIntegerField(_("on-time orders"))
    daily_average = models.DecimalField(_("daily average (Y)"), max_digits=12, decimal_places=2, null=True,
                                        blank=True)
    on_time_rate = models.DecimalField(_("on-time rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    tier = models.DecimalField(_("tier (per parcel)"), max_digits=6, decimal_places=2, null=True, blank=True)
    parcels = models.PositiveIntegerField(_("picked-up parcels"))
    amount = money_field(_("amount"), default=Decimal("0.00"))
    payout = models.CharField(_("payout"), max_length=10, choices=PayoutMethod.choices, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    settled_at = models.DateTimeField(_("settled at"), default=timezone.now)
    clawed_back_at = models.DateTimeField(_("clawed back at"), null=True, blank=True)
    clawbacks = models.PositiveSmallIntegerField(_("claw-backs"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weekly result")
        verbose_name_plural = _("weekly results")
        ordering = ["-week", "store_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "week"], name="logistics_one_settlement_per_store_week"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="logistics_result_amount_gte_0"),
        ]
        indexes = [models.Index(fields=["week", "status"], name="logistics_result_week_status")]

    def __str__(self):
        return f"{self.store} · {timeutil.week_name(self.week)}"

    @property
    def ledger_key(self) -> str:
        return f"logistics:{self.store_id}:{timeutil.week_name(self.week)}"


class AdCreditGrant(models.Model):
    """An incentive paid as ad credit (CPC 红包) instead of cash; revoked when clawed back."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="ad_credit_grants",
                              verbose_name=_("store"))
    week = models.DateField(_("week (Monday)"))
    amount = money_field(_("amount"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ad-credit grant")
        verbose_name_plural = _("ad-credit grants")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["-granted_at"], name="logistics_ad_grant_list_order")]
        constraints = [
            models.UniqueConstraint(fields=["store", "week"], name="logistics_one_ad_grant_per_store_week"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="logistics_ad_grant_amount_gt_0"),
        ]

    def __str__(self):
        return f"#{self.store_id} · {timeutil.week_name(self.week)} · {yuan(self.amount)}"
