"""What the order list exports (merchants/exports.py): each order with its money in yuan (amount,
pay-later fee, refunded so far), its lifecycle times in Beijing time and its labels, as the list
shows them (its store, date, payment-method, channel and status filters, and its search)."""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from merchants.exports import Export, choice, money_col, number, text, time_col

from .models import Order

# "paid" is shared with the weekly logistics results, whose 已发放 (paid out) is wrong for an order
# the buyer has paid: the export says 已支付. (The list shows the shared label until the model's
# choice takes this context too.)
PAID = pgettext_lazy("order status", "paid")


def _status(order):
    return PAID if order.status == Order.Status.PAID else order.get_status_display()

ORDERS = Export("orders", (
    number(_("order ID"), "id"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    text(_("product"), "product.title"),
    text(_("buyer id"), "buyer_id"),
    money_col(_("amount"), "amount"),
    choice(_("payment method"), "payment_method"),
    choice(_("channel"), "channel"),
    text(_("status"), _status),
    money_col(_("pay-later fee"), "fee"),
    time_col(_("paid at"), "paid_at"),
    time_col(_("receipt confirmed at"), "receipt_confirmed_at"),
    time_col(_("consumer charged at"), "charged_at"),
    time_col(_("platform advance at"), "advanced_at"),
    time_col(_("advance recovered at"), "advance_recovered_at"),
    time_col(_("cancelled at"), "cancelled_at"),
    money_col(_("refunded amount"), "refunded_amount"),
    time_col(_("fully refunded at"), "refunded_at"),
), select_related=("store", "product"))
