"""Reads for the logistics plan: shipment lookups other apps call, on-time figures for the credit
score, and the one aggregate query the weekly settlement runs per batch of stores (SPEC §4)."""
import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from config import timeutil
from config.sql import ids_param, no_jit
from merchants.credit.bulk import provider_values
from merchants.models import Order, Violation

from .models import Enrollment, Shipment
from .rules import (
    on_time_expression,
    on_time_sql,
    refunded_before_shipping_sql,
)

DISQUALIFYING_KINDS = (Violation.Kind.FAKE_TRANSACTIONS, Violation.Kind.FAKE_SHIPPING)
DAYS = range(7)


def order_shipped_at(order_id: int):
    """When the order shipped (a shipment on record), or None; registered with merchants.registry."""
    return Shipment.objects.filter(order_id=order_id).values_list("shipped_at", flat=True).first()


# --- on-time rules as SQL conditions ----------------------------------------------------------
def shipments_with_on_time(queryset=None):
    """Shipments with an `on_time` column computed in SQL by the one rule (`rules.on_time_q`):
    what the API and the admin show."""
    queryset = Shipment.objects.all() if queryset is None else queryset
    return queryset.annotate(on_time=on_time_expression())


CREDIT_METRIC_NAMES = ("on_time_rate",)


def credit_metrics(store_ids: list[int], month: dt.date) -> dict[int, dict]:
    """`credit_metrics_sql` run for these stores: {store_id: {on_time_rate}}."""
    return provider_values(credit_metrics_sql, CREDIT_METRIC_NAMES, store_ids, month)


def credit_metrics_sql(month: dt.date) -> tuple[str, dict]:
    """For the credit score (registered with merchants.registry): the on-time rate of each store's
    Taote orders paid in the local month (on-time test and denominator as the weekly evaluation,
    `rules`, without the counted-day condition; 4 places, half-up), as one SELECT (store_id,
    on_time_rate) for the stores of `%(store_ids)s::bigint[]` that the evaluation joins into its
    statement. NULL for a store that recorded no shipment with us that month: no data, so the
    ingested value is used instead."""
    start, end = timeutil.month_bounds(month)
    on_time, on_time_params = on_time_sql(shipment_alias="sh", order_alias="o")
    refunded, refunded_params = refunded_before_shipping_sql(order_alias="o", shipment_alias="sh")
    sql = f"""
        SELECT o.store_id,
          CASE WHEN COUNT(sh.id) > 0 THEN ROUND((COUNT(*) FILTER (WHERE {on_time}))::numeric / COUNT(*), 4)
          END AS on_time_rate
        FROM {Order._meta.db_table} o LEFT JOIN {Shipment._meta.db_table} sh ON sh.order_id = o.id
        WHERE o.store_id = ANY(%(store_ids)s::bigint[]) AND o.channel = %(logistics_taote)s
          AND o.paid_at >= %(logistics_start)s AND o.paid_at < %(logistics_end)s AND NOT ({refunded})
        GROUP BY o.store_id"""
    return sql, {"logistics_taote": Order.Channel.TAOTE.value, "logistics_start": start, "logistics_end": end,
                 **on_time_params, **refunded_params}


# --- weekly evaluation --------------------------------------------------------------------------
def week_finishes_at(monday: dt.date) -> dt.datetime:
    """The week's last shipping deadline: the following Monday 20:00 local (inclusive)."""
    return timeutil.local_at(monday + dt.timedelta(days=7), 20)


def stores_to_settle(monday: dt.date) -> list[int]:
    """Stores with an enrollment that could count at least one day of the week and no result yet."""
    start, _end = timeutil.week_bounds(monday)
    sunday = monday + dt.timedelta(days=6)
    return list(
        Enrollment.objects.filter(counting_from__lte=sunday)
        .filter(Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=start + dt.timedelta(days=1)))
        .exclude(store__logistics_results__week=monday)
        .order_by("store_id").values_list("store_id", flat=True).distinct())


@dataclass
class WeekFigures:
    store_id: int
    counted_days: int
    orders: int
    on_time_orders: int
    parcels: int
    disqualified: bool
    counted: tuple = ()  # per local day, Monday first: 1 when the day counts


def week_figures_sql(monday: dt.date, store_ids: list[int] | None, *,
                     through: dt.date | None = None) -> tuple[str, dict]:
    """One aggregate statement for a batch of stores (or all enrolled stores when `store_ids` is
    None) that returns, per store: counted days, denominator, on-time orders, picked-up parcels
    and disqualification for the week.

    Counted day (SPEC §4, the rule chosen where SPEC is vague): local day D counts when an
    enrollment covers it (counting_from ≤ D and not cancelled before the end of D — the day of
    cancellation does not count) and the wallet balance at the end of D (the running sum of
    ledger entries) is ≥ 0. So the day a balance goes negative and stays negative does not count,
    and the day a top-up brings it back to ≥ 0 counts again, with no new T+2.

    Denominator: Taote orders paid on counted days, excluding orders fully refunded before
    shipping (or refunded and never shipped): `rules.refunded_before_shipping_q`. On time:
    `rules.on_time_q`. Both are rendered into the statement from those definitions. Parcels:
    those orders' official-logistics shipments with a pickup scan, on time or not. Disqualified:
    a fake-transactions or fake-shipping violation that occurred in the week and is confirmed
    now.

    `through` (week-to-date): days after it have not begun and do not count."""
    days = [monday + dt.timedelta(days=i) for i in DAYS]
    starts = [timeutil.local_midnight(d) for d in days]
    ends = [timeutil.local_midnight(d + dt.timedelta(days=1)) for d in days]
    p = {"week_start": starts[0], "week_end": ends[6], "sunday": days[6], "taote": Order.Channel.TAOTE,
         "confirmed": Violation.Status.CONFIRMED, "kind_a": DISQUALIFYING_KINDS[0],
         "kind_b": DISQUALIFYING_KINDS[1], "monday_end": ends[0],
         # a parcel ships after its order was created, which is at most minutes after payment: the
         # margin only lets the shipment index skip older weeks
         "ship_floor": starts[0] - dt.timedelta(days=1)}
    for i in DAYS:
        p[f"d{i}"], p[f"s{i}"], p[f"e{i}"] = days[i], starts[i], ends[i]
    if store_ids is None:
        batch = ("SELECT DISTINCT store_id FROM logistics_enrollment WHERE counting_from <= %(sunday)s "
                 "AND (cancelled_at IS NULL OR cancelled_at >= %(monday_end)s)")

        def of_batch(alias):  # every store: the joins to `batch` do the narrowing
            return "1 = 1"
    else:
        # The ids as one array parameter, visible to the planner (index scans per batch), unlike a
        # semi-join on a CTE, which made every batch scan whole tables.
        p["ids"] = ids_param(store_ids)
        batch = "SELECT unnest(%(ids)s::bigint[]) AS store_id"

        def of_batch(alias):
            return f"{alias}.store_id = ANY(%(ids)s::bigint[])"
    enr = ", ".join(f"MAX(CASE WHEN e.counting_from <= %(d{i})s AND (e.cancelled_at IS NULL OR "
                    f"e.cancelled_at >= %(e{i})s) THEN 1 ELSE 0 END) AS e{i}" for i in DAYS)
    bal = ", ".join(f"SUM(CASE WHEN l.created_at < %(e{i})s THEN l.amount ELSE 0 END) AS b{i}" for i in DAYS)
    cnt = ", ".join(f"CASE WHEN COALESCE(enr.e{i}, 0) = 1 AND ROUND(COALESCE(bal.b{i}, 0), 2) >= 0 "
                    f"THEN 1 ELSE 0 END AS k{i}" if through is None or days[i] <= through else f"0 AS k{i}"
                    for i in DAYS)
    day_of = "CASE " + " ".join(f"WHEN o.paid_at < %(e{i})s THEN {i}" for i in range(6)) + " ELSE 6 END"
    # One row per store with each day's figures side by side (n0…n6, t0…t6, p0…p6), aggregated by
    # store alone: a few hundred groups, hashed as the orders stream in. Grouping by (store, day)
    # made the planner expect a group per order and sort every order of the batch first (the
    # busiest batch at 10× data: 350,000 orders sorted, a quarter of its time).
    per_day = ",\n    ".join(
        f"COUNT(*) FILTER (WHERE x.d = {i}) AS n{i}, COUNT(*) FILTER (WHERE x.d = {i} AND x.t) AS t{i}, "
        f"COUNT(*) FILTER (WHERE x.d = {i} AND x.pc) AS p{i}" for i in DAYS)

    def counted(measure):
        return " + ".join(f"c.k{i} * COALESCE(ord.{measure}{i}, 0)" for i in DAYS)

    ks = ", ".join(f"c.k{i}" for i in DAYS)
    # the rules, rendered from their one definition
    on_time, on_time_params = on_time_sql(shipment_alias="sh", order_alias="o")
    refunded, refunded_params = refunded_before_shipping_sql(order_alias="o", shipment_alias="sh")
    p.update(on_time_params, **refunded_params)
    sql = f"""
WITH batch AS ({batch}),
enr AS (
  SELECT e.store_id, {enr}
  FROM logistics_enrollment e
  WHERE {of_batch('e')} AND e.counting_from <= %(sunday)s
    AND (e.cancelled_at IS NULL OR e.cancelled_at >= %(monday_end)s)
  GROUP BY e.store_id),
bal AS (
  SELECT l.store_id, {bal}
  FROM merchants_ledgerentry l
  WHERE {of_batch('l')} AND l.created_at < %(week_end)s
  GROUP BY l.store_id),
cnt AS (
  SELECT b.store_id, {cnt}
  FROM batch b LEFT JOIN enr ON enr.store_id = b.store_id LEFT JOIN bal ON bal.store_id = b.store_id),
shp AS (
  SELECT sh.order_id, sh.official_logistics, sh.shipped_at, sh.deadline, sh.picked_up_at
  FROM logistics_shipment sh
  WHERE {of_batch('sh')} AND sh.shipped_at >= %(ship_floor)s),
ord AS (
  SELECT x.store_id,
    {per_day}
  FROM (
    SELECT o.store_id, {day_of} AS d, COALESCE({on_time}, FALSE) AS t,
      COALESCE(sh.official_logistics AND sh.picked_up_at IS NOT NULL, FALSE) AS pc
    FROM merchants_order o LEFT JOIN shp sh ON sh.order_id = o.id
    WHERE {of_batch('o')} AND o.channel = %(taote)s
      AND o.paid_at >= %(week_start)s AND o.paid_at < %(week_end)s
      AND NOT {refunded}) x
  GROUP BY x.store_id)
SELECT c.store_id, ({' + '.join(f'c.k{i}' for i in DAYS)}) AS counted_days,
  {counted('n')} AS orders,
  {counted('t')} AS on_time_orders,
  {counted('p')} AS parcels,
  CASE WHEN EXISTS (SELECT 1 FROM merchants_violation v WHERE v.store_id = c.store_id
    AND v.kind IN (%(kind_a)s, %(kind_b)s) AND v.status = %(confirmed)s
    AND v.occurred_at >= %(week_start)s AND v.occurred_at < %(week_end)s) THEN 1 ELSE 0 END AS disqualified,
  {ks}
FROM cnt c LEFT JOIN ord ON ord.store_id = c.store_id
ORDER BY c.store_id"""
    return sql, p


def week_figures(monday: dt.date, store_ids: list[int] | None, *,
                 through: dt.date | None = None) -> list[WeekFigures]:
    sql, params = week_figures_sql(monday, store_ids, through=through)
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner over-estimates the joined CTEs by orders of magnitude, which switches on JIT
        # compilation with inlining: ~1.5 s of compiling for a query that runs in tens of ms.
        no_jit(cursor)
        cursor.execute("SET LOCAL work_mem = '64MB'")  # sorts and hashes of a batch stay in memory
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [WeekFigures(store_id=r[0], counted_days=int(r[1]), orders=int(r[2]), on_time_orders=int(r[3]),
                        parcels=int(r[4]), disqualified=bool(r[5]), counted=tuple(int(k) for k in r[6:13]))
            for r in rows]
