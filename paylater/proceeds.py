"""Proceeds of pay-later orders (SPEC §2 and decisions: "proceeds cycle"): when an order is paid
by the consumer or advanced by the platform, the merchant is credited the full price still owed
(`order_proceeds`) on the normal cycle — `PaylaterPolicy.proceeds_cycle_days` after completion
(default 0) — never earlier, never twice (one idempotency key per order).

With a 0-day cycle the completion itself posts the entry; otherwise the due sweep does, set-based:
each batch of due orders is locked (`SKIP LOCKED`, so concurrent sweeps share the work and a refund
in flight waits) and credited with one bulk insert. A refund before the proceeds settle lowers what
is credited; one after is a `refund` debit (merchants.orders.services.order_record_refund)."""
import datetime as dt
import logging

from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.language import platform_text
from config.money import money
from merchants.ledger.services import ledger_post, ledger_post_many
from merchants.models import LedgerEntry, Order
from merchants.orders.services import proceeds_key

from .models import PaylaterPolicy

log = logging.getLogger(__name__)
COMPLETED = (Order.Status.PAID, Order.Status.ADVANCED)


def proceeds_settle(*, order: Order, at) -> LedgerEntry | None:
    """Credit the merchant the full price still owed (amount − refunds so far). The reference is
    exactly `order:{id}` so later refunds debit settled proceeds."""
    due = money(order.amount - order.refunded_amount)
    if due <= 0:
        return None
    return ledger_post(store=order.store, kind=LedgerEntry.Kind.ORDER_PROCEEDS, amount=due, at=at,
                       idempotency_key=proceeds_key(order.pk), reference=f"order:{order.pk}",
                       memo=platform_text(_("pay-later order proceeds")))


def proceeds_due_at(completed_at: dt.datetime, policy: PaylaterPolicy | None = None) -> dt.datetime:
    policy = policy or PaylaterPolicy.current()
    return completed_at + dt.timedelta(days=policy.proceeds_cycle_days)


def proceeds_settle_if_due(*, order: Order, completed_at, now=None) -> LedgerEntry | None:
    """Called when an order completes (inside its row lock): post now if the cycle has already
    run out (0 days, or an event reported late); otherwise the due sweep posts it later."""
    policy = PaylaterPolicy.current()
    if policy.proceeds_cycle_days == 0:
        return proceeds_settle(order=order, at=completed_at)
    due_at = proceeds_due_at(completed_at, policy)
    if due_at > (now or timezone.now()):
        return None
    return proceeds_settle(order=order, at=due_at)


def _unsettled_due(now: dt.datetime, days: int):
    """Completed pay-later orders whose cycle has run out, with money still owed and no proceeds
    entry yet."""
    settled = LedgerEntry.objects.filter(
        store_id=OuterRef("store_id"), kind=LedgerEntry.Kind.ORDER_PROCEEDS,
        reference=Concat(Value("order:"), Cast(OuterRef("pk"), CharField()), output_field=CharField()))
    return (Order.objects.filter(payment_method=Order.PaymentMethod.PAYLATER, status__in=COMPLETED,
                                 amount__gt=F("refunded_amount"))
            .annotate(completed_at=Coalesce("charged_at", "advanced_at"))
            .filter(completed_at__lte=now - dt.timedelta(days=days))
            .exclude(Exists(settled)))


def proceeds_settle_due(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """The due sweep: post `order_proceeds` for every completed order whose cycle ran out by
    `now`, dated when it became due. Idempotent and safe to run concurrently. Returns how many
    entries were posted."""
    now = now or timezone.now()
    days = PaylaterPolicy.current().proceeds_cycle_days
    posted, last_id = 0, 0
    while True:
        with transaction.atomic():
            rows = list(_unsettled_due(now, days).filter(pk__gt=last_id).order_by("pk")
                        .select_for_update(skip_locked=True, of=("self",))
                        .values("pk", "store_id", "amount", "refunded_amount", "completed_at")[:batch_size])
            if not rows:
                return posted
            last_id = rows[-1]["pk"]
            # A row another sweep credited and released after this statement's snapshot was taken
            # is locked here all the same (NOT EXISTS saw the old snapshot): look again, now that
            # its commit is visible, so it is neither posted twice (the key would refuse it) nor
            # counted twice.
            keys = {proceeds_key(row["pk"]): row for row in rows}
            posted_already = set(LedgerEntry.objects.filter(idempotency_key__in=keys)
                                 .values_list("idempotency_key", flat=True))
            rows = [row for key, row in keys.items() if key not in posted_already]
            ledger_post_many(entries=[
                {"store_id": row["store_id"], "kind": LedgerEntry.Kind.ORDER_PROCEEDS,
                 "amount": row["amount"] - row["refunded_amount"],
                 "at": row["completed_at"] + dt.timedelta(days=days),
                 "idempotency_key": proceeds_key(row["pk"]), "reference": f"order:{row['pk']}",
                 "memo": str(_("pay-later order proceeds"))} for row in rows])
        posted += len(rows)
        log.info("proceeds sweep: %s order(s) up to #%s credited", len(rows), last_id)
