"""What the order list exports (merchants/exports.py): each order with its money in yuan (amount,
pay-later fee, refunded so far), its lifecycle times in Beijing time and its labels, as the list
shows them (its store, date, payment-method, channel and status filters, and its search)."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, money_col, number, text, time_col

ORDERS = Export("orders", (
    number(_("order ID"), "id"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    text(_("product"), "product.title"),
    text(_("buyer id"), "buyer_id"),
    money_col(_("amount"), "amount"),
    choice(_("payment method"), "payment_method"),
    choice(_("channel"), "channel"),
    choice(_("status"), "status"),
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
