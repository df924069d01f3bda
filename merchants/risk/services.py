"""Monthly risk self-check (每月风控自检, SPEC §5), computed with the monthly credit evaluation
(after each of its batches, and by the same command for a chosen month).

Set-based per batch of stores, a fixed number of queries whatever the batch size: the
evaluation's own inputs (`credit.services._batch_values`: ingested metrics, our computed rates
from the registered providers), the two previous months' DSR, unrecovered platform advances and
the stores' credit (`store_credit_many`), the previous statuses, one upsert.

Points (value → status by `points.point_status`, levels from `RiskPolicy`):
dispute rate, return rate, late-shipment rate = 1 − on-time rate, DSR (below the levels, or three
months falling: M−2 > M−1 > M), unrecovered advances ÷ effective limit (advanced pay-later
orders whose advance is not recovered at the time of the check, over the effective limit then;
advances with no limit at all breach), complaint response hours, inventory turnover days.
A point with no value is `ok` with a null value.

A store *entering* warning or breach — worse than its status for the previous month, or than
this month's earlier check when the month is re-checked — emits one `risk_check.warning` event
(`merchants.events`) in the same transaction; staying in warning emits nothing."""
import logging
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from config.money import rate
from merchants.credit.bulk import json_upsert
from merchants.credit.models import StoreMetrics
from merchants.credit.selectors import store_credit_many
from merchants.credit.services import _batch_values, of_stores
from merchants.orders.models import Order
from merchants.stores.models import Store
from merchants.webhooks.services import event_emit_many

from .models import SEVERITY, RiskCheck, RiskPolicy, RiskStatus
from .points import POINTS, point_status

log = logging.getLogger(__name__)
EVENT = "risk_check.warning"
ZERO_D = Decimal(0)


def month_before(first, n: int = 1):
    year, month = divmod(first.year * 12 + first.month - 1 - n, 12)
    return first.replace(year=year, month=month + 1)


def _text(value: Decimal | None, places: str) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal(places)))


class _StoreLimit(NamedTuple):
    """What `store_credit_many` reads of a store (its pk and base limit), without a model instance."""
    pk: int
    base_limit: Decimal


def risk_inputs(store_ids: list[int], month, now, values: dict | None = None) -> dict[int, dict]:
    """Per store: the point values (Decimal or None) and whether DSR fell three months running.
    `values`: the evaluation's inputs for this batch when it already read them."""
    values = values if values is not None else _batch_values(store_ids, month, with_sales=False)
    m1_month, m2_month = month_before(month, 1), month_before(month, 2)
    earlier = {(store_id, m): dsr for store_id, m, dsr in StoreMetrics.objects.filter(
        of_stores(StoreMetrics, store_ids), month__in=[m1_month, m2_month],
        dsr_score__isnull=False).values_list("store_id", "month", "dsr_score")}
    unrecovered = dict(Order.objects.filter(of_stores(Order, store_ids), status=Order.Status.ADVANCED,
                                            advance_recovered_at__isnull=True).order_by().values("store_id")
                       .annotate(total=Sum("amount")).values_list("store_id", "total"))
    stores = [_StoreLimit(*row) for row in Store.objects.filter(of_stores(Store, store_ids, "id"))
              .values_list("pk", "base_limit")]
    credit = store_credit_many(stores=stores, at=now)
    out = {}
    for store_id in store_ids:
        v = values[store_id][0]
        on_time = v.get("on_time_rate")
        dsr = v.get("dsr_score")
        m1, m2 = earlier.get((store_id, m1_month)), earlier.get((store_id, m2_month))
        advances = unrecovered.get(store_id) or ZERO_D
        limit = credit[store_id].effective_limit if store_id in credit else ZERO_D
        out[store_id] = {
            "dispute_rate": v.get("dispute_rate"), "return_rate": v.get("return_rate"),
            "late_shipment_rate": None if on_time is None else 1 - Decimal(on_time),
            "dsr": dsr, "dsr_falling": None not in (dsr, m1, m2) and m2 > m1 > dsr,
            "unrecovered_advances": rate(advances, limit) if limit else (ZERO_D if not advances else None),
            "unrecovered_without_limit": bool(advances) and not limit,
            "complaint_response_hours": v.get("complaint_response_hours"),
            "inventory_turnover_days": v.get("inventory_turnover_days"),
        }
    return out


def point_levels(policy: RiskPolicy) -> list[tuple]:
    """Per point (code, higher is worse, warning, limit, places, warning text, limit text): the same
    for every store, so a batch computes them once (`RiskPolicy.levels` and the quantizing of the
    levels were a third of `grade_points` per store)."""
    out = []
    for code, higher_is_worse in POINTS.items():
        warning, limit = policy.levels(code)
        places = Decimal("0.01") if code in ("dsr", "complaint_response_hours", "inventory_turnover_days") \
            else Decimal("0.0001")
        out.append((code, higher_is_worse, warning, limit, places, _text(warning, places), _text(limit, places)))
    return out


def grade_points(inputs: dict, policy: RiskPolicy, levels: list[tuple] | None = None) -> tuple[str, list[dict]]:
    """(worst status, points) of one store. `levels`: `point_levels(policy)`, when the caller
    grades a batch."""
    points = []
    worst, worst_severity = RiskStatus.OK, 0
    for code, higher_is_worse, warning, limit, places, warning_text, limit_text in levels or point_levels(policy):
        value = inputs[code]
        status = point_status(value, warning, limit, higher_is_worse=higher_is_worse,
                              falling=code == "dsr" and inputs["dsr_falling"])
        if code == "unrecovered_advances" and inputs["unrecovered_without_limit"]:
            status = RiskStatus.BREACH
        point = {"code": code, "value": None if value is None else str(Decimal(value).quantize(places)),
                 "warning_at": warning_text, "limit_at": limit_text, "status": str(status)}
        if code == "dsr":
            point["falling_3_months"] = inputs["dsr_falling"]
        points.append(point)
        if SEVERITY[status] > worst_severity:
            worst, worst_severity = status, SEVERITY[status]
    return str(worst), points


def risk_check_stores(*, store_ids: list[int], month, now=None, values: dict | None = None) -> list[dict]:
    """Check one batch of stores for a closed month; upsert (a re-check replaces the row). Returns
    the rows written (RiskCheck field name → value): model instances are built only for the events,
    not for every store."""
    now = now or timezone.now()
    policy = RiskPolicy.current()
    levels = point_levels(policy)
    inputs = risk_inputs(store_ids, month, now, values)
    rows = []
    for store_id in store_ids:
        status, points = grade_points(inputs[store_id], policy, levels)
        rows.append({"store_id": store_id, "month": month, "status": status, "severity": SEVERITY[status],
                     "points": points, "checked_at": now})
    previous_month = month_before(month)
    with transaction.atomic():
        before = {}
        for store_id, m, severity in (RiskCheck.objects.select_for_update()
                                      .filter(of_stores(RiskCheck, store_ids), month__in=[month, previous_month])
                                      .order_by("month").values_list("store_id", "month", "severity")):
            before[store_id] = severity  # ordered by month: this month's row, when there is one, wins
        fields = ["status", "severity", "points", "checked_at"]
        if connection.vendor == "postgresql":  # one JSON parameter, not bulk_create's quoted arrays
            json_upsert(RiskCheck, rows, unique=["store_id", "month"], update_fields=fields)
        else:
            RiskCheck.objects.bulk_create([RiskCheck(**row) for row in rows], update_conflicts=True,
                                          unique_fields=["store", "month"], update_fields=fields)
        from .api import RiskCheckOut  # the event carries the check as GET risk-checks returns it

        # One statement for the whole batch: entering warning or breach is worse than before.
        event_emit_many(events=[(row["store_id"], EVENT, lambda row=row: dict(RiskCheckOut(RiskCheck(**row)).data))
                                for row in rows if row["severity"] > before.get(row["store_id"], 0)])
    return rows


def risk_check_month(*, month, now=None, batch_size: int = 500) -> int:
    """Every store for a closed month (what `evaluate_month` does after each batch)."""
    count, last_id = 0, 0
    while True:
        ids = list(Store.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return count
        risk_check_stores(store_ids=ids, month=month, now=now)
        count += len(ids)
        last_id = ids[-1]
