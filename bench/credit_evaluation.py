"""Benchmark of the monthly credit evaluation (SPEC §1, 先用后付额度) against a bare aggregate.

Generates N stores set-based (bench/risk_check.py's data: three months of ingested metrics, four
paid orders each, a base limit; here also 10% of the stores without ingested metrics, so their
sales come from orders and indicators are missing, and 1 in 7 with verified eco-packaging), then
measures in one run:
  * the bare aggregate: one SQL statement, written here from SPEC §1 and not from the project's
    code, that computes every store's figures — monthly sales, the indicator values (ours win over
    ingested ones), the dimension scores, S and the base limit; the same statement again writing
    what an evaluation keeps (each store's evaluation row with its indicators' JSON, and its base
    limit) in a transaction rolled back, the goal's yardstick ("set-based aggregates + update", as
    the issue measured it, and as the risk benchmark's bare write does);
  * the credit evaluation of every store for the month (`evaluate_stores`, batch by batch as the
    monthly job runs them), which writes the evaluations and the stores' base limits; before each
    run the month's evaluations are deleted and the limits cleared, so every run does it all.
Each side is the fastest of three runs.
Then it checks that both agree for every store (sales, S, base limit) and fails loudly if not.
Goal (issue 16): the evaluation ≤ 3× the bare aggregate + write for 10,000 stores; the ratio to the
read-only aggregate is printed beside it.

    .venv/bin/python bench/credit_evaluation.py                 # 10,000 stores, the monthly job's batches

It uses its own database (default ops_bench_credit, created if missing; its tables are TRUNCATEd).
"""
import argparse
import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    Measurement,
    add_database_argument,
    bare_write_rolled_back,
    month_rates_ctes,
    prepare,
)

MONTH = dt.date(2026, 10, 1)
STORES = 10_000

# SPEC §1 written out by hand: each indicator scaled linearly into 0–100 between its 0-value and its
# 100-value (clamped, 2 places half-up), a dimension = weighted mean of its indicators, S = Σ
# dimension × weight ÷ 100, base limit = sales × (min + (max − min)·S/100) × (1 + eco bonus),
# rounded down to 100 yuan. Our own rates win over ingested ones: dispute and return rates from
# refund cases opened in the month ÷ orders paid (capped at 1), on-time rate of the month's Taote
# orders (not refunded before shipping) when the store shipped any with us.
BARE_CTES = """
WITH pol AS (
  SELECT COALESCE(MAX(weight_store_health), 40) AS w_store_health,
         COALESCE(MAX(weight_capital_turnover), 30) AS w_capital_turnover,
         COALESCE(MAX(weight_risk_control), 20) AS w_risk_control, COALESCE(MAX(weight_market), 10) AS w_market,
         COALESCE(MAX(min_multiple), 3) AS lo, COALESCE(MAX(max_multiple), 5) AS hi,
         COALESCE(MAX(eco_packaging_bonus_rate), 0) AS eco
  FROM merchants_creditscorepolicy WHERE id = 1),
""" + month_rates_ctes(with_net=True) + """vals AS (
  SELECT s.id AS store_id, COALESCE(m.monthly_sales, p.net, 0) AS sales,
    m.repeat_rate, m.dsr_score,
    CASE WHEN p.shipped > 0 AND p.taote > 0 THEN ROUND(p.on_time::numeric / p.taote, 4) ELSE m.on_time_rate END
      AS on_time_rate,
    m.collection_cycle_days, m.inventory_turnover_days,
    CASE WHEN COALESCE(m.monthly_sales, p.net, 0) = 0 THEN NULL
         ELSE ROUND(m.net_cash_flow / COALESCE(m.monthly_sales, p.net, 0), 4) END AS cash_flow_ratio,
    CASE WHEN p.n > 0 THEN LEAST(1, ROUND(COALESCE(c.disputes, 0)::numeric / p.n, 4)) ELSE m.dispute_rate END
      AS dispute_rate,
    CASE WHEN p.n > 0 THEN LEAST(1, ROUND(COALESCE(c.returns, 0)::numeric / p.n, 4)) ELSE m.return_rate END
      AS return_rate,
    m.complaint_response_hours, m.category_rank_percentile, m.top_products_share, m.marketing_participation,
    CASE WHEN eco.verified THEN (SELECT eco FROM pol) ELSE 0 END AS bonus
  FROM merchants_store s
  LEFT JOIN merchants_storemetrics m ON m.store_id = s.id AND m.month = %(month)s
  LEFT JOIN paid p ON p.store_id = s.id
  LEFT JOIN cases c ON c.store_id = s.id
  LEFT JOIN merchants_ecopackaging eco ON eco.store_id = s.id),
points AS (
  SELECT v.store_id, i.dimension, i.weight, x.name, x.value,
    COALESCE(ROUND(LEAST(1, GREATEST(0, (x.value - i.zero_at) / (i.full_at - i.zero_at))) * 100, 2), 0) AS pts
  FROM vals v
  CROSS JOIN LATERAL (VALUES ('repeat_rate', v.repeat_rate), ('dsr_score', v.dsr_score),
    ('on_time_rate', v.on_time_rate), ('collection_cycle_days', v.collection_cycle_days),
    ('inventory_turnover_days', v.inventory_turnover_days), ('cash_flow_ratio', v.cash_flow_ratio),
    ('dispute_rate', v.dispute_rate), ('return_rate', v.return_rate),
    ('complaint_response_hours', v.complaint_response_hours),
    ('category_rank_percentile', v.category_rank_percentile), ('top_products_share', v.top_products_share),
    ('marketing_participation', v.marketing_participation)) AS x(name, value)
  JOIN merchants_creditindicator i ON i.name = x.name),
dims AS (
  SELECT store_id,
    COALESCE(ROUND(SUM(weight * pts) FILTER (WHERE dimension = 'store_health')
                   / NULLIF(SUM(weight) FILTER (WHERE dimension = 'store_health'), 0), 2), 0) AS store_health,
    COALESCE(ROUND(SUM(weight * pts) FILTER (WHERE dimension = 'capital_turnover')
                   / NULLIF(SUM(weight) FILTER (WHERE dimension = 'capital_turnover'), 0), 2), 0) AS capital_turnover,
    COALESCE(ROUND(SUM(weight * pts) FILTER (WHERE dimension = 'risk_control')
                   / NULLIF(SUM(weight) FILTER (WHERE dimension = 'risk_control'), 0), 2), 0) AS risk_control,
    COALESCE(ROUND(SUM(weight * pts) FILTER (WHERE dimension = 'market')
                   / NULLIF(SUM(weight) FILTER (WHERE dimension = 'market'), 0), 2), 0) AS market,
    -- as JSON text built by concat() and parsed once: the cheapest form measured (as the risk
    -- benchmark's); jsonb_object_agg of jsonb_build_object cost a fifth more
    concat('{', string_agg(concat('"', name, '":{"dimension":"', dimension, '","value":',
                                  COALESCE('"' || value::text || '"', 'null'), ',"score":"', pts::text, '"}'), ','),
           '}')::jsonb AS detail
  FROM points GROUP BY store_id),
scored AS (
  SELECT d.*, v.sales, v.bonus,
    ROUND((d.store_health * pol.w_store_health + d.capital_turnover * pol.w_capital_turnover
           + d.risk_control * pol.w_risk_control + d.market * pol.w_market) / 100.0, 2) AS s
  FROM dims d JOIN vals v ON v.store_id = d.store_id CROSS JOIN pol),
limits AS (
  SELECT sc.*, GREATEST(0, FLOOR(sc.sales * (pol.lo + (pol.hi - pol.lo) * sc.s / 100) * (1 + sc.bonus) / 100) * 100)
    AS base_limit
  FROM scored sc CROSS JOIN pol)"""
BARE_SQL = BARE_CTES + """
SELECT store_id, ROUND(sales, 2), s, base_limit FROM limits ORDER BY store_id
"""
# The same aggregate and what an evaluation keeps of it, written by hand: one row per store and
# month (sales, S, the four dimension scores, base limit, bonus, each indicator's value and score
# as JSON) and the store's base limit, as the issue's own baseline was "set-based aggregates +
# update" (the risk benchmark's bare write likewise). Run in a transaction that is rolled back, for
# a month no evaluation exists for.
BARE_WRITE_SQL = BARE_CTES + """,
written AS (
  INSERT INTO merchants_creditevaluation (store_id, month, monthly_sales, sales_source, score, store_health,
    capital_turnover, risk_control, market, indicators, missing, base_limit, eco_bonus_rate, evaluated_at)
  SELECT store_id, %(write_month)s, ROUND(sales, 2), 'orders', s, store_health, capital_turnover, risk_control,
    market, detail, '[]'::jsonb, base_limit, bonus, now()
  FROM limits
  RETURNING store_id, base_limit)
UPDATE merchants_store st SET base_limit = w.base_limit FROM written w WHERE st.id = w.store_id
"""


def generate(*, stores: int, month: dt.date = MONTH) -> None:
    from django.db import connection

    from bench import risk_check
    from merchants.credit.services import ensure_default_indicators

    risk_check.generate(stores=stores, month=month)
    with connection.cursor() as c:
        c.execute("DELETE FROM merchants_storemetrics WHERE month = %s AND store_id %% 10 = 3", [month])
        c.execute("INSERT INTO merchants_ecopackaging (store_id, verified, updated_at) "
                  "SELECT id, true, now() FROM merchants_store WHERE id % 7 = 0")
        c.execute("ANALYZE")
    ensure_default_indicators()


def bare_aggregate(month: dt.date = MONTH) -> tuple[float, dict]:
    """(seconds, {store_id: (sales, S, base limit)}) from the one hand-written statement."""
    from django.db import connection, transaction

    from config import timeutil

    start, end = timeutil.month_bounds(month)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL jit = off")  # the project's queries run without JIT too
        c.execute(BARE_SQL, {"start": start, "end": end, "month": month})
        rows = c.fetchall()
    return time.perf_counter() - started, {r[0]: (Decimal(r[1]), Decimal(r[2]), Decimal(r[3])) for r in rows}


def bare_write(month: dt.date = MONTH) -> float:
    """Seconds of the bare aggregate that also writes each store's evaluation and base limit
    (BARE_WRITE_SQL), rolled back: the yardstick for a job whose output is rows. Before the
    rollback it checks that it wrote what the evaluation wrote (score and base limit per store)."""
    from config import timeutil

    start, end = timeutil.month_bounds(month)
    params = {"start": start, "end": end, "month": month, "write_month": dt.date(1900, 1, 1)}
    took, (differ, written) = bare_write_rolled_back(BARE_WRITE_SQL, params, check_sql=BARE_WRITE_CHECK_SQL)
    if differ or not written:
        raise AssertionError(f"the bare write differs from the evaluation for {differ} of {written} stores")
    return took


BARE_WRITE_CHECK_SQL = """
SELECT COUNT(*) FILTER (WHERE p.id IS NULL OR b.score <> p.score OR b.base_limit <> p.base_limit
                        OR (SELECT COUNT(*) FROM jsonb_object_keys(b.indicators))
                           <> (SELECT COUNT(*) FROM jsonb_object_keys(p.indicators))),
       COUNT(*)
FROM merchants_creditevaluation b
LEFT JOIN merchants_creditevaluation p ON p.store_id = b.store_id AND p.month = %(month)s
WHERE b.month = %(write_month)s
"""


REPEATS = 3


def unevaluated(month: dt.date = MONTH) -> None:
    """Back to before the month's evaluation (outside the timing): no evaluation of the month and
    no base limit, so that every run inserts each evaluation and sets each store's limit."""
    from django.db import connection

    from merchants.models import CreditEvaluation, Store

    CreditEvaluation.objects.filter(month=month).delete()
    Store.objects.update(base_limit=0)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {CreditEvaluation._meta.db_table}, {Store._meta.db_table}")


def evaluate(month: dt.date = MONTH, batch_size: int | None = None) -> tuple[float, int]:
    """The evaluation of every store as the monthly job runs it, batch by batch (its size,
    `credit.services.BATCH_SIZE`, unless given): (seconds, batches)."""
    from merchants.credit.services import BATCH_SIZE, evaluate_stores

    batch_size = batch_size or BATCH_SIZE
    from merchants.models import Store

    now = dt.datetime(2026, 11, 2, 2, tzinfo=dt.timezone.utc)
    started = time.perf_counter()
    ids = list(Store.objects.order_by("pk").values_list("pk", flat=True))
    batches = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]
    for batch in batches:
        evaluate_stores(store_ids=batch, month=month, now=now)
    return time.perf_counter() - started, len(batches)


def check_agreement(expected: dict, month: dt.date = MONTH) -> None:
    """Every store's evaluation equals the bare aggregate's figures, and its base limit is set."""
    from merchants.models import CreditEvaluation, Store

    got = {store_id: (sales, s, limit) for store_id, sales, s, limit in CreditEvaluation.objects.filter(
        month=month).values_list("store_id", "monthly_sales", "score", "base_limit")}
    wrong = [(pk, expected.get(pk), got.get(pk)) for pk in sorted(set(expected) | set(got))
             if expected.get(pk) != got.get(pk)]
    if wrong:
        raise AssertionError(f"credit evaluation differs from the bare aggregate for {len(wrong)} stores "
                             f"(store, bare, evaluation): {wrong[:5]}")
    limits = dict(Store.objects.values_list("pk", "base_limit"))
    stale = [pk for pk, (_sales, _s, limit) in expected.items() if limits[pk] != limit]
    if stale:
        raise AssertionError(f"{len(stale)} stores' base limit was not set from the evaluation: {stale[:5]}")


def measure(*, scale: float, out=print, batch_size: int | None = None) -> list[Measurement]:
    from merchants.credit.services import BATCH_SIZE

    stores, batch_size = max(30, round(STORES * scale)), batch_size or BATCH_SIZE
    out(f"credit evaluation benchmark ({stores:,} stores, month {MONTH:%Y-%m}, batch size {batch_size})")
    started = time.perf_counter()
    generate(stores=stores)
    out(f"  generated in {time.perf_counter() - started:.1f} s")
    bare_aggregate()  # warm the cache so both read the same buffers
    # Each side the fastest of REPEATS runs (as the settlement benchmark): one run of either moved
    # by ±20% between runs on this shared machine. Every evaluation run does the whole work.
    reads, bares, tooks = [], [], []
    for _ in range(REPEATS):
        read, expected = bare_aggregate()
        reads.append(read)
        unevaluated()
        took, batches = evaluate(batch_size=batch_size)
        check_agreement(expected)
        tooks.append(took)
        bares.append(bare_write())  # after the evaluation: it checks it wrote the same
    read, bare, took = min(reads), min(bares), min(tooks)
    ratio = took / bare
    out(f"  bare aggregate + write {' / '.join(f'{t:.2f}' for t in bares)} s (read only "
        f"{' / '.join(f'{t:.2f}' for t in reads)} s) · credit evaluation "
        f"{' / '.join(f'{t:.2f}' for t in tooks)} s ({batches} batches, {took / batches * 1000:.0f} ms per batch "
        f"of {batch_size}) · fastest of {REPEATS}: ratio {ratio:.2f}× ({took / read:.2f}× the read-only aggregate)"
        f" · figures agree")
    return [Measurement(name="credit evaluation", value=ratio, goal="≤ 3×", met=ratio <= 3,
                        project=f"{took:.2f} s",
                        baseline=f"{bare:.2f} s aggregate + write (read only {read:.2f} s: {took / read:.2f}×)",
                        data=f"{stores:,} stores")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="× 10,000 stores")
    parser.add_argument("--batch-size", type=int, help="default: the monthly job's")
    add_database_argument(parser, "ops_bench_credit")
    args = parser.parse_args(argv)
    prepare(parser, args.database_url)
    for m in measure(scale=args.scale, batch_size=args.batch_size):
        print(m.line())


if __name__ == "__main__":
    main()
