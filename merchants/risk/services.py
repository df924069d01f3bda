"""Monthly risk self-check (每月风控自检, SPEC §5), computed with the monthly credit evaluation
(after each of its batches, and by the same command for a chosen month).

One statement per batch of stores (`risk_check_sql`), whatever the batch size — one store is a
batch of one: the evaluation's own inputs (`credit.bulk.metric_inputs_sql`: ingested metrics,
our computed rates from the registered providers), the two previous months' DSR, unrecovered
platform advances and the stores' effective limits, the points graded by `points.grade_sql`, the
upsert, and the stores whose check warns.

Points (levels from `RiskPolicy`): dispute rate, return rate, late-shipment rate = 1 − on-time
rate, DSR (below the levels, or three months falling: M−2 > M−1 > M), unrecovered advances ÷
effective limit (advanced pay-later orders whose advance is not recovered at the time of the
check, over the effective limit then; advances with no limit at all breach), complaint response
hours, inventory turnover days. A point with no value is `ok` with a null value.

Every month whose check is warning or breach emits one `risk_check.warning` event
(`merchants.events`) in the same transaction, staying in warning included (SPEC §6); a re-check
of the same month emits again only when that month's status worsened."""
import json
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from config.sql import ids_param, no_jit
from merchants.credit.bulk import BATCH_SIZE, metric_inputs_sql
from merchants.credit.models import StoreMetrics
from merchants.credit.selectors import raised_limits
from merchants.orders.models import Order
from merchants.registry import credit_metric_sql_providers
from merchants.stores.models import Store
from merchants.webhooks.models import WebhookEndpoint
from merchants.webhooks.services import event_emit_many

from .models import RiskCheck, RiskPolicy
from .payloads import RiskCheckOut
from .points import POINTS, grade_sql

EVENT = "risk_check.warning"


def month_before(first, n: int = 1):
    year, month = divmod(first.year * 12 + first.month - 1 - n, 12)
    return first.replace(year=year, month=month + 1)


def _text(value: Decimal | None, places: str) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal(places)))


class _StoreId(NamedTuple):
    """What `raised_limits` reads of a store (its pk), without a model instance."""
    pk: int


def point_levels(policy: RiskPolicy) -> list[tuple]:
    """Per point (code, higher is worse, warning, limit, places, warning text, limit text): the
    levels `risk_check_sql` grades against and stores beside each value."""
    out = []
    for code, higher_is_worse in POINTS.items():
        warning, limit = policy.levels(code)
        places = Decimal("0.01") if code in ("dsr", "complaint_response_hours", "inventory_turnover_days") \
            else Decimal("0.0001")
        out.append((code, higher_is_worse, warning, limit, places, _text(warning, places), _text(limit, places)))
    return out


# The values the points read, from the evaluation's inputs (`credit.bulk.metric_inputs_sql`).
RISK_FIELDS = ["dispute_rate", "return_rate", "on_time_rate", "dsr_score", "complaint_response_hours",
               "inventory_turnover_days"]
_SEVERITY_TEXT = "CASE {} WHEN 2 THEN 'breach' WHEN 1 THEN 'warning' ELSE 'ok' END"


def risk_check_sql(*, month, now, levels: list[tuple], providers: list, raised: dict) -> tuple[str, dict]:
    """One statement for a batch (`%(store_ids)s::bigint[]`, `config.sql.ids_param`): each point's
    value (to its places), its status against the levels (`point_levels`, graded by
    `points.grade_sql`) and the worst; the upsert of the RiskChecks; and (store_id, status,
    severity, points) of the stores whose check is warning or breach — unless this month was
    checked before at the same or a worse status (that row locked first) — that have an enabled
    webhook endpoint: only they can get the event (`event_emit_many`), and in a month where most
    stores warn, sending the others' points back cost more than the upsert.
    `raised`: the active raised limit per store (`raised_limits`), for the effective limit."""
    inputs_sql, params = metric_inputs_sql(month=month, fields=RISK_FIELDS, providers=providers)
    params.update({"risk_month": month, "risk_m1": month_before(month), "risk_m2": month_before(month, 2),
                   "risk_now": now, "risk_advanced": Order.Status.ADVANCED.value,
                   "risk_raised_ids": ids_param(raised), "risk_raised_limits": list(raised.values())})
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
        grade = grade_sql(value, warning=f"%(risk_w{k})s", limit=f"%(risk_l{k})s", higher_is_worse=higher_is_worse,
                          falling="v.falling")
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
  WHERE store_id = ANY(%(store_ids)s::bigint[]) AND status = %(risk_advanced)s AND advance_recovered_at IS NULL
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
before AS MATERIALIZED (  -- this month's earlier checks, probed per store: the (month, severity) index
  SELECT r.store_id, r.severity  -- would read the whole month
  FROM unnest(%(store_ids)s::bigint[]) AS b(store_id)
  CROSS JOIN LATERAL (SELECT store_id, severity FROM {RiskCheck._meta.db_table}
                      WHERE store_id = b.store_id AND month = %(risk_month)s FOR UPDATE) r),
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
SELECT up.store_id, up.status, up.severity, up.points::text FROM up LEFT JOIN before ON before.store_id = up.store_id
WHERE up.severity > COALESCE(before.severity, 0)
  AND EXISTS (SELECT 1 FROM {WebhookEndpoint._meta.db_table} we  -- only a store with an enabled endpoint can get
              WHERE we.store_id = up.store_id AND we.enabled)    -- the event: the others' rows never leave"""
    return sql, params


def risk_check_stores(*, store_ids: list[int], month, now=None) -> int:
    """Check one batch of stores (or one store) for a closed month in one statement; a re-check
    replaces the month's row. Returns the number of stores checked."""
    now = now or timezone.now()
    levels = point_levels(RiskPolicy.current())
    raised = raised_limits(stores=[_StoreId(pk) for pk in store_ids], at=now)
    sql, params = risk_check_sql(month=month, now=now, levels=levels, providers=credit_metric_sql_providers(),
                                 raised=raised)
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        cursor.execute(sql, {**params, "store_ids": ids_param(store_ids)})
        warning = cursor.fetchall()

        def payload(store_id, status, severity, points):  # built only for a store that listens
            return dict(RiskCheckOut(RiskCheck(
                store_id=store_id, month=month, status=status, severity=severity, checked_at=now,
                points=json.loads(points) if isinstance(points, str) else points)).data)

        if warning:
            event_emit_many(events=[(row[0], EVENT, lambda row=row: payload(*row)) for row in warning])
    return len(store_ids)


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
