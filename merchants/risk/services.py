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
(`merchants.events`) in the same transaction; staying in warning emits nothing.

On PostgreSQL, when every credit-metric provider registered its SQL form, a batch is one statement
(`risk_check_sql`): the inputs, the points, their statuses and the worst, the upsert and the stores
entering warning or breach; `grade_points` in Python stays the reference (SQLite, inputs handed
over by the caller) and tests/insight/test_risk_sql_path.py holds both equal."""
import json
import logging
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from config.money import rate
from config.sql import id_array, no_jit, of_stores
from merchants.credit.bulk import json_upsert, metric_inputs_sql
from merchants.credit.models import StoreMetrics
from merchants.credit.selectors import raised_limits, store_credit_many
from merchants.credit.services import BATCH_SIZE, _batch_values, in_sql, sql_providers
from merchants.orders.models import Order
from merchants.stores.models import Store
from merchants.webhooks.models import WebhookEndpoint
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


# The values the points read, from the evaluation's inputs (`credit.bulk.metric_inputs_sql`).
RISK_FIELDS = ["dispute_rate", "return_rate", "on_time_rate", "dsr_score", "complaint_response_hours",
               "inventory_turnover_days"]
_SEVERITY_TEXT = "CASE {} WHEN 2 THEN 'breach' WHEN 1 THEN 'warning' ELSE 'ok' END"


def risk_check_sql(*, month, now, levels: list[tuple], providers: list, raised: dict) -> tuple[str, dict]:
    """One statement for a batch (`%(store_ids)s`) that computes what `risk_inputs` and
    `grade_points` compute — each point's value (to its places), status against the levels
    (`point_levels`) and the worst — upserts the RiskChecks, and returns (store_id, status,
    severity, points) of the stores entering warning or breach — worse than this month's earlier
    check, else than the previous month's (those rows locked first, as the Python path does) — that
    have an enabled webhook endpoint: only they can get the event (`event_emit_many`), and in a
    month where most stores enter warning, sending the others' points back cost more than the upsert.
    `raised`: the active raised limit per store (`raised_limits`), for the effective limit."""
    inputs_sql, params = metric_inputs_sql(month=month, fields=RISK_FIELDS, providers=providers)
    previous = month_before(month)
    params.update({"risk_month": month, "risk_m1": previous, "risk_m2": month_before(month, 2), "risk_now": now,
                   "risk_advanced": Order.Status.ADVANCED.value,
                   "risk_raised_ids": list(raised), "risk_raised_limits": list(raised.values())})
    values = {"dispute_rate": "v.dispute_rate", "return_rate": "v.return_rate", "late_shipment_rate": "v.late",
              "dsr": "v.dsr", "unrecovered_advances": "v.unrecovered",
              "complaint_response_hours": "v.hours", "inventory_turnover_days": "v.days"}
    grades, parts = [], []
    for k, (code, higher_is_worse, warning, limit, places, warning_text, limit_text) in enumerate(levels):
        value = values[code]
        params.update({f"risk_w{k}": warning, f"risk_l{k}": limit,
                       f"risk_j{k}": ("[" if k == 0 else ",") + f'{{"code":{json.dumps(code)},'
                                     f'"warning_at":{json.dumps(warning_text)},"limit_at":{json.dumps(limit_text)},'
                                     + ('"falling_3_months":' if code == "dsr" else '"value":')})
        if higher_is_worse:
            grade = (f"CASE WHEN {value} IS NULL THEN 0 WHEN {value} >= %(risk_l{k})s THEN 2 "
                     f"WHEN {value} >= %(risk_w{k})s THEN 1 ELSE 0 END")
        else:  # DSR: below the levels, or falling three months running, is worse
            grade = (f"CASE WHEN {value} IS NULL THEN CASE WHEN v.falling THEN 1 ELSE 0 END "
                     f"WHEN {value} < %(risk_l{k})s THEN 2 WHEN {value} < %(risk_w{k})s OR v.falling THEN 1 ELSE 0 END")
        if code == "unrecovered_advances":  # advances with no limit at all breach
            grade = f"CASE WHEN v.without_limit THEN 2 ELSE {grade} END"
        grades.append(f"{grade} AS g{k}")
        shown = f"""COALESCE('"' || ROUND({value}, {-places.as_tuple().exponent})::text || '"', 'null')"""
        status = _SEVERITY_TEXT.format(f"g.g{k}")
        if code == "dsr":
            parts.append(f"""%(risk_j{k})s::text, CASE WHEN v.falling THEN 'true' ELSE 'false' END, ',"value":', """
                         f"""{shown}, ',"status":"', {status}, '"}}'""")
        else:
            parts.append(f"""%(risk_j{k})s::text, {shown}, ',"status":"', {status}, '"}}'""")
    worst = f"GREATEST({', '.join(f'g.g{k}' for k in range(len(levels)))})"
    sql = f"""
WITH i AS MATERIALIZED ({inputs_sql}),
adv AS (
  SELECT store_id, SUM(amount) AS total FROM {Order._meta.db_table}
  WHERE store_id = ANY(%(store_ids)s) AND status = %(risk_advanced)s AND advance_recovered_at IS NULL
  GROUP BY store_id),
raised AS (SELECT * FROM unnest(%(risk_raised_ids)s::bigint[], %(risk_raised_limits)s::numeric[])
           AS r(store_id, level)),
e AS (  -- the two earlier months' DSR probed per store (unique store, month index): the planner
        -- otherwise scans every store's metrics of every month for each batch
  SELECT i.*,
    (SELECT dsr_score FROM {StoreMetrics._meta.db_table} WHERE store_id = i.store_id AND month = %(risk_m1)s) AS m1,
    (SELECT dsr_score FROM {StoreMetrics._meta.db_table} WHERE store_id = i.store_id AND month = %(risk_m2)s) AS m2
  FROM i),
l AS (
  SELECT e.*, COALESCE(adv.total, 0) AS advances, GREATEST(e.base_limit, raised.level) AS effective,
    COALESCE(e.dsr_score < e.m1 AND e.m1 < e.m2, false) AS falling
  FROM e LEFT JOIN adv ON adv.store_id = e.store_id
  LEFT JOIN raised ON raised.store_id = e.store_id),
v AS (
  SELECT l.store_id, l.dispute_rate, l.return_rate, 1 - l.on_time_rate AS late, l.dsr_score AS dsr, l.falling,
    CASE WHEN l.effective <> 0 THEN ROUND(l.advances / l.effective, 4) WHEN l.advances = 0 THEN 0 END AS unrecovered,
    l.advances <> 0 AND l.effective = 0 AS without_limit,
    l.complaint_response_hours AS hours, l.inventory_turnover_days AS days
  FROM l),
g AS MATERIALIZED (SELECT v.store_id, {', '.join(grades)} FROM v),
before AS MATERIALIZED (  -- probed per store and month: the (month, severity) index would read the month
  SELECT r.store_id, r.month, r.severity
  FROM unnest(%(store_ids)s::bigint[]) AS b(store_id)
  CROSS JOIN LATERAL (SELECT store_id, month, severity FROM {RiskCheck._meta.db_table}
                      WHERE store_id = b.store_id AND month IN (%(risk_month)s, %(risk_prev)s) FOR UPDATE) r),
prev AS (SELECT DISTINCT ON (store_id) store_id, severity FROM before ORDER BY store_id, month DESC),
up AS (
  INSERT INTO {RiskCheck._meta.db_table} (store_id, month, status, severity, points, checked_at)
  SELECT v.store_id, %(risk_month)s, {_SEVERITY_TEXT.format(worst)}, {worst},
    concat({', '.join(parts)}, ']')::jsonb, %(risk_now)s
  FROM v JOIN g ON g.store_id = v.store_id
  WHERE (SELECT COUNT(*) FROM before) >= 0  -- lock and read the earlier checks first: a row this
                                            -- statement already updated could not be locked
  ON CONFLICT (store_id, month) DO UPDATE SET status = EXCLUDED.status, severity = EXCLUDED.severity,
    points = EXCLUDED.points, checked_at = EXCLUDED.checked_at
  RETURNING store_id, status, severity, points)
SELECT up.store_id, up.status, up.severity, up.points::text FROM up LEFT JOIN prev ON prev.store_id = up.store_id
WHERE up.severity > COALESCE(prev.severity, 0)
  AND EXISTS (SELECT 1 FROM {WebhookEndpoint._meta.db_table} we  -- only a store with an enabled endpoint can get
              WHERE we.store_id = up.store_id AND we.enabled)    -- the event: the others' rows never leave"""
    params["risk_prev"] = previous
    return sql, params


def _risk_check_stores_sql(store_ids: list[int], month, now, providers: list) -> int:
    """`risk_check_stores` in one statement per batch, in the transaction `in_sql` opens (no
    savepoint of its own: two round trips a batch)."""
    levels = point_levels(RiskPolicy.current())
    raised = raised_limits(stores=[_StoreLimit(pk, ZERO_D) for pk in store_ids], at=now)
    sql, params = risk_check_sql(month=month, now=now, levels=levels, providers=providers, raised=raised)
    from .api import RiskCheckOut  # the event carries the check as GET risk-checks returns it

    with connection.cursor() as cursor:
        no_jit(cursor)
        cursor.execute(sql, {**params, "store_ids": id_array(store_ids)})
        entering = cursor.fetchall()

    def payload(store_id, status, severity, points):  # built only for a store that listens
        return dict(RiskCheckOut(RiskCheck(
            store_id=store_id, month=month, status=status, severity=severity, checked_at=now,
            points=json.loads(points) if isinstance(points, str) else points)).data)

    if entering:
        event_emit_many(events=[(row[0], EVENT, lambda row=row: payload(*row)) for row in entering])
    return len(store_ids)


def risk_check_stores(*, store_ids: list[int], month, now=None, values: dict | None = None) -> int:
    """Check one batch of stores for a closed month; upsert (a re-check replaces the row). Returns
    the number of stores checked. `values`: the evaluation's inputs for the batch when the caller
    read them (`_batch_values`); without them, on PostgreSQL, the batch is checked in SQL."""
    now = now or timezone.now()
    if values is None and (providers := sql_providers()) is not None:
        done = in_sql(lambda: _risk_check_stores_sql(store_ids, month, now, providers), store_ids,
                      what="risk self-check")
        if done is not None:
            return done
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
    return len(rows)


def risk_check_month(*, month, now=None, batch_size: int = BATCH_SIZE) -> int:
    """Every store for a closed month (what `evaluate_month` does after each batch)."""
    count, last_id = 0, 0
    while True:
        ids = list(Store.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return count
        risk_check_stores(store_ids=ids, month=month, now=now)
        count += len(ids)
        last_id = ids[-1]
