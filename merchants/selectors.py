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


def effective_limit(*, store: Store, at=None) -> tuple[Decimal, Decimal | None]:
    """max(base limit, active raised limit) (SPEC §1). Returns (effective, raised)."""
    from .credit_limits import active_raised_limit  # the limit-increase module owns raises

    raised = active_raised_limit(store=store, at=at)
    base = store.base_limit
    return (max(base, raised) if raised is not None else base), raised


def store_credit(*, store: Store, at=None) -> CreditSummary:
    """Effective limit, exposure and what is available now; 0 available while frozen."""
    at = at or timezone.now()
    effective, raised = effective_limit(store=store, at=at)
    exposure = store_exposure(store_id=store.pk)
    frozen_until = sanction_until(store_id=store.pk, kind=Sanction.Kind.CREDIT_FREEZE, at=at)
    available = ZERO if frozen_until else max(ZERO, effective - exposure)
    return CreditSummary(base_limit=store.base_limit, raised_limit=raised, effective_limit=effective,
                         exposure=exposure, available=available, frozen_until=frozen_until)
