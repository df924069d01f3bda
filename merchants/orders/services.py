"""Writes for orders: standard orders as they arrive, and the refund bookkeeping other apps
call (money going back to buyers)."""
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states
from config.api.errors import DomainError
from config.history import history_insert_select
from config.money import money
from merchants.ledger.models import LedgerEntry
from merchants.ledger.services import ledger_post, ledger_post_many
from merchants.stores.models import Product, Store

from .models import Order

MAX_CLOCK_SKEW_SECONDS = 300


def check_event_time(at, *, field: str = "paid_at"):
    """Events carry their own timestamps; one more than 5 minutes ahead is refused."""
    if (at - timezone.now()).total_seconds() > MAX_CLOCK_SKEW_SECONDS:
        raise DomainError("timestamp_in_future", _("%(field)s is in the future.") % {"field": field},
                          fields={field: [str(_("More than 5 minutes ahead of server time."))]})


def order_create_standard(*, store: Store, product: Product, buyer_id: str, amount: Decimal, paid_at,
                          channel: str) -> Order:
    """A standard-payment order arrives already paid."""
    if product.store_id != store.pk:
        raise DomainError("product_not_in_store", _("The product does not belong to this store."),
                          fields={"product": [str(_("Not a product of this store."))]})
    check_event_time(paid_at)
    return Order.objects.create(store=store, product=product, buyer_id=buyer_id, amount=money(amount),
                                paid_at=paid_at, channel=channel, payment_method=Order.PaymentMethod.STANDARD,
                                status=Order.Status.PAID)




def proceeds_key(order_id: int) -> str:
    """The ledger idempotency key of an order's `order_proceeds` entry: at most one per order,
    and the refund bookkeeping finds it by this key (the unique index) instead of scanning."""
    return f"order:{order_id}:proceeds"


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
    reason = f"refund {reference}"
    fully_refunded = order.refunded_amount == order.amount and order.refunded_at is None
    if fully_refunded:
        order.refunded_at = at
        fields.append("refunded_at")
    sources, cancelled = Order.EVENTS["cancel"]
    if fully_refunded and order.payment_method == Order.PaymentMethod.PAYLATER and order.status in sources:
        states.transition(order, cancelled, sources=sources, reason=reason, update_fields=fields, cancelled_at=at)
    else:
        order._change_reason = reason
        order.save(update_fields=fields)
    # By its unique idempotency key: one index probe, however large the ledger.
    proceeds_settled = LedgerEntry.objects.filter(idempotency_key=proceeds_key(order.pk)).exists()
    if proceeds_settled:
        ledger_post(store=order.store, kind=LedgerEntry.Kind.REFUND, amount=-amount, at=at,
                    reference=f"order:{order.pk}", memo=reference, idempotency_key=f"refund:{reference}")
    return order


@transaction.atomic
def order_record_refunds(*, refunds: list[dict]) -> None:
    """The set-based sibling of `order_record_refund` for sweeps: `refunds` is a list of its
    arguments (`order_id`, `amount`, `at`, `reference`). The same rules (never past the order
    amount, a fully refunded uncharged pay-later order is cancelled, settled proceeds are debited
    with an idempotent `refund:<reference>` entry) in a fixed number of statements: the orders
    are locked in one query (by pk, the order every path locks them in), updated in one, their
    history rows written in one, the ledger read and written in one each. Any refused refund
    raises and nothing of the batch is written (the caller falls back to one at a time)."""
    if not refunds:
        return
    orders = {o.pk: o for o in Order.objects.select_for_update().filter(
        pk__in={r["order_id"] for r in refunds}).order_by("pk")}
    sources, cancelled = Order.EVENTS["cancel"]
    plain, to_cancel, debits = {}, {}, []
    for refund in refunds:
        order, amount, at = orders[refund["order_id"]], money(refund["amount"]), refund["at"]
        if amount <= 0 or order.refunded_amount + amount > order.amount:
            raise DomainError("amount_above_refundable", _("The refund exceeds what is left to refund on the order."))
        order.refunded_amount += amount
        order._change_reason = f"refund {refund['reference']}"
        if order.refunded_amount == order.amount and order.refunded_at is None:
            order.refunded_at = at
            if order.payment_method == Order.PaymentMethod.PAYLATER and order.status in sources:
                to_cancel[order.pk] = (order, at)
        plain[order.pk] = order
        debits.append((order, amount, at, refund["reference"]))
    for pk in to_cancel:
        plain.pop(pk)
    _save_refunded(list(plain.values()))
    for order, at in to_cancel.values():  # rare: one transition each, as order_record_refund does
        states.transition(order, cancelled, sources=sources, reason=order._change_reason,
                          update_fields=["refunded_amount", "refunded_at"], cancelled_at=at)
    settled = set(LedgerEntry.objects.filter(idempotency_key__in=[proceeds_key(pk) for pk in orders])
                  .values_list("idempotency_key", flat=True))
    ledger_post_many(entries=[
        {"store_id": order.store_id, "kind": LedgerEntry.Kind.REFUND, "amount": -amount, "at": at,
         "reference": f"order:{order.pk}", "memo": reference, "idempotency_key": f"refund:{reference}"}
        for order, amount, at, reference in debits if proceeds_key(order.pk) in settled])


def _save_refunded(orders: list[Order]) -> None:
    """The refunded amounts and times of `orders` and their history rows, in one statement each."""
    if not orders:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE merchants_order AS o SET refunded_amount = v.amount, refunded_at = v.at "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::timestamptz[]) AS v(id, amount, at) WHERE o.id = v.id",
            [[o.pk for o in orders], [o.refunded_amount for o in orders], [o.refunded_at for o in orders]])
    history_insert_select(Order, [o.pk for o in orders], reasons=[o._change_reason for o in orders])
