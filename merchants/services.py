"""Writes for the merchants core: stores, categories, products, standard orders, the wallet
ledger, metrics, and opening violations (the service other apps call)."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError
from config.models import ApiToken

from .models import Category, LedgerEntry, Order, Product, Store, StoreMetrics, Violation

FEN = Decimal("0.01")


def money(value) -> Decimal:
    """Round half-up to the fen (SPEC ground rules)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


RATE_PLACES = Decimal("0.0001")


def rate(numerator, denominator) -> Decimal | None:
    """A rate as a fraction with 4 decimals, half-up; None when the denominator is 0 (SPEC)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


# --- wallet ledger ------------------------------------------------------------------------
def _ledger_entry(*, store_id: int, kind: str, amount, idempotency_key: str, reference: str = "", memo: str = "",
                  at=None, user=None) -> LedgerEntry:
    """An unsaved entry that obeys the ledger's rules: rounded to the fen, never zero, an
    adjustment always with its reason."""
    amount = money(amount)
    if amount == 0:
        raise DomainError("zero_amount", _("A ledger entry cannot be zero."))
    if kind == LedgerEntry.Kind.ADJUSTMENT and not memo.strip():
        raise DomainError("reason_required", _("An adjustment needs a reason."))
    return LedgerEntry(store_id=store_id, kind=kind, amount=amount, idempotency_key=idempotency_key,
                       reference=reference, memo=memo, created_at=at or timezone.now(), created_by=user)


def ledger_post(*, store: Store, kind: str, amount: Decimal, idempotency_key: str, reference: str = "",
                memo: str = "", at=None, user=None) -> LedgerEntry:
    """Append one entry; posting the same idempotency key again returns the first entry.

    Every change of money goes through here (SPEC ground rules). A wallet may go negative."""
    entry = _ledger_entry(store_id=store.pk, kind=kind, amount=amount, idempotency_key=idempotency_key,
                          reference=reference, memo=memo, at=at, user=user)
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
            return entry
    except IntegrityError:
        entry = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if entry is None:
            raise
        return entry


def ledger_post_many(*, entries: list[dict]) -> None:
    """Append many entries in one statement, for set-based jobs: the same rules as
    `ledger_post`, and a key already posted is skipped (safe to run twice or concurrently).
    Each entry is a dict of `ledger_post`'s arguments with `store_id` instead of `store`."""
    LedgerEntry.objects.bulk_create([_ledger_entry(**entry) for entry in entries], ignore_conflicts=True)


def wallet_topup(*, store: Store, amount: Decimal, idempotency_key: str, at=None, user=None) -> LedgerEntry:
    return ledger_post(store=store, kind=LedgerEntry.Kind.TOPUP, amount=amount, at=at, user=user,
                       idempotency_key=idempotency_key, reference=f"store:{store.pk}")


# --- stores, categories, products -----------------------------------------------------------
@dataclass
class StoreCreated:
    store: Store
    owner_token: str | None


def store_create(*, name: str, owner_username: str, category: Category, city: str, grade: str = Store.Grade.B,
                 wallet_upgraded: bool = False) -> StoreCreated:
    """Create a store; a new owner user gets a merchant API token, returned once."""
    User = get_user_model()
    with transaction.atomic():
        owner, created = User.objects.get_or_create(username=owner_username)
        token_key = None
        if created:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
            _token, token_key = ApiToken.issue(user=owner, kind=ApiToken.Kind.MERCHANT, name=f"{owner_username}")
        store = Store.objects.create(name=name, owner=owner, main_category=category, city=city, grade=grade,
                                     wallet_upgraded=wallet_upgraded)
        store.members.add(owner)
    return StoreCreated(store=store, owner_token=token_key)


def category_create(*, name: str, parent: Category | None = None, is_fresh: bool = False,
                    paylater_excluded: bool = False) -> Category:
    if Category.objects.filter(parent=parent, name=name).exists():
        raise DomainError("category_exists", _("A category with this name already exists under this parent."))
    return Category.objects.create(name=name, parent=parent, is_fresh=is_fresh,
                                   paylater_excluded=paylater_excluded)


def product_create(*, store: Store, title: str, category: Category, price: Decimal) -> Product:
    return Product.objects.create(store=store, title=title, category=category, price=money(price))


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


def metrics_upsert(*, store: Store, month, values: dict) -> tuple[StoreMetrics, bool]:
    """Insert or update one store's metrics for one month (only the given fields change)."""
    with transaction.atomic():
        metrics, created = StoreMetrics.objects.select_for_update().get_or_create(store=store, month=month,
                                                                                  defaults=values)
        if not created and values:
            for name, value in values.items():
                setattr(metrics, name, value)
            metrics.save()
    from config.timeutil import previous_month

    if month == previous_month():
        # Ingesting metrics for the latest closed month re-evaluates the store at once, so a
        # new store need not wait for the 1st (SPEC §1).
        from .credit import evaluate_stores

        evaluate_stores(store_ids=[store.pk], month=month)
    return metrics, created


# --- violations ----------------------------------------------------------------------------
def violation_open(*, store: Store, kind: str, occurred_at, detected_by: str, reference: str = "",
                   detail: str = "", dedup_key: str | None = None) -> tuple[Violation, bool]:
    """Open a pending violation for operators to review. Detectors pass a `dedup_key` so that
    running them again never opens a second violation for the same finding."""
    if dedup_key:
        existing = Violation.objects.filter(dedup_key=dedup_key).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            violation = Violation(store=store, kind=kind, occurred_at=occurred_at, detected_by=detected_by,
                                  reference=reference, detail=detail, dedup_key=dedup_key)
            violation._change_reason = f"opened by {detected_by}"
            violation.save()
            return violation, True
    except IntegrityError:
        if dedup_key:
            return Violation.objects.get(dedup_key=dedup_key), False
        raise
