"""Refund cases (售后单), the one-time negotiation (协商), per-store automation rules and the
refund policy (SPEC §3). Deadlines live on the rows; the timeout sweep acts on them."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config import states
from config.money import money_field, yuan
from merchants.models import Order, Store
from merchants.policy import SingletonPolicy


class RefundPolicy(SingletonPolicy):
    """The numbers SPEC §3 marks *(policy)*; operators edit them in the admin."""

    merchant_decision_hours = models.PositiveIntegerField(
        _("merchant decision window (hours)"), default=36,
        help_text=_("From opening; past it an undecided case is agreed as originally requested."))
    negotiation_answer_hours = models.PositiveIntegerField(
        _("negotiation answer window (hours)"), default=36,
        help_text=_("Never past the case's own decision deadline."))
    return_ship_days = models.PositiveIntegerField(
        _("buyer return-shipping window (days)"), default=7,
        help_text=_("After a return is agreed; past it an unshipped return is closed."))
    refund_after_receipt_hours = models.PositiveIntegerField(
        _("refund after received return (hours)"), default=48,
        help_text=_("Past it the system refunds and opens an after-sales-delay violation."))
    receipt_confirm_days = models.PositiveIntegerField(
        _("confirm a shipped return within (days)"), default=10,
        help_text=_("After the buyer ships the return; past it the system refunds the buyer (no violation)."))
    escalation_days = models.PositiveIntegerField(
        _("escalation window after rejection (days)"), default=7)
    evidence_max_files = models.PositiveIntegerField(
        _("evidence files per side (at most)"), default=9,
        help_text=_("Files each side (merchant, buyer) may add to one refund case."))
    evidence_max_file_mb = models.PositiveIntegerField(
        _("evidence file size (MB, at most)"), default=10,
        help_text=_("Each file at most this many megabytes (1 MB = 1,048,576 bytes)."))
    product_experience_reasons = models.CharField(
        _("product-experience reasons"), max_length=200, default="quality,not_as_described",
        help_text=_("Comma-separated reason codes counted by the product experience refund rate."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refund policy")
        verbose_name_plural = _("refund policy")

    @property
    def evidence_max_file_bytes(self) -> int:
        return self.evidence_max_file_mb * 1024 * 1024

    def reason_codes(self) -> list[str]:
        return [r.strip() for r in self.product_experience_reasons.split(",") if r.strip()]


class RefundType(models.TextChoices):
    REFUND_ONLY = "refund_only", _("refund only (仅退款)")
    RETURN_REFUND = "return_refund", _("return and refund (退货退款)")


class RefundReason(models.TextChoices):
    QUALITY = "quality", _("quality")
    NOT_AS_DESCRIBED = "not_as_described", _("not as described")
    NO_REASON_7D = "no_reason_7d", _("7-day no-reason return")
    NOT_RECEIVED = "not_received", _("not received")
    DAMAGED = "damaged", _("damaged")
    WRONG_ITEM = "wrong_item", _("wrong item")
    MISSING_ITEM = "missing_item", _("missing item")
    OTHER = "other", _("other")


class RefundRules(models.Model):
    """A store's automation switches (SPEC §3), applied when a case is opened."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="refund_rules",
                                 verbose_name=_("store"))
    auto_agree_unshipped_refund_only = models.BooleanField(
        _("auto-agree refund-only before shipment"), default=False)
    auto_agree_no_reason_return = models.BooleanField(
        _("auto-agree 7-day no-reason returns"), default=False)
    return_address = models.CharField(
        _("default return address"), max_length=300, blank=True,
        help_text=_("Used when a return is agreed without an address (rules, timeouts)."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("store refund rules")
        verbose_name_plural = _("store refund rules")

    def __str__(self):
        return str(self.store)


class RefundCase(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending merchant decision")
        AWAITING_RETURN = "awaiting_return", _("awaiting return")
        RETURN_RECEIVED = "return_received", _("return received")
        RETURN_DISPUTED = "return_disputed", _("return contested by the merchant")
        REFUNDED = "refunded", _("refunded")
        REJECTED = "rejected", _("rejected")
        ESCALATED = "escalated", _("escalated to the platform")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled by the buyer")

    class Judgement(models.TextChoices):
        SELLER = "seller_responsible", _("seller responsible")
        BUYER = "buyer_responsible", _("buyer responsible")

    # A case in one of these is "open": at most one per order (database constraint). A rejected
    # case is not open — the merchant decided; escalating it re-opens it (refused if another case
    # on the order is open meanwhile).
    OPEN_STATUSES = (Status.PENDING, Status.AWAITING_RETURN, Status.RETURN_RECEIVED, Status.ESCALATED,
                     Status.RETURN_DISPUTED)

    # The one transition table, by event: event → (statuses it may happen in, status it leads to).
    # A case is refunded by an agreement, a refunded return or a judgement, so moves need names.
    EVENTS = {
        "agree_refund_only": ({Status.PENDING}, Status.REFUNDED),
        "agree_return": ({Status.PENDING}, Status.AWAITING_RETURN),
        "reject": ({Status.PENDING}, Status.REJECTED),
        "cancel": ({Status.PENDING}, Status.CANCELLED),
        "close_unreturned": ({Status.AWAITING_RETURN}, Status.CLOSED),
        "receive_return": ({Status.AWAITING_RETURN}, Status.RETURN_RECEIVED),
        "refund_unconfirmed_return": ({Status.AWAITING_RETURN}, Status.REFUNDED),
        "refund_return": ({Status.RETURN_RECEIVED}, Status.REFUNDED),
        "escalate": ({Status.REJECTED}, Status.ESCALATED),
        "judge_seller_responsible": ({Status.ESCALATED}, Status.REFUNDED),
        "judge_buyer_responsible": ({Status.ESCALATED}, Status.CLOSED),
        # SPEC §6: the merchant contests a received return instead of refunding it; the operator
        # decides (refunds/services/contest.py). No clock runs on a disputed case.
        "contest": ({Status.RETURN_RECEIVED}, Status.RETURN_DISPUTED),
        "decide_contest_full_refund": ({Status.RETURN_DISPUTED}, Status.REFUNDED),
        "decide_contest_partial_refund": ({Status.RETURN_DISPUTED}, Status.REFUNDED),
        "decide_contest_no_refund": ({Status.RETURN_DISPUTED}, Status.CLOSED),
    }
    TRANSITIONS = states.events_table(EVENTS)

    Type = RefundType
    Reason = RefundReason

    # No index of their own for `store`, `status` and `merchant_deadline`: `refundcase_store_opened`
    # and `refundcase_open_deadline` answer the lookups (an open status, the deadline only
    # with the pending one, refunds.selectors; the final statuses are most of the table, where an
    # index would not be used). Every status change
    # updates every index of the row (and of its history row), so each redundant index was paid
    # by every move of every case: the timeout sweep's UPDATE and history INSERT (issue 16).
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="refund_cases", verbose_name=_("store"),
                              db_index=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refund_cases", verbose_name=_("order"))
    buyer_id = models.CharField(_("buyer id"), max_length=64, db_index=True)
    type = models.CharField(_("type"), max_length=20, choices=RefundType.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=RefundReason.choices)
    amount = money_field(_("amount"))
    requested_type = models.CharField(_("requested type"), max_length=20, choices=RefundType.choices)
    requested_amount = money_field(_("requested amount"))
    shipped = models.BooleanField(_("shipped"), help_text=_("A shipment on record wins over the platform's flag."))
    shipped_flag = models.BooleanField(_("shipped (as sent by the platform)"))
    first_on_order = models.BooleanField(_("first case on its order"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    merchant_deadline = models.DateTimeField(_("merchant decision deadline"))  # read with the status: its index
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_address = models.CharField(_("return address"), max_length=300, blank=True)
    return_address_set_at = models.DateTimeField(
        _("return address set at"), null=True, blank=True,
        help_text=_("When the merchant gave the address of a return agreed without one; the buyer's "
                    "ship-back window starts then."))
    return_ship_deadline = models.DateTimeField(_("buyer must ship the return by"), null=True, blank=True)
    tracking_no = models.CharField(_("return tracking number"), max_length=64, blank=True)
    return_shipped_at = models.DateTimeField(_("return shipped at"), null=True, blank=True)
    return_delivered_at = models.DateTimeField(
        _("return delivered at"), null=True, blank=True,
        help_text=_("When the return parcel reached the merchant, as the platform's logistics tracking reports it."))
    receipt_confirm_deadline = models.DateTimeField(
        _("merchant must confirm the return by"), null=True, blank=True,
        help_text=_("Past it the system refunds the buyer."))
    return_received_at = models.DateTimeField(_("return received at"), null=True, blank=True)
    refund_deadline = models.DateTimeField(_("refund due by"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    reject_reason = models.TextField(_("rejection reason"), blank=True)
    escalation_deadline = models.DateTimeField(_("buyer may escalate until"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    judgement = models.CharField(_("judgement"), max_length=20, choices=Judgement.choices, blank=True)
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True,
                                     help_text=_("When it was closed or cancelled."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # History is read case by case (by `id`, which keeps its index): the copies of the case's
    # lookup indexes were written by every move of every case and never read, a third of the
    # pages a sweep batch dirtied in the history table (issue 16).
    history = HistoricalRecords(no_db_index=["store", "order", "buyer_id", "opened_at", "merchant_deadline"])

    class Meta:
        verbose_name = _("refund case")
        verbose_name_plural = _("refund cases")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["store", "opened_at"], name="refundcase_store_opened"),
                   # Open cases only: what reads it asks for an open status (the decision clock, due
                   # soon, the escalated queue); a case that is closed, refunded, rejected or cancelled
                   # leaves it, so those moves (every move of the sweep) write no entry here (0041).
                   models.Index(fields=["status", "merchant_deadline"], name="refundcase_open_deadline",
                                condition=models.Q(status__in=["pending", "awaiting_return", "return_received",
                                                               "escalated"])),
                   # One index per sweep clock (refunds.selectors *_due_q), so a sweep with nothing due is
                   # one index probe per clock whatever the table size (decision 0032).
                   models.Index(fields=["return_ship_deadline"], name="refundcase_return_ship_due",
                                condition=models.Q(status="awaiting_return", return_shipped_at__isnull=True)),
                   models.Index(fields=["receipt_confirm_deadline"], name="refundcase_receipt_due",
                                condition=models.Q(status="awaiting_return", return_shipped_at__isnull=False)),
                   models.Index(fields=["refund_deadline"], name="refundcase_refund_due",
                                condition=models.Q(status="return_received"))]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=models.Q(status__in=[
                "pending", "awaiting_return", "return_received", "escalated", "return_disputed"]),
                name="refundcase_one_open_per_order"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refundcase_amount_gt_0"),
            models.CheckConstraint(condition=models.Q(amount__lte=models.F("requested_amount")),
                                   name="refundcase_amount_within_request"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_type_display()} {yuan(self.amount)}"

    @property
    def return_address_missing(self) -> bool:
        """SPEC decisions: a return agreed by a rule or the timeout with no address anywhere
        waits in `awaiting_return` until the merchant sets one (see `return_address_missing_q`)."""
        return self.status == self.Status.AWAITING_RETURN and not self.return_address


def return_address_missing_q(prefix: str = "") -> models.Q:
    """The one home of "waiting for a return address" (the property above, in SQL)."""
    return models.Q(**{f"{prefix}status": RefundCase.Status.AWAITING_RETURN, f"{prefix}return_address": ""})


class Negotiation(models.Model):
    """The merchant's one proposal per case (代客修改退款单)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted by the buyer")
        REJECTED = "rejected", _("rejected by the buyer")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked by the merchant's decision")

    TRANSITIONS = {
        Status.OPEN: {Status.ACCEPTED, Status.REJECTED, Status.EXPIRED, Status.REVOKED},
        Status.ACCEPTED: set(),
        Status.REJECTED: set(),
        Status.EXPIRED: set(),
        Status.REVOKED: set(),
    }

    # One negotiation per case, ever: the OneToOne is the database constraint.
    case = models.OneToOneField(RefundCase, on_delete=models.CASCADE, related_name="negotiation",
                                verbose_name=_("refund case"))
    type = models.CharField(_("proposed type"), max_length=20, choices=RefundType.choices)
    amount = money_field(_("proposed amount"))
    return_address = models.CharField(_("return address"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    expires_at = models.DateTimeField(_("buyer must answer before"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("proposed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("negotiation")
        verbose_name_plural = _("negotiations")
        ordering = ["-proposed_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="negotiation_amount_gt_0")]
        indexes = [models.Index(fields=["expires_at"], name="negotiation_open_expiry",
                                condition=models.Q(status="open"))]

    def __str__(self):
        return f"{self.get_type_display()} {yuan(self.amount)} ({self.get_status_display()})"


class StoreRefundKpi(Store):
    """Stores seen through their refund KPIs (an admin screen; no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("store refund KPIs")
        verbose_name_plural = _("store refund KPIs")


class EvidenceSide(models.TextChoices):
    MERCHANT = "merchant", _("merchant")
    BUYER = "buyer", _("buyer")


class Evidence(models.Model):
    """A statement and files one side adds to a refund case (SPEC §6, seed 003: photos, signed
    delivery slips, chat records, brand authorisation, invoices). Never changed or deleted: the
    history row written with it names who added it (refunds/evidence.py)."""

    Side = EvidenceSide

    case = models.ForeignKey(RefundCase, on_delete=models.PROTECT, related_name="evidence",
                             verbose_name=_("refund case"))
    side = models.CharField(_("side"), max_length=10, choices=EvidenceSide.choices)
    statement = models.TextField(_("statement"), blank=True)
    added_at = models.DateTimeField(_("added at"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("added by (user)"))
    added_by_label = models.CharField(_("added by"), max_length=200,
                                      help_text=_("The merchant user, or the buyer through the platform."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["case", "side"], name="evidence_case_side")]

    def __str__(self):
        return f"#{self.pk} {self.get_side_display()} · {_('refund case')} #{self.case_id}"


class EvidenceFile(models.Model):
    """One file of an evidence entry. The bytes are in the private `evidence` storage under a
    random key (never a URL); the type was detected from the bytes."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="files",
                                 verbose_name=_("evidence"))
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_key = models.CharField(_("storage key"), max_length=300, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(size__gt=0), name="evidencefile_size_gt_0")]

    def __str__(self):
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ContestReason(models.TextChoices):
    MISSING_ITEMS = "missing_items", _("items missing from the returned parcel")
    NOT_RESELLABLE = "not_resellable", _("returned goods not resellable")
    WRONG_ITEM_RETURNED = "wrong_item_returned", _("a different item was returned")


class ContestDecision(models.TextChoices):
    FULL_REFUND = "full_refund", _("full refund")
    PARTIAL_REFUND = "partial_refund", _("partial refund")
    NO_REFUND = "no_refund", _("no refund")


class Contest(models.Model):
    """The merchant's contest of a received return (SPEC §6, seed 003), one per case, and the
    operator's decision on it (refunds/services/contest.py)."""

    Reason = ContestReason
    Decision = ContestDecision

    case = models.OneToOneField(RefundCase, on_delete=models.PROTECT, related_name="contest",
                                verbose_name=_("refund case"))
    reason = models.CharField(_("reason"), max_length=30, choices=ContestReason.choices)
    statement = models.TextField(_("statement"))
    contested_at = models.DateTimeField(_("contested at"))
    contested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("contested by"))
    decision = models.CharField(_("decision"), max_length=20, choices=ContestDecision.choices, blank=True)
    refunded_amount = money_field(_("refunded amount"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contested return")
        verbose_name_plural = _("contested returns")
        ordering = ["-contested_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(refunded_amount__gte=0),
                                              name="contest_refunded_amount_gte_0")]

    def __str__(self):
        return f"{_('refund case')} #{self.case_id} · {self.get_reason_display()}"
