"""Reads for credit (SPEC §1): effective limit = max(base, active raised limit); available =
effective − exposure, never below 0, and 0 while frozen. Pure reads: nothing here writes."""
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from config.money import ZERO
from config.sql import of_ids
from merchants.applications.models import CreditApplication
from merchants.applications.selectors import raised_level
from merchants.orders.models import Order
from merchants.orders.selectors import exposure_q
from merchants.stores.models import Store
from merchants.violations.models import Sanction
from merchants.violations.selectors import sanctions_until

from .models import CreditEvaluation


@dataclass
class CreditSummary:
    base_limit: Decimal
    raised_limit: Decimal | None
    effective_limit: Decimal
    exposure: Decimal
    available: Decimal
    frozen_until: object  # aware datetime or None


def raised_limits(*, stores, at=None) -> dict[int, Decimal]:
    """Active raised limit per store (only stores with one), from approved applications and
    the activation steps recorded when pay-later orders were accepted: one query."""
    at = at or timezone.now()
    best: dict[int, Decimal] = {}
    approved = CreditApplication.objects.filter(of_ids(CreditApplication, [s.pk for s in stores]),
                                                status=CreditApplication.Status.APPROVED, decided_at__lte=at)
    for app in approved:
        level = raised_level(app, at)
        if level is not None and level > best.get(app.store_id, level - 1):
            best[app.store_id] = level
    return best


def effective_limit(*, store: Store, at=None) -> tuple[Decimal, Decimal | None]:
    """max(base limit, active raised limit) (SPEC §1). Returns (effective, raised)."""
    raised = raised_limits(stores=[store], at=at).get(store.pk)
    return (max(store.base_limit, raised) if raised is not None else store.base_limit), raised


def store_credit_many(*, stores, at=None) -> dict[int, CreditSummary]:
    """Credit of several stores in a fixed number of queries (lists, admin pages, the risk
    self-check). `stores`: anything with `pk` and `base_limit` (model instances or tuples)."""
    at = at or timezone.now()
    ids = [s.pk for s in stores]
    exposure = dict(Order.objects.filter(exposure_q(), of_ids(Order, ids)).order_by().values("store_id")
                    .annotate(total=Sum("amount")).values_list("store_id", "total"))
    frozen = sanctions_until(store_ids=ids, kind=Sanction.Kind.CREDIT_FREEZE, at=at)
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



def latest_evaluation(*, store: Store) -> CreditEvaluation | None:
    return CreditEvaluation.objects.filter(store=store).order_by("-month").first()


def latest_evaluations(*, stores) -> dict[int, CreditEvaluation]:
    """The latest evaluation of each store, in one query."""
    latest = CreditEvaluation.objects.filter(store=OuterRef("store")).order_by("-month").values("pk")[:1]
    rows = CreditEvaluation.objects.filter(store__in=[s.pk for s in stores], pk=Subquery(latest))
    return {row.store_id: row for row in rows}
