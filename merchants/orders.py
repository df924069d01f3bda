"""Order bookkeeping other apps call (refunds money back to buyers)."""
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError

from .models import LedgerEntry, Order
from .services import ledger_post, money


@transaction.atomic
def order_record_refund(*, order_id: int, amount: Decimal, at, reference: str) -> Order:
    """Money went back to the buyer for this order.

    - the refunded total may never pass the order amount;
    - a full refund of a pay-later order before the consumer was charged cancels it, so it no
      longer uses the credit limit (SPEC §2);
    - a refund of proceeds already settled to the wallet is a `refund` ledger debit (the
      reference makes it idempotent). The pay-later fee is never refunded."""
    order = Order.objects.select_for_update().get(pk=order_id)
    amount = money(amount)
    if amount <= 0 or order.refunded_amount + amount > order.amount:
        raise DomainError("amount_above_refundable", _("The refund exceeds what is left to refund on the order."))
    order.refunded_amount += amount
    fields = ["refunded_amount"]
    if order.refunded_amount == order.amount and order.refunded_at is None:
        order.refunded_at = at
        fields.append("refunded_at")
        if (order.payment_method == Order.PaymentMethod.PAYLATER
                and order.status in (Order.Status.PLACED, Order.Status.RECEIPT_CONFIRMED)):
            order.status = Order.Status.CANCELLED
            order.cancelled_at = at
            fields += ["status", "cancelled_at"]
    order._change_reason = f"refund {reference}"
    order.save(update_fields=fields)
    proceeds_settled = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ORDER_PROCEEDS,
                                                  reference=f"order:{order.pk}").exists()
    if proceeds_settled:
        ledger_post(store=order.store, kind=LedgerEntry.Kind.REFUND, amount=-amount, at=at,
                    reference=f"order:{order.pk}", memo=reference, idempotency_key=f"refund:{reference}")
    return order
