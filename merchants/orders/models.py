"""Orders pushed by the platform's order service (SPEC §2)."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config import states
from config.money import ZERO, money_field, yuan
from merchants.stores.models import Product, Store

# SPEC §2: pay-later orders that still use the credit limit (placed, receipt-confirmed, or
# advanced by the platform and not yet recovered). merchants.orders.selectors.exposure_q returns it.
EXPOSURE_Q = models.Q(payment_method="paylater") & (
    models.Q(status__in=["placed", "receipt_confirmed"])
    | models.Q(status="advanced", advance_recovered_at__isnull=True))


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

    # The one transition table of the pay-later lifecycle, by event: event → (statuses it may
    # happen in, status it leads to). A full refund before the charge cancels; recovering an
    # advance stamps advance_recovered_at and stays advanced. Standard orders arrive paid and
    # never move.
    EVENTS = {
        "confirm_receipt": ({Status.PLACED}, Status.RECEIPT_CONFIRMED),
        "charge": ({Status.RECEIPT_CONFIRMED}, Status.PAID),
        "advance": ({Status.RECEIPT_CONFIRMED}, Status.ADVANCED),
        "recover_advance": ({Status.ADVANCED}, Status.ADVANCED),
        "cancel": ({Status.PLACED, Status.RECEIPT_CONFIRMED}, Status.CANCELLED),
    }
    TRANSITIONS = states.events_table(EVENTS)

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
        # The second: a store's exposure (its open pay-later orders, merchants/orders/selectors.py)
        # from a small index instead of every order of a busy store (the store page: 0.4 s → ms).
        indexes = [models.Index(fields=["store", "paid_at"], include=["id", "channel", "refunded_at"],
                                name="order_store_paid_at"),
                   # The exposure per store (merchants.orders.selectors.exposure_q, the credit check of
                   # every pay-later order) summed from this index alone: only exposed orders are in
                   # it, so it stays as small as the open orders however many orders a store has.
                   # Its condition must stay exposure_q() word for word (the planner matches it).
                   models.Index(fields=["store"], include=["amount"], condition=EXPOSURE_Q,
                                name="order_store_exposure"),
                   # A store's pay-later orders as the merchant API pages them (newest first) and
                   # counts them (the page's `count`), from this index alone: counting through the
                   # store index visited one heap page per order of the store (a busy store's
                   # 10,000 orders: ~30 ms of a ~50 ms request). Only pay-later orders are in it.
                   models.Index(fields=["store", "-paid_at", "-id"], condition=models.Q(payment_method="paylater"),
                                name="order_paylater_list")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="order_amount_gt_0"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="order_fee_gte_0"),
            models.CheckConstraint(condition=models.Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                                   name="order_refunded_within_amount"),
        ]

    def __str__(self):
        return f"#{self.pk} {yuan(self.amount)}"
