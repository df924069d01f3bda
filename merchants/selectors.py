"""Reads for the merchants core: what a user may see, balances, exposure, credit state."""
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import ZERO, LedgerEntry, Order, Sanction, Store

EXPOSED_STATUSES = (Order.Status.PLACED, Order.Status.RECEIPT_CONFIRMED)


def stores_for_user(user):
    """The stores a merchant user belongs to (owner or member): the tenant boundary."""
    if user is None or not user.is_authenticated:
        return Store.objects.none()
    return Store.objects.filter(Q(owner=user) | Q(members=user)).distinct()


def store_ids_for_user(user) -> list[int]:
    return list(stores_for_user(user).values_list("pk", flat=True))


def wallet_balance(*, store_id: int) -> Decimal:
    """The balance is the sum of ledger entries — there is no balance column."""
    return LedgerEntry.objects.filter(store_id=store_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO))["total"]


def exposure_q() -> Q:
    """Pay-later orders that still use the limit: placed, receipt-confirmed, or advanced by
    the platform and not yet recovered (SPEC §2)."""
    return Q(payment_method=Order.PaymentMethod.PAYLATER) & (
        Q(status__in=EXPOSED_STATUSES) | Q(status=Order.Status.ADVANCED, advance_recovered_at__isnull=True))


def store_exposure(*, store_id: int) -> Decimal:
    return Order.objects.filter(exposure_q(), store_id=store_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO))["total"]


def sanction_until(*, store_id: int, kind: str, at=None):
    """End of the latest sanction of this kind in force at `at` (overlaps end at the latest
    end), or None."""
    at = at or timezone.now()
    return Sanction.objects.filter(store_id=store_id, kind=kind, revoked_at__isnull=True, starts_at__lte=at,
                                   ends_at__gt=at).aggregate(end=Max("ends_at"))["end"]


def sanctions_in_force_q(kind: str, at=None, prefix: str = "") -> Q:
    """For filtering stores in SQL: stores with a sanction of `kind` in force at `at`."""
    at = at or timezone.now()
    p = prefix
    return Q(**{f"{p}sanctions__kind": kind, f"{p}sanctions__revoked_at__isnull": True,
                f"{p}sanctions__starts_at__lte": at, f"{p}sanctions__ends_at__gt": at})


@dataclass
class CreditSummary:
    base_limit: Decimal
    raised_limit: Decimal | None
    effective_limit: Decimal
    exposure: Decimal
    available: Decimal
    frozen_until: object  # aware datetime or None


def raised_limits(*, stores, at=None) -> dict[int, Decimal]:
    """Active raised limit per store (only stores with one), from approved applications: one
    query for all stores, plus the activation check of applications still activating."""
    from .applications import raised_level, refresh_activation
    from .models import CreditApplication

    at = at or timezone.now()
    best: dict[int, Decimal] = {}
    approved = CreditApplication.objects.filter(store_id__in=[s.pk for s in stores],
                                                status=CreditApplication.Status.APPROVED, decided_at__lte=at)
    for app in approved:
        if app.step2_at is None:
            refresh_activation(app)
        level = raised_level(app, at)
        if level is not None and level > best.get(app.store_id, level - 1):
            best[app.store_id] = level
    return best


def effective_limit(*, store: Store, at=None) -> tuple[Decimal, Decimal | None]:
    """max(base limit, active raised limit) (SPEC §1). Returns (effective, raised)."""
    raised = raised_limits(stores=[store], at=at).get(store.pk)
    return (max(store.base_limit, raised) if raised is not None else store.base_limit), raised


def store_credit_many(*, stores, at=None) -> dict[int, CreditSummary]:
    """Credit of several stores in a fixed number of queries (lists, admin pages)."""
    at = at or timezone.now()
    ids = [s.pk for s in stores]
    exposure = dict(Order.objects.filter(exposure_q(), store_id__in=ids).order_by().values("store_id")
                    .annotate(total=Sum("amount")).values_list("store_id", "total"))
    frozen = dict(Sanction.objects.filter(store_id__in=ids, kind=Sanction.Kind.CREDIT_FREEZE,
                                          revoked_at__isnull=True, starts_at__lte=at, ends_at__gt=at)
                  .order_by().values("store_id").annotate(end=Max("ends_at")).values_list("store_id", "end"))
    raised = raised_limits(stores=stores, at=at)
    out = {}
    for store in stores:
        store_raised = raised.get(store.pk)
        effective = max(store.base_limit, store_raised) if store_raised is not None else store.base_limit
        store_exposure_total = exposure.get(store.pk) or ZERO
        frozen_until = frozen.get(store.pk)
        out[store.pk] = CreditSummary(
            base_limit=store.base_limit, raised_limit=store_raised, effective_limit=effective,
            exposure=store_exposure_total, frozen_until=frozen_until,
            available=ZERO if frozen_until else max(ZERO, effective - store_exposure_total))
    return out


def store_credit(*, store: Store, at=None) -> CreditSummary:
    """Effective limit, exposure and what is available now; 0 available while frozen."""
    return store_credit_many(stores=[store], at=at)[store.pk]
