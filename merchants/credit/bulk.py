"""The credit score and base limit as SQL, the one definition of the rule (SPEC §1): the
evaluation's inputs (`metric_inputs_sql`), the scoring (`scoring_ctes`) and the limit
(`limit_sql`). The monthly evaluation runs them over a batch of stores in one statement
(`evaluation_upsert_sql`); a score or limit of given values (the advisor, the pre-assessment)
runs the same scoring over those values (`services.score_trials`, `services.base_limit_for`)."""
import functools
import json

from django.db import connection
from django.db.models import Q

from config import timeutil
from config.sql import ids_param, q_as_sql
from merchants.orders.models import Order
from merchants.stores.models import Store

from .models import CreditEvaluation, EcoPackaging, StoreMetrics

# Stores per batch of the monthly evaluation and risk self-check (one statement each).
# 1,000, not 500: a batch's fixed costs (planning ~3 ms, the commit with its deferred FK checks,
# the policy reads) were a third of a 500-store batch; it holds its stores' rows (new base limits,
# earlier risk checks) for ~0.1 s. Bigger batches gained nothing more: planning and the work per
# store grow with the batch (decision 0038).
BATCH_SIZE = 1000


def provider_values(sql_fn, names: tuple[str, ...], store_ids: list[int], month) -> dict[int, dict]:
    """A registered credit-metric provider's statement (`registry.provide_credit_metrics`) run for
    these stores: {store_id: {name: value or None}}, every store present (no row: no values)."""
    sql, params = sql_fn(month)
    out = {int(store_id): dict.fromkeys(names) for store_id in store_ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "store_ids": ids_param(store_ids)})
        columns = [c.name for c in cursor.description]
        for row in cursor.fetchall():
            values = dict(zip(columns, row))
            out[values.pop("store_id")].update({n: values[n] for n in names})
    return out


def metric_inputs_sql(*, month, fields: list[str], providers: list) -> tuple[str, dict]:
    """A SELECT of the batch's stores (`%(store_ids)s::bigint[]`, `config.sql.ids_param`) with, per field of `fields`
    (StoreMetrics columns), the value that counts — a provider's (the last registered with a value
    wins) over the ingested one — as `<field>`, and its source ('computed', 'ingested' or NULL when
    there is no value) as `<field>__src`; plus `base_limit`. `providers`:
    `registry.credit_metric_sql_providers()`. The same for every batch of a month: built once (a
    provider's SQL is a function of the month; compiling its ORM conditions cost ~2 ms a batch)."""
    sql, params = _metric_inputs_sql(month, tuple(fields), tuple(providers))
    return sql, dict(params)


@functools.lru_cache(maxsize=16)
def _metric_inputs_sql(month, fields: tuple[str, ...], providers: tuple) -> tuple[str, dict]:
    joins, params, by_field = [], {"credit_month": month}, {f: [] for f in fields}
    for k, (sql_fn, names) in enumerate(providers):
        sql, provider_params = sql_fn(month)
        joins.append(f"LEFT JOIN ({sql}) p{k} ON p{k}.store_id = s.id")
        params.update(provider_params)
        for name in names:
            if name in by_field:
                by_field[name].append(f"p{k}.{name}")
    columns = []
    for f in fields:
        provided = list(reversed(by_field[f]))  # the last provider wins
        columns.append(f"COALESCE({', '.join([*provided, f'm.{f}'])}) AS {f}")
        computed = f"WHEN {' OR '.join(f'{p} IS NOT NULL' for p in provided)} THEN 'computed' " if provided else ""
        columns.append(f"CASE {computed}WHEN m.{f} IS NOT NULL THEN 'ingested' END AS {f}__src")
    sql = (f"SELECT s.id AS store_id, s.base_limit, {', '.join(columns)} FROM merchants_store s "
           f"LEFT JOIN {StoreMetrics._meta.db_table} m ON m.store_id = s.id AND m.month = %(credit_month)s "
           # the batch again: lets the planner probe the batch's rows, not read the month
           f"AND m.store_id = ANY(%(store_ids)s::bigint[]) "
           f"{' '.join(joins)} WHERE s.id = ANY(%(store_ids)s::bigint[])")
    return sql, params


def sales_orders_q(month) -> Q:
    """On Order: the orders whose amount (minus what was refunded) makes a store's sales for the
    local month when no sales figure was ingested (SPEC §1): paid in the month, not cancelled.
    The evaluation renders it into its statement (`q_as_sql`); `services.order_sales` filters with
    it."""
    start, end = timeutil.month_bounds(month)
    return Q(paid_at__gte=start, paid_at__lt=end) & ~Q(status=Order.Status.CANCELLED)


def limit_sql(*, sales: str, score: str, eco: str) -> str:
    """The base limit (SPEC §1, §5) as a SQL expression over `sales`, `score` (S) and `eco` (the
    eco-packaging bonus rate): sales × (min + (max − min)·S/100) × (1 + bonus), rounded down to
    100 yuan, never negative. The multiples are the parameters `%(credit_min)s`, `%(credit_max)s`
    (`limit_params`)."""
    return (f"ROUND(GREATEST(0, FLOOR({sales} * (%(credit_min)s + (%(credit_max)s - %(credit_min)s) * {score} / 100)"
            f" * (1 + {eco}) / 100) * 100), 2)")


def limit_params(policy) -> dict:
    return {"credit_min": policy.min_multiple, "credit_max": policy.max_multiple}


def scoring_ctes(*, rows: list, weights_in: dict, weights: dict, known: set, params: dict) -> str:
    """The score (SPEC §1) as CTEs `p`, `d`, `c`, `l` over a CTE `v` that has, per indicator of
    `rows` named in `known`, its value `<name>` (numeric), its source `<name>__src`, and
    `cash_flow_ratio__text` (the ratio as shown), plus `sold` (the sales) and `eco` (the bonus
    rate); adds its parameters to `params`. Per indicator: points linear between the 0- and
    100-value, clamped, 2 places half-up, `pt<k>` (NULL: missing, scores 0 and is listed);
    dimension scores (weighted mean, 2 places; 0 for a dimension of no weight); `composite` (S, 2
    places); `sales` (2 places); `detail` (the indicators' JSON); `missing_names`; `new_limit`
    (`limit_sql`). `rows`, `weights_in`: `services.scoring_constants`; `weights`: the policy's
    dimension weights."""
    points, detail, dims = [], [], {}
    for k, (name, dimension, zero_at, span, weight) in enumerate(rows):
        params.update({f"credit_z{k}": zero_at, f"credit_s{k}": span, f"credit_w{k}": weight,
                       f"credit_n{k}": name})
        value = f"v.{name}" if name in known else "NULL::numeric"
        text = f"p.{name}__text" if name == "cash_flow_ratio" else (f"p.{name}::text" if name in known else "NULL")
        source = f"p.{name}__src" if name in known else "NULL::text"
        points.append(f"CASE WHEN {value} IS NOT NULL THEN ROUND(LEAST(1, GREATEST(0, ({value} - %(credit_z{k})s) "
                      f"/ %(credit_s{k})s)) * 100, 2) END AS pt{k}")  # GREATEST would skip a NULL
        # As JSON text in one concat(), parsed once per row: faster than 13 nested jsonb_build_object calls;
        # safe to concatenate — numbers as text, the sources are literals, names and dimensions
        # JSON-encoded here.
        params[f"credit_j{k}"] = (f"{'{' if k == 0 else ','}{json.dumps(name)}:{{"
                                  f'"dimension":{json.dumps(str(dimension))},"value":')
        detail.append(f"""%(credit_j{k})s::text, COALESCE('"' || {text} || '"', 'null'), ',"source":', """
                      f"""COALESCE('"' || {source} || '"', 'null'), ',"score":"', """
                      f"""COALESCE(p.pt{k}::text, '0'), '"}}'""")
        dims.setdefault(str(dimension), []).append(f"COALESCE(%(credit_w{k})s * p.pt{k}, 0)")
    dim_columns = []
    for d in weights_in:
        if weights_in[d] and dims.get(str(d)):
            params[f"credit_wd_{d}"] = weights_in[d]
            dim_columns.append(f"ROUND(({' + '.join(dims[str(d)])}) / %(credit_wd_{d})s, 2) AS {d}")
        else:
            dim_columns.append(f"0.00 AS {d}")
        params[f"credit_weight_{d}"] = weights[d]
    composite = " + ".join(f"{d} * %(credit_weight_{d})s" for d in weights_in)
    missing = ", ".join(f"CASE WHEN p.pt{k} IS NULL THEN %(credit_n{k})s::text END"
                        for k, _row in sorted(enumerate(rows), key=lambda kr: kr[1][0]))
    return f"""p AS MATERIALIZED (SELECT v.*, {', '.join(points)} FROM v),
d AS (SELECT p.*, {', '.join(dim_columns)},
        concat({', '.join(detail)}, '}}')::jsonb AS detail,
        to_jsonb(array_remove(ARRAY[{missing}]::text[], NULL)) AS missing_names
      FROM p),
c AS (SELECT d.*, ROUND(({composite}) / 100, 2) AS composite, ROUND(d.sold, 2) AS sales FROM d),
l AS (SELECT c.*, {limit_sql(sales="c.sales", score="c.composite", eco="c.eco")} AS new_limit FROM c)"""


def evaluation_upsert_sql(*, month, now, inputs: tuple[str, dict], rows: list, weights_in: dict, weights: dict,
                          policy, fields: list[str]) -> tuple[str, dict]:
    """One statement that scores the batch (`scoring_ctes`), upserts every CreditEvaluation
    column (INSERT … SELECT … ON CONFLICT) and sets each store's base limit from its latest
    evaluated month, returning the ids of the stores whose limit changed (SPEC §1). Its inputs:
    `metric_inputs_sql`; sales ingested, else the month's orders (`sales_orders_q`); the eco-packaging bonus when
    verified; the cash flow ratio = net cash flow ÷ sales."""
    inputs_sql, params = inputs
    sold, sold_params = q_as_sql(Order, sales_orders_q(month), aliases={Order._meta.db_table: "o"},
                                 param_prefix="credit_sales_")
    params = {**params, **sold_params, "credit_eval_month": month, "credit_now": now,
              "credit_eco": policy.eco_packaging_bonus_rate, **limit_params(policy)}
    scoring = scoring_ctes(rows=rows, weights_in=weights_in, weights=weights,
                           known=set(fields) | {"cash_flow_ratio"}, params=params)
    sql = f"""
WITH i AS MATERIALIZED ({inputs_sql}),
s AS (
  SELECT i.*, COALESCE(i.monthly_sales, sales.total, 0.00) AS sold,
    CASE WHEN i.monthly_sales__src = 'ingested' THEN 'ingested' ELSE 'orders' END AS sales_source,
    CASE WHEN e.store_id IS NULL THEN 0 ELSE %(credit_eco)s END AS eco
  FROM i
  LEFT JOIN LATERAL (  -- the orders' sales, read only for a store without a sales figure
    SELECT SUM(o.amount - o.refunded_amount) AS total FROM {Order._meta.db_table} o
    WHERE i.monthly_sales IS NULL AND o.store_id = i.store_id AND {sold}) sales
    ON true
  LEFT JOIN {EcoPackaging._meta.db_table} e ON e.store_id = i.store_id AND e.verified
    AND e.store_id = ANY(%(store_ids)s::bigint[])),
v AS (
  SELECT s.*, c.ratio AS cash_flow_ratio,
    CASE WHEN c.ratio IS NULL THEN NULL
         WHEN c.ratio = 0 AND (s.net_cash_flow < 0) <> (s.sold < 0) THEN '-' || c.ratio::text  -- Decimal's -0
         ELSE c.ratio::text END AS cash_flow_ratio__text,
    CASE WHEN c.ratio IS NOT NULL THEN s.net_cash_flow__src END AS cash_flow_ratio__src
  FROM s CROSS JOIN LATERAL (SELECT CASE WHEN s.net_cash_flow IS NOT NULL AND s.sold <> 0
                                         THEN ROUND(s.net_cash_flow / s.sold, 4) END AS ratio) c),
{scoring},
up AS (
INSERT INTO {CreditEvaluation._meta.db_table} (store_id, month, monthly_sales, sales_source, score,
  {', '.join(str(d) for d in weights_in)}, indicators, missing, base_limit, eco_bonus_rate, evaluated_at)
SELECT l.store_id, %(credit_eval_month)s, l.sales, l.sales_source, l.composite,
  {', '.join(f'l.{d}' for d in weights_in)}, l.detail, l.missing_names, l.new_limit, l.eco, %(credit_now)s
FROM l
ON CONFLICT (store_id, month) DO UPDATE SET monthly_sales = EXCLUDED.monthly_sales,
  sales_source = EXCLUDED.sales_source, score = EXCLUDED.score,
  {', '.join(f'{d} = EXCLUDED.{d}' for d in weights_in)}, indicators = EXCLUDED.indicators,
  missing = EXCLUDED.missing, base_limit = EXCLUDED.base_limit, eco_bonus_rate = EXCLUDED.eco_bonus_rate,
  evaluated_at = EXCLUDED.evaluated_at
RETURNING store_id, base_limit),
latest AS (  -- the store's limit comes from its latest evaluated month: this one unless a later one exists
  SELECT up.store_id, COALESCE((SELECT e.base_limit FROM {CreditEvaluation._meta.db_table} e
                                WHERE e.store_id = up.store_id AND e.month > %(credit_eval_month)s
                                ORDER BY e.month DESC LIMIT 1), up.base_limit) AS base_limit
  FROM up)
UPDATE {Store._meta.db_table} st SET base_limit = latest.base_limit FROM latest
WHERE st.id = latest.store_id AND st.id = ANY(%(store_ids)s::bigint[])
  AND st.base_limit IS DISTINCT FROM latest.base_limit
RETURNING st.id"""
    return sql, params
