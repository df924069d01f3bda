"""Pay-later orders lost to the limit (SPEC §6): every refused intake is recorded, the merchant
reads a summary and the list, and `credit_limit.low` warns a store before (or while) it loses
orders.

A refusal is a 400 of order intake. Intake's checks write nothing before they refuse, so the
refusal's record is written in the order's own transaction, under the store lock intake already
holds, and that transaction commits it: with the claim and the stored 400 answer when the
idempotency middleware holds the request's transaction (`answer_commits_its_work`), on its own
otherwise. One commit, as for an accepted order (decision 0047)."""
import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from config import timeutil
from config.api.idempotency import answer_commits_its_work
from config.money import ZERO
from merchants.models import Order, Store
from merchants.webhooks.models import EventType
from merchants.webhooks.services import event_emit

from . import sql
from .models import Refusal

LIMIT_CODE = "credit_limit_exceeded"
# credit_limit.low (SPEC §6, policy): an accepted order leaves less than this share of the
# effective limit available, or the Nth limit refusal within the window.
LOW_SHARE = Decimal("0.10")
REFUSALS_FOR_NOTICE = 3
REFUSAL_WINDOW = dt.timedelta(minutes=60)
SUMMARY_DAYS_DEFAULT, SUMMARY_DAYS_MAX = 30, 90


class Refused(Exception):
    """Intake refused an order: the error it answers, and what the refusal record keeps."""

    def __init__(self, error, *, store_id: int, amount: Decimal, buyer_id: str, at, limit: Decimal,
                 available: Decimal):
        super().__init__(error.code)
        self.error = error
        self.facts = {"store_id": store_id, "amount": amount, "code": error.code, "available": available,
                      "buyer_id": buyer_id, "at": at, "limit": limit}


def refusal_keep(refused: Refused) -> None:
    """Record the refusal in the transaction that refused the order (it holds the store lock and
    wrote nothing else), and have that transaction commit with the 400 answer."""
    refusal_record(**refused.facts, store_locked=True)
    answer_commits_its_work()


def refusal_record(*, store_id: int, amount: Decimal, code: str, available: Decimal | None, buyer_id: str, at,
                   limit: Decimal = ZERO, store_locked: bool = False) -> Refusal:
    """One refusal row (run in a transaction). A limit refusal holds the store lock (taken here
    unless the caller holds it), so the count of the last 60 minutes is exact under concurrent
    refusals, then may send `credit_limit.low` (the 3rd limit refusal within 60 minutes, the
    first inclusive). Counting and "not sent today yet" are one statement: once the day's notice
    is sent, a refusal costs its INSERT and that one read."""
    if code == LIMIT_CODE and not store_locked:
        list(Store.objects.select_for_update().filter(pk=store_id).values_list("pk"))
    refusal = Refusal.objects.create(store_id=store_id, amount=amount, code=code, available=available,
                                     buyer_id=buyer_id[:64], at=at)
    if code == LIMIT_CODE and sql.limit_notice_due(store_id=store_id, code=LIMIT_CODE, since=at - REFUSAL_WINDOW, at=at,
                                                   refusals=REFUSALS_FOR_NOTICE):
        limit_low_notify(store_id=store_id, limit=limit, available=available or ZERO, trigger="refusals", at=at)
    return refusal


def limit_low_after_order(*, store_id: int, limit: Decimal, available: Decimal, at) -> bool:
    """After an accepted order (under the store lock): less than 10% of the effective limit left
    available sends `credit_limit.low` (once per local day). Costs nothing above that line."""
    if limit <= 0 or available >= limit * LOW_SHARE:
        return False
    return limit_low_notify(store_id=store_id, limit=limit, available=available, trigger="low_available", at=at)


def limit_low_notify(*, store_id: int, limit: Decimal, available: Decimal, trigger: str, at) -> bool:
    """`credit_limit.low` through the outbox, at most once per store per local day (platform
    time zone): the notice row's unique (store, day) decides, also between concurrent intakes.
    True when this call sent it."""
    if not sql.limit_notice_claim(store_id=store_id, trigger=trigger, at=at):
        return False
    event_emit(store_id=store_id, type=EventType.CREDIT_LIMIT_LOW, at=at, data={
        "store": store_id, "effective_limit": f"{limit:.2f}", "available": f"{max(ZERO, available):.2f}",
        "trigger": trigger})
    return True


# --- reads ---------------------------------------------------------------------------------------
def window_start(*, days: int, now=None) -> dt.datetime:
    """The start of the last `days` local days, today included (platform time zone)."""
    today = timeutil.local_date(now or timezone.now())
    return timeutil.local_midnight(today - dt.timedelta(days=days - 1))


def refusals_of(*, store_id: int, since) -> QuerySet:
    return Refusal.objects.filter(store_id=store_id, at__gte=since)


def refusal_summary(*, store_id: int, days: int = SUMMARY_DAYS_DEFAULT, now=None) -> dict:
    """The merchant's summary over the last `days` local days (API.md): attempts (accepted
    pay-later orders + refusals), refused, refused amount and share, per code, and the largest
    shortfall of a limit refusal (order amount − available)."""
    since = window_start(days=days, now=now)
    refused = refusals_of(store_id=store_id, since=since)
    by_code = list(refused.order_by().values("code").annotate(count=Count("id"), amount=Sum("amount"))
                   .order_by("-count", "code"))
    shortfall = refused.filter(code=LIMIT_CODE, available__isnull=False).order_by().aggregate(
        largest=Max(F("amount") - F("available")))["largest"]
    accepted = Order.objects.filter(store_id=store_id, payment_method=Order.PaymentMethod.PAYLATER,
                                    created_at__gte=since).count()
    count = sum(row["count"] for row in by_code)
    amount = sum((row["amount"] for row in by_code), ZERO)
    attempts = accepted + count
    return {"days": days, "since": since, "attempts": attempts, "refused": count, "refused_amount": amount,
            "refused_rate": (Decimal(count) / attempts).quantize(Decimal("0.0001")) if attempts else None,
            "by_code": by_code, "largest_shortfall": shortfall}


def refused_amounts(*, store_ids, days: int = SUMMARY_DAYS_DEFAULT, now=None) -> dict[int, Decimal]:
    """{store id: refused amount over the last `days` local days}, for a batch of stores (the
    credit advisor, the limit-increase pre-assessment); a store with none is absent."""
    since = window_start(days=days, now=now)
    rows = (Refusal.objects.filter(store_id__in=list(store_ids), at__gte=since).order_by().values("store_id")
            .annotate(amount=Sum("amount")).values_list("store_id", "amount"))
    return dict(rows)


def stores_losing_orders(*, hours: int = 24, now=None) -> int:
    """How many stores had a limit refusal in the last `hours` (the operators' first page)."""
    since = (now or timezone.now()) - dt.timedelta(hours=hours)
    return Refusal.objects.filter(Q(code=LIMIT_CODE), at__gte=since).values("store_id").distinct().count()
