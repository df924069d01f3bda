"""Reads for violations. "In force" for a sanction is derived from its dates (SPEC §1: no job
lifts it): not revoked, started, not yet ended. `in_force_q` is that rule, and every reader —
services, selectors, the admin's filter and columns — goes through it."""
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from .models import Sanction


def in_force_q(at=None, *, prefix: str = "") -> Q:
    """Sanctions in force at `at` (now by default). `prefix` reaches them from another model,
    e.g. `sanctions__` from a store."""
    at = at or timezone.now()
    return Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}starts_at__lte": at, f"{prefix}ends_at__gt": at})


def sanctions_until(*, store_ids, kind: str, at=None) -> dict[int, object]:
    """Per store, the end of its latest sanction of `kind` in force at `at` (overlapping
    sanctions end at the latest end); stores with none are absent. One query."""
    rows = (Sanction.objects.filter(in_force_q(at), store_id__in=list(store_ids), kind=kind).order_by()
            .values("store_id").annotate(end=Max("ends_at")).values_list("store_id", "end"))
    return dict(rows)


def sanction_until(*, store_id: int, kind: str, at=None):
    """End of the latest sanction of this kind in force at `at`, or None."""
    return sanctions_until(store_ids=[store_id], kind=kind, at=at).get(store_id)


def sanction_until_subquery(kind: str, at=None, *, store_ref: str = "pk") -> Subquery:
    """The same as `sanction_until`, as a subquery to annotate stores (admin lists)."""
    return Subquery(Sanction.objects.filter(in_force_q(at), store=OuterRef(store_ref), kind=kind).order_by()
                    .values("store").annotate(end=Max("ends_at")).values("end"))


def stores_under_sanction_q(kind: str, at=None) -> Q:
    """For filtering stores in SQL: stores with a sanction of `kind` in force at `at`."""
    return Q(sanctions__kind=kind) & in_force_q(at, prefix="sanctions__")
