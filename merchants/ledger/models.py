"""The wallet ledger (安心钱包, SPEC ground rules): append-only entries; the balance is their sum."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.money import money_field, yuan
from merchants.stores.models import Store


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
        INCENTIVE_REVERSAL = "incentive_reversal", _("incentive reversal")
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
        indexes = [models.Index(fields=["store", "created_at"], name="ledger_store_created"),
                   # A store's balance (SUM of its amounts) read from the index alone, not from heap
                   # pages scattered over years of a busy store's entries (the store page and list).
                   models.Index(fields=["store"], include=["amount"], name="ledger_store_balance"),
                   # "Has this order's proceeds entry been posted?" (paylater.proceeds' due sweep looks
                   # for kind=order_proceeds, reference=order:<id> per order): one probe of this small
                   # partial index, however long the store's ledger. Single entries are found by their
                   # unique idempotency_key (merchants.orders.services.proceeds_key).
                   models.Index(fields=["reference"], condition=models.Q(kind="order_proceeds"),
                                name="ledger_proceeds_reference")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero")]

    def __str__(self):
        return f"{self.get_kind_display()} {yuan(self.amount)}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Ledger entries are append-only; post a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only; post a reversing entry instead.")
