"""Credit score and base limit (SPEC §1, 先用后付额度).

Scoring, in short (operators edit the numbers in the admin, "Credit score policy" and
"Credit score indicators"):

- Each indicator is scaled linearly into 0–100 between the value that scores 0 and the value
  that scores 100 (clamped; lower-is-better when the 100-value is below the 0-value). A
  missing indicator scores 0 and is listed as missing.
- A dimension's score is the weighted mean of its indicators (weights relative within the
  dimension); S = Σ dimension score × dimension weight ÷ 100 (weights sum to 100).
- Base limit for month M = M's sales × (3 + 2·S/100), rounded down to 100 yuan.

Where the values come from: `monthly_sales` is the ingested figure, else this store's orders
paid in M (local), not cancelled, amount minus refunded. Rates the platform owns itself
(dispute/return from refunds, on-time from logistics) come from the statements the other apps
register with `merchants.registry`; ours win, an ingested value is the fallback.

The rule is written once, in SQL (`bulk`): a batch of stores is one INSERT … SELECT … ON
CONFLICT that reads the inputs, scores them and sets the base limits
(`bulk.evaluation_upsert_sql`); one store is a batch of one. Scoring given values (the advisor's
"what if") runs the same scoring CTEs over them (`score_trials`), and a limit the same
expression (`base_limit_for`)."""
import json
import logging
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db import connection, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from config import timeutil
from config.api.errors import DomainError
from config.money import ZERO, money
from config.sql import ids_param, no_jit, of_ids
from merchants import events
from merchants.orders.models import Order
from merchants.registry import credit_metric_sql_providers
from merchants.risk.services import risk_check_stores
from merchants.stores.models import Store

from .bulk import (
    BATCH_SIZE,
    evaluation_upsert_sql,
    limit_params,
    limit_sql,
    metric_inputs_sql,
    sales_orders_q,
    scoring_ctes,
)
from .models import CreditIndicator, CreditScorePolicy, Dimension, EcoPackaging, StoreMetrics

log = logging.getLogger(__name__)
DIMENSIONS = tuple(Dimension.values)  # computed once: the enum property rebuilds its list on each access
HUNDRED = Decimal(100)

# Default scaling (value scoring 0, value scoring 100, weight in dimension). Why these:
# - repeat rate: the seed's good stores reach 25–35% repeat buyers;
# - DSR: below 4.0 is poor on Taobao, 5.0 is perfect; the raise rule's bar is 4.5;
# - on-time rate: the logistics plan pays from 85%; 60% or worse scores nothing;
# - collection cycle: the seed cuts 45 → 15 days; 60+ days scores 0, 7 days full;
# - inventory turnover: industry average 28 days (seed); 60+ → 0, 15 → full;
# - cash flow ratio = net cash flow ÷ monthly sales: −20% → 0, +20% → full;
# - dispute rate: the seed calls 1.8% bad, 1.2% average, 0.3% good: 2% → 0, 0% → full;
# - return rate: 15% → 0, 2% → full;
# - complaint response: the seed promises 24 h; 72 h → 0, 12 h → full;
# - category rank as the store's top fraction (0.10 = top 10%): bottom half → 0, top → full;
# - top products' share: the seed wants core products ≥ 60% of sales;
# - marketing participation: share of platform campaigns joined, 0 → 0, 100% → full.
DEFAULT_INDICATORS = {
    "repeat_rate": (Dimension.STORE_HEALTH, "0", "0.30", "1"),
    "dsr_score": (Dimension.STORE_HEALTH, "4.0", "5.0", "1"),
    "on_time_rate": (Dimension.STORE_HEALTH, "0.60", "1.00", "1"),
    "collection_cycle_days": (Dimension.CAPITAL_TURNOVER, "60", "7", "1"),
    "inventory_turnover_days": (Dimension.CAPITAL_TURNOVER, "60", "15", "1"),
    "cash_flow_ratio": (Dimension.CAPITAL_TURNOVER, "-0.20", "0.20", "1"),
    "dispute_rate": (Dimension.RISK_CONTROL, "0.02", "0", "1"),
    "return_rate": (Dimension.RISK_CONTROL, "0.15", "0.02", "1"),
    "complaint_response_hours": (Dimension.RISK_CONTROL, "72", "12", "1"),
    "category_rank_percentile": (Dimension.MARKET, "0.50", "0", "1"),
    "top_products_share": (Dimension.MARKET, "0", "0.60", "1"),
    "marketing_participation": (Dimension.MARKET, "0", "1", "1"),
}
# Indicators read straight from StoreMetrics (cash_flow_ratio is derived).
METRIC_FIELDS = ["monthly_sales", "repeat_rate", "dsr_score", "on_time_rate", "collection_cycle_days",
                 "inventory_turnover_days", "net_cash_flow", "dispute_rate", "return_rate",
                 "complaint_response_hours", "category_rank_percentile", "top_products_share",
                 "marketing_participation"]


def _indicator_defaults(name: str) -> dict:
    dimension, zero_at, full_at, weight = DEFAULT_INDICATORS[name]
    return dict(dimension=dimension, zero_at=Decimal(zero_at), full_at=Decimal(full_at), weight=Decimal(weight))


def credit_indicators() -> list[CreditIndicator]:
    """The saved indicators, and any missing one at its code default (unsaved): a read, so
    scoring and the advisor work on a database where the rows were never created."""
    existing = {i.name: i for i in CreditIndicator.objects.all()}
    return [*existing.values(), *(CreditIndicator(name=name, **_indicator_defaults(name))
                                  for name in DEFAULT_INDICATORS if name not in existing)]


def ensure_default_indicators(using: str = "default") -> None:
    """Create the missing indicator rows at their defaults, so operators can edit them (after
    `migrate`, and by the demo seed)."""
    for name in DEFAULT_INDICATORS:
        CreditIndicator.objects.using(using).get_or_create(name=name, defaults=_indicator_defaults(name))


def floor_to_100(value: Decimal) -> Decimal:
    return (Decimal(value) / HUNDRED).to_integral_value(rounding=ROUND_FLOOR) * HUNDRED


def base_limit_for(*, sales: Decimal, score: Decimal, policy: CreditScorePolicy | None = None,
                   bonus_rate: Decimal = ZERO) -> Decimal:
    """M's sales × (3 + 2·S/100), × (1 + eco-packaging bonus) when verified (SPEC §5), then
    rounded down to 100 yuan (multiples and bonus are policy): `bulk.limit_sql`, the expression
    the evaluation uses, for one set of figures."""
    policy = policy or CreditScorePolicy.current()
    with connection.cursor() as cursor:
        expression = limit_sql(sales="%(sales)s::numeric", score="%(score)s::numeric", eco="%(eco)s::numeric")
        cursor.execute(f"SELECT {expression}",
                       {"sales": Decimal(sales), "score": Decimal(score), "eco": Decimal(bonus_rate),
                        **limit_params(policy)})
        return money(cursor.fetchone()[0])


@dataclass
class ScoreResult:
    score: Decimal
    dimensions: dict
    indicators: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    base_limit: Decimal | None = None


def scoring_constants(indicators) -> tuple[list, dict]:
    """Per indicator (name, dimension, 0-value, span, weight), and Σ weight per dimension."""
    rows = [(i.name, i.dimension, i.zero_at, i.full_at - i.zero_at, i.weight) for i in indicators]
    weights = {d: sum((w for _n, dim, _z, _s, w in rows if dim == d), Decimal(0)) for d in DIMENSIONS}
    return rows, weights


def score_trials(trials: list[dict], *, sources: dict | None = None, indicators=None,
                 policy: CreditScorePolicy | None = None, sales: Decimal = ZERO,
                 bonus_rate: Decimal = ZERO) -> list[ScoreResult]:
    """Score sets of indicator values (name → Decimal or None; a missing name is a missing
    value) in one statement, with the evaluation's own scoring (`bulk.scoring_ctes`) and, from
    `sales` and `bonus_rate`, the base limit each would give."""
    indicators = indicators if indicators is not None else credit_indicators()
    policy = policy or CreditScorePolicy.current()
    sources = sources or {}
    rows, weights_in = scoring_constants(indicators)
    names = [r[0] for r in rows]
    params = {**limit_params(policy)}
    scoring = scoring_ctes(rows=rows, weights_in=weights_in, weights=policy.weights(), known=set(names),
                           params=params)
    types = ", ".join(["k int", "sold numeric", "eco numeric", "cash_flow_ratio__text text",
                       *(f"{n} numeric, {n}__src text" for n in names)])
    records = []
    for k, values in enumerate(trials):
        record = {"k": k, "sold": str(sales), "eco": str(bonus_rate)}
        for n in names:
            value = values.get(n)
            record[n] = None if value is None else str(value)
            record[f"{n}__src"] = sources.get(n)
        record["cash_flow_ratio__text"] = record.get("cash_flow_ratio")
        records.append(record)
    params["credit_trials"] = json.dumps(records)
    dims = ", ".join(str(d) for d in weights_in)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH v AS (SELECT * FROM jsonb_to_recordset(%(credit_trials)s::jsonb) AS r({types})), "
                       f"{scoring} SELECT composite, detail::text, missing_names::text, new_limit, {dims} "
                       f"FROM l ORDER BY k", params)
        out = []
        for composite, detail, missing, limit, *dimensions in cursor.fetchall():
            out.append(ScoreResult(score=composite, dimensions=dict(zip(weights_in, dimensions)),
                                   indicators=json.loads(detail), missing=json.loads(missing), base_limit=limit))
    return out


def score_values(values: dict, *, sources: dict | None = None, indicators=None,
                 policy: CreditScorePolicy | None = None) -> ScoreResult:
    """Score one store's indicator values (`score_trials` of one)."""
    return score_trials([values], sources=sources, indicators=indicators, policy=policy)[0]


def order_sales(store_ids: list[int], month) -> dict[int, Decimal]:
    """The stores' sales from their orders for the local month (`bulk.sales_orders_q`): amount
    minus refunded, pay-later and standard orders alike."""
    net = ExpressionWrapper(F("amount") - F("refunded_amount"), output_field=DecimalField(max_digits=14,
                                                                                            decimal_places=2))
    rows = (Order.objects.filter(of_ids(Order, store_ids), sales_orders_q(month))
            .values("store_id").annotate(total=Sum(net)).order_by())
    return {r["store_id"]: (r["total"] or ZERO) for r in rows}


def evaluate_stores(*, store_ids: list[int], month, now=None) -> int:
    """Evaluate one batch of stores (or one store) for a closed month in one statement
    (`bulk.evaluation_upsert_sql`): upsert their evaluations (unique per store and month, so a
    rerun or a concurrent run replaces, never duplicates) and set each store's base limit from its
    latest evaluated month. Returns the number of stores evaluated."""
    now = now or timezone.now()
    policy = CreditScorePolicy.current()
    rows, weights_in = scoring_constants(credit_indicators())
    inputs = metric_inputs_sql(month=month, fields=METRIC_FIELDS, providers=credit_metric_sql_providers())
    sql, params = evaluation_upsert_sql(month=month, now=now, inputs=inputs, rows=rows, weights_in=weights_in,
                                        weights=policy.weights(), policy=policy, fields=METRIC_FIELDS)
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        cursor.execute(sql, {**params, "store_ids": ids_param(store_ids)})
        events.credit_limits_changed([row[0] for row in cursor.fetchall()])
    return len(store_ids)


def evaluate_month(*, month, now=None, batch_size: int = BATCH_SIZE) -> int:
    """Evaluate every store for a closed month (the job on the 1st; SPEC §1), and run the monthly
    risk self-check of each batch (SPEC §5). Returns the number of stores evaluated. Refuses an
    open month."""
    now = now or timezone.now()
    if not timeutil.month_is_closed(month, now):
        raise DomainError("month_not_closed", f"{month:%Y-%m} is not closed yet.")
    count = 0
    last_id = 0
    while True:
        ids = list(Store.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        try:
            evaluate_stores(store_ids=ids, month=month, now=now)
            count += len(ids)
        except Exception:
            log.exception("credit evaluation of %s failed for stores %s–%s", month, ids[0], ids[-1])
        try:  # the monthly risk self-check goes with the evaluation (SPEC §5)
            risk_check_stores(store_ids=ids, month=month, now=now)
        except Exception:
            log.exception("risk self-check of %s failed for stores %s–%s", month, ids[0], ids[-1])
        last_id = ids[-1]
    log.info("credit evaluation of %s: %s stores", month, count)
    return count


def metrics_upsert(*, store: Store, month, values: dict) -> tuple[StoreMetrics, bool]:
    """Insert or update one store's metrics for one month (only the given fields change)."""
    with transaction.atomic():
        metrics, created = StoreMetrics.objects.select_for_update().get_or_create(store=store, month=month,
                                                                                  defaults=values)
        if not created and values:
            for name, value in values.items():
                setattr(metrics, name, value)
            metrics.save()
    if month == timeutil.previous_month():
        # Ingesting metrics for the latest closed month re-evaluates the store at once, so a
        # new store need not wait for the 1st (SPEC §1); its risk self-check goes with it (§5).
        reevaluate_stores(store_ids=[store.pk], month=month)
    return metrics, created


def reevaluate_stores(*, store_ids: list[int], month, now=None) -> int:
    """Evaluate these stores for a closed month with their risk self-check (SPEC §1, §5), as the
    monthly job does for every store: after new metrics, or by an operator's action. Batches of
    BATCH_SIZE; returns the number of stores."""
    now = now or timezone.now()
    for start in range(0, len(store_ids), BATCH_SIZE):
        ids = list(store_ids[start:start + BATCH_SIZE])
        evaluate_stores(store_ids=ids, month=month, now=now)
        risk_check_stores(store_ids=ids, month=month, now=now)
    return len(store_ids)



def eco_packaging_set(*, store: Store, verified: bool, user=None, by: str = "") -> EcoPackaging:
    """Record whether the platform verified the store's degradable packaging (SPEC §5). It
    counts from the next evaluation: the base limit in force is not touched here."""
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()  # serialises the first verification
        eco = EcoPackaging.objects.filter(store=store).first() or EcoPackaging(store=store, verified=not verified)
        if eco.pk is None or eco.verified != verified:
            eco.verified = verified
            eco._change_reason = f"eco-packaging {'verified' if verified else 'withdrawn'}{' by ' + by if by else ''}"
            if user is not None:
                eco._history_user = user
            eco.save()
    return eco
