"""Set-based writes of the monthly batch jobs (credit evaluation, risk self-check) on PostgreSQL:
one INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT per batch, some columns built by the
statement itself."""
import datetime as dt
import functools
import json
from decimal import Decimal

from django.db import connection


def json_upsert(model, rows: list, *, unique: list[str], update_fields: list[str],
                computed: dict | None = None, inputs: dict | None = None) -> None:
    """Upsert model instances on PostgreSQL in one INSERT … SELECT FROM jsonb_to_recordset(one JSON
    parameter) … ON CONFLICT. Why not bulk_create(update_conflicts=True): it sends each column as
    an array literal that psycopg quotes client-side character by character for JSON columns (5 of
    the 10 s 10,000 evaluations took); nor COPY into a temporary table: its creation and the
    truncation at every commit cost more than the rows. Names are attnames (`store_id`); a row is a
    model instance or a dict keyed by attname (the batch jobs skip building instances).

    `computed`: attname → (SQL expression over the record `r`, its parameters), for a column that
    PostgreSQL builds from the row's `inputs` (key → SQL type) rather than Python: the evaluation's
    indicator detail, a JSON object per indicator that costs more to build and encode in Python."""
    computed, inputs = computed or {}, inputs or {}
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    columns = [*unique, *update_fields]
    plain = [c for c in columns if c not in computed]
    names = ", ".join(by_name[c].column for c in columns)
    selected = ", ".join(f"({computed[c][0]})" if c in computed else by_name[c].column for c in columns)
    types = ", ".join([*(f"{by_name[c].column} {by_name[c].db_type(connection)}" for c in plain),
                       *(f"{key} {sql_type}" for key, sql_type in inputs.items())])
    updates = ", ".join(f"{by_name[c].column} = EXCLUDED.{by_name[c].column}" for c in update_fields)
    pairs = [*((c, by_name[c].column) for c in plain), *((key, key) for key in inputs)]
    payload = json.dumps([{column: _json_value(row[c] if isinstance(row, dict) else getattr(row, c))
                           for c, column in pairs} for row in rows], separators=(",", ":"))
    params = [p for c in columns if c in computed for p in computed[c][1]]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({names}) SELECT {selected} "
                       f"FROM jsonb_to_recordset(%s::jsonb) AS r({types}) "
                       f"ON CONFLICT ({', '.join(by_name[c].column for c in unique)}) DO UPDATE SET {updates}",
                       [*params, payload])


def indicator_detail_sql(rows: list) -> tuple[str, list]:
    """The evaluation's `indicators` JSON built by PostgreSQL from three arrays per store (values,
    sources, points, in `rows`' order; `scoring_constants`): {name: {dimension, value, source,
    score}}, the same document `score_values` returns. A JSON null in an array stays null."""
    parts, params = [], []
    for i, (name, dimension, _z, _s, _w) in enumerate(rows):
        parts.append(f"%s::text, jsonb_build_object('dimension', %s::text, 'value', r.iv->>{i}, "
                     f"'source', r.isrc->>{i}, 'score', r.ip->>{i})")
        params += [name, str(dimension)]
    return f"jsonb_build_object({', '.join(parts)})", params


def _json_value(value):
    if isinstance(value, (Decimal, str)):
        return str(value)  # exact decimals; a TextChoices member as its value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# --- the evaluation's inputs and scoring as SQL (PostgreSQL) ------------------------------------
# The Python rule (`services._batch_values` + `services.score_flat`) stays the reference and the path
# on SQLite, for the advisor and when a provider has no SQL form; these build the same figures in
# one statement per batch. tests/merchants/test_credit_sql_path.py holds them equal on random stores.

def metric_inputs_sql(*, month, fields: list[str], providers: list) -> tuple[str, dict]:
    """A SELECT of the batch's stores (`%(store_ids)s`, an array) with, per field of `fields`
    (StoreMetrics columns), the value that counts — a provider's (the last registered with a value
    wins) over the ingested one — as `<field>`, and its source ('computed', 'ingested' or NULL when
    there is no value) as `<field>__src`; plus `base_limit`. `providers`:
    `registry.credit_metric_sql_providers()`. The same for every batch of a month: built once (a
    provider's SQL is a function of the month; compiling its ORM conditions cost ~2 ms a batch)."""
    sql, params = _metric_inputs_sql(month, tuple(fields), tuple(providers))
    return sql, dict(params)


@functools.lru_cache(maxsize=16)
def _metric_inputs_sql(month, fields: tuple[str, ...], providers: tuple) -> tuple[str, dict]:
    from .models import StoreMetrics

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
           f"AND m.store_id = ANY(%(store_ids)s) "  # lets the planner probe the batch's rows, not read the month
           f"{' '.join(joins)} WHERE s.id = ANY(%(store_ids)s)")
    return sql, params


def evaluation_upsert_sql(*, month, now, inputs: tuple[str, dict], rows: list, weights_in: dict, weights: dict,
                          policy, sales_range: tuple, fields: list[str]) -> tuple[str, dict]:
    """One statement that scores the batch as `score_flat` does, upserts every CreditEvaluation
    column (INSERT … SELECT … ON CONFLICT) and sets each store's base limit from its latest
    evaluated month, returning the ids of the stores whose limit changed (SPEC §1): points per
    indicator (linear between the 0- and 100-value, clamped, 2 places half-up; a missing one scores
    0 and is listed), dimension scores (weighted mean, 0 for a dimension of no weight), S, sales
    (ingested, else the month's orders), the base limit (floored to 100 yuan, eco-packaging bonus)
    and the indicators' detail JSON."""
    from merchants.orders.models import Order
    from merchants.stores.models import Store

    from .models import CreditEvaluation, EcoPackaging

    inputs_sql, params = inputs
    params = {**params, "credit_start": sales_range[0], "credit_end": sales_range[1],
              "credit_cancelled": Order.Status.CANCELLED.value, "credit_eval_month": month, "credit_now": now,
              "credit_eco": policy.eco_packaging_bonus_rate, "credit_min": policy.min_multiple,
              "credit_max": policy.max_multiple}
    known = set(fields) | {"cash_flow_ratio"}
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
    sql = f"""
WITH i AS MATERIALIZED ({inputs_sql}),
s AS (
  SELECT i.*, COALESCE(i.monthly_sales, sales.total, 0.00) AS sold,
    CASE WHEN i.monthly_sales__src = 'ingested' THEN 'ingested' ELSE 'orders' END AS sales_source,
    CASE WHEN e.store_id IS NULL THEN 0 ELSE %(credit_eco)s END AS eco
  FROM i
  LEFT JOIN LATERAL (  -- the orders' sales, read only for a store without a sales figure
    SELECT SUM(o.amount - o.refunded_amount) AS total FROM {Order._meta.db_table} o
    WHERE i.monthly_sales IS NULL AND o.store_id = i.store_id
      AND o.paid_at >= %(credit_start)s AND o.paid_at < %(credit_end)s AND o.status <> %(credit_cancelled)s) sales
    ON true
  LEFT JOIN {EcoPackaging._meta.db_table} e ON e.store_id = i.store_id AND e.verified
    AND e.store_id = ANY(%(store_ids)s)),
v AS (
  SELECT s.*, c.ratio AS cash_flow_ratio,
    CASE WHEN c.ratio IS NULL THEN NULL
         WHEN c.ratio = 0 AND (s.net_cash_flow < 0) <> (s.sold < 0) THEN '-' || c.ratio::text  -- Decimal's -0
         ELSE c.ratio::text END AS cash_flow_ratio__text,
    CASE WHEN c.ratio IS NOT NULL THEN s.net_cash_flow__src END AS cash_flow_ratio__src
  FROM s CROSS JOIN LATERAL (SELECT CASE WHEN s.net_cash_flow IS NOT NULL AND s.sold <> 0
                                         THEN ROUND(s.net_cash_flow / s.sold, 4) END AS ratio) c),
p AS MATERIALIZED (SELECT v.*, {', '.join(points)} FROM v),
d AS (SELECT p.*, {', '.join(dim_columns)},
        concat({', '.join(detail)}, '}}')::jsonb AS detail,
        to_jsonb(array_remove(ARRAY[{missing}]::text[], NULL)) AS missing_names
      FROM p),
c AS (SELECT d.*, ROUND(({composite}) / 100, 2) AS composite, ROUND(d.sold, 2) AS sales FROM d),
up AS (
INSERT INTO {CreditEvaluation._meta.db_table} (store_id, month, monthly_sales, sales_source, score,
  {', '.join(str(d) for d in weights_in)}, indicators, missing, base_limit, eco_bonus_rate, evaluated_at)
SELECT c.store_id, %(credit_eval_month)s, c.sales, c.sales_source, c.composite,
  {', '.join(f'c.{d}' for d in weights_in)}, c.detail, c.missing_names,
  ROUND(GREATEST(0, FLOOR(c.sales * (%(credit_min)s + (%(credit_max)s - %(credit_min)s) * c.composite / 100)
                          * (1 + c.eco) / 100) * 100), 2),
  c.eco, %(credit_now)s
FROM c
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
WHERE st.id = latest.store_id AND st.id = ANY(%(store_ids)s) AND st.base_limit IS DISTINCT FROM latest.base_limit
RETURNING st.id"""
    return sql, params
