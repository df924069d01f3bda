"""Benchmark of the weekly logistics settlement (SPEC §4, issue 6).

Generates N stores and M shipments for one week in PostgreSQL with set-based inserts
(generate_series), then measures in one run:
  * a bare SQL aggregate computing the same per-store figures for every store in one statement,
    written independently from SPEC §4 (not rendered from the project's rules), whose figures must
    equal the settled results for every store (the run fails loudly otherwise);
  * the full settlement (batches, one aggregate per batch, bulk writes of results, history rows and
    ledger payouts, run bookkeeping), in-process or with --workers processes standing in for Celery
    workers;
  * the same at 10× data (N and M both ×10) for the scaling ratio.
Targets (issue 6): settlement ≤ 3× the bare aggregate; 10× data ≤ 12× time.

    .venv/bin/python bench/settlement.py                      # defaults: 2,000 stores / 200,000 shipments
    .venv/bin/python bench/settlement.py --stores 5000 --shipments 1000000 --workers 2

It uses its own database (default ops_bench, created if missing; its tables are TRUNCATEd).
"""
import argparse
import datetime as dt
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Measurement, add_database_argument, prepare  # noqa: E402

WEEK = dt.date(2026, 11, 9)  # 2026-W46


def spec_tiers() -> None:
    """Exactly SPEC §4's tiers (the ones `BARE_SQL` writes by hand), as logistics/defaults.py
    creates them. A database the test suite flushed has none (the
    migration's rows are gone), and the settlement then pays no tier: the benchmark disagreed with
    its baseline whenever a store of the random data reached one."""
    from logistics.defaults import create_tiers
    from logistics.models import IncentiveTier

    IncentiveTier.objects.all().delete()
    create_tiers(IncentiveTier)


def generate(*, stores: int, shipments: int, week: dt.date = WEEK) -> None:
    """Fill the database set-based: stores, products, enrollments, ledger entries (5% of stores go
    negative mid-week and top up later), orders (skewed across stores so every tier occurs; 95%
    Taote, 2% refunded), shipments for 97% of them (98% official logistics, 99% picked up, 5%
    shipped 3–43 hours after payment) and a few confirmed fake-shipping violations."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from config import timeutil
    from logistics.models import LogisticsPolicy
    from merchants.models import Category, Store, Violation

    start, end = timeutil.week_bounds(week)
    tz = timeutil.platform_tz().key
    with connection.cursor() as c:
        c.execute("TRUNCATE merchants_store, logistics_settlementrun, logistics_weeklyresult, "
                  "logistics_historicalweeklyresult, logistics_historicalsettlementrun RESTART IDENTITY CASCADE")
    user, _ = get_user_model().objects.get_or_create(username="bench-owner")
    category, _ = Category.objects.get_or_create(name="bench", parent=None)
    LogisticsPolicy.current()
    spec_tiers()
    params = {"n": stores, "m": shipments, "uid": user.pk, "cid": category.pk, "start": start, "end": end,
              "monday": week, "friday": week + dt.timedelta(days=4), "tz": tz}
    statements = [
        """INSERT INTO merchants_store (name, owner_id, main_category_id, city, grade, status, wallet_upgraded,
             base_limit, created_at)
           SELECT 'bench ' || g, %(uid)s, %(cid)s, '武汉', 'B', 'active', true, 0, now()
           FROM generate_series(1, %(n)s) g""",
        """INSERT INTO merchants_product (store_id, title, category_id, price, listed, created_at)
           SELECT id, 'bench product', %(cid)s, 10, true, now() FROM merchants_store""",
        # 90% enrolled long ago, 10% joined mid-week (counting from Friday)
        """INSERT INTO logistics_enrollment (store_id, status, agreement_signed, withholding_signed, ship_from_city,
             joined_at, counting_from)
           SELECT id, 'active', true, true, '武汉', %(start)s::timestamptz - interval '30 days',
             CASE WHEN id %% 10 = 0 THEN %(friday)s::date ELSE %(monday)s::date - 28 END
           FROM merchants_store""",
        """INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)
           SELECT id, 'topup', 100, '', '', 'bench-topup-' || id, %(start)s::timestamptz - interval '3 days'
           FROM merchants_store""",
        """INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)
           SELECT id, 'fine', -150, '', '', 'bench-fine-' || id, %(start)s::timestamptz + interval '1 day 10 hours'
           FROM merchants_store WHERE id %% 20 = 7""",
        """INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)
           SELECT id, 'topup', 100, '', '', 'bench-topup2-' || id, %(start)s::timestamptz + interval '3 days 15 hours'
           FROM merchants_store WHERE id %% 20 = 7""",
        # skewed: store = 1 + floor(N × u³) puts thousands of orders on the head stores
        """INSERT INTO merchants_order (store_id, product_id, buyer_id, amount, paid_at, channel, payment_method,
             status, fee, refunded_amount, refunded_at, created_at)
           SELECT store_id, store_id, 'b' || g, 10, paid_at, CASE WHEN r1 < 0.95 THEN 'taote' ELSE 'other' END,
             'standard', 'paid', 0, CASE WHEN r2 < 0.02 THEN 10 ELSE 0 END,
             CASE WHEN r2 < 0.02 THEN paid_at + interval '3 hours' END, now()
           FROM (SELECT g, 1 + floor(%(n)s * power(random(), 3))::int AS store_id, random() AS r1, random() AS r2,
                        %(start)s::timestamptz + random() * interval '7 days' AS paid_at
                 FROM generate_series(1, %(m)s) g) s""",
        """INSERT INTO logistics_shipment (order_id, store_id, tracking_no, official_logistics, shipped_at, deadline,
             picked_up_at, created_at)
           SELECT id, store_id, 'B' || id, r1 < 0.98, shipped_at,
             ((date_trunc('day', paid_at AT TIME ZONE %(tz)s)
               + CASE WHEN (paid_at AT TIME ZONE %(tz)s)::time >= '17:00' THEN interval '44 hours'
                      ELSE interval '20 hours' END) AT TIME ZONE %(tz)s),
             CASE WHEN r2 < 0.99 THEN shipped_at + interval '2 hours' END, now()
           FROM (SELECT o.id, o.store_id, o.paid_at, random() AS r1, random() AS r2,
                   o.paid_at + CASE WHEN random() < 0.95 THEN random() * interval '3 hours'
                                    ELSE interval '3 hours' + random() * interval '40 hours' END AS shipped_at
                 FROM merchants_order o WHERE random() < 0.97) s""",
        "VACUUM ANALYZE merchants_order",
        "VACUUM ANALYZE logistics_shipment",
        "ANALYZE",
    ]
    with connection.cursor() as c:
        for sql in statements:
            c.execute(sql, params)
    offenders = list(Store.objects.order_by("id").values_list("pk", flat=True)[:5])
    Violation.objects.bulk_create([Violation(store_id=pk, kind=Violation.Kind.FAKE_SHIPPING,
                                             status=Violation.Status.CONFIRMED, detected_by="bench",
                                             occurred_at=start + dt.timedelta(days=2)) for pk in offenders[::2]])


# SPEC §4 written out by hand (not rendered from logistics/rules.py or config/sql.py): local day D
# of the week counts when an enrollment covers it (counting from ≤ D, not cancelled before D ends)
# and the wallet balance at the end of D is ≥ 0; the denominator is the store's Taote orders paid
# on counted days, less those refunded before shipping (or refunded and never shipped); on time =
# official logistics, a pickup scan, shipped by the deadline; parcels = the denominator's
# official-logistics parcels with a pickup scan; a confirmed fake-transactions/fake-shipping
# violation that occurred in the week disqualifies; tiers: Y ≥ 1000 → 0.30, Y ≥ 300 → 0.20 per
# parcel, both at an on-time rate ≥ 85%.
BARE_SQL = """
WITH days AS (
  SELECT d::date AS day, (d::date::timestamp AT TIME ZONE %(tz)s) AS day_start,
         ((d::date + 1)::timestamp AT TIME ZONE %(tz)s) AS day_end
  FROM generate_series(%(monday)s::date, %(monday)s::date + 6, interval '1 day') d),
enrolled AS (
  SELECT DISTINCT e.store_id, d.day, d.day_end
  FROM logistics_enrollment e JOIN days d
    ON e.counting_from <= d.day AND (e.cancelled_at IS NULL OR e.cancelled_at >= d.day_end)),
counted AS (
  SELECT en.store_id, en.day FROM enrolled en
  WHERE (SELECT COALESCE(SUM(l.amount), 0) FROM merchants_ledgerentry l
         WHERE l.store_id = en.store_id AND l.created_at < en.day_end) >= 0),
orders AS (
  SELECT o.store_id, (o.paid_at AT TIME ZONE %(tz)s)::date AS day,
    COUNT(*) AS n,
    COUNT(*) FILTER (WHERE sh.official_logistics AND sh.picked_up_at IS NOT NULL AND sh.shipped_at <= sh.deadline)
      AS on_time,
    COUNT(*) FILTER (WHERE sh.official_logistics AND sh.picked_up_at IS NOT NULL) AS parcels
  FROM merchants_order o LEFT JOIN logistics_shipment sh ON sh.order_id = o.id
  WHERE o.channel = 'taote' AND o.paid_at >= %(week_start)s AND o.paid_at < %(week_end)s
    AND (o.refunded_at IS NULL OR (sh.shipped_at IS NOT NULL AND o.refunded_at >= sh.shipped_at))
  GROUP BY 1, 2),
per_store AS (
  SELECT c.store_id, SUM(o.n) AS n, SUM(o.on_time) AS on_time, SUM(o.parcels) AS parcels
  FROM counted c JOIN orders o ON o.store_id = c.store_id AND o.day = c.day
  GROUP BY c.store_id),
figures AS (
  SELECT s.store_id, COALESCE(k.days, 0) AS days, COALESCE(p.n, 0) AS n, COALESCE(p.on_time, 0) AS on_time,
    COALESCE(p.parcels, 0) AS parcels,
    EXISTS (SELECT 1 FROM merchants_violation v WHERE v.store_id = s.store_id AND v.status = 'confirmed'
            AND v.kind IN ('fake_transactions', 'fake_shipping')
            AND v.occurred_at >= %(week_start)s AND v.occurred_at < %(week_end)s) AS disqualified
  FROM (SELECT DISTINCT store_id FROM enrolled) s
  LEFT JOIN (SELECT store_id, COUNT(*) AS days FROM counted GROUP BY store_id) k ON k.store_id = s.store_id
  LEFT JOIN per_store p ON p.store_id = s.store_id)
SELECT store_id, days, n, on_time, parcels,
  CASE WHEN days > 0 AND n > 0 AND on_time >= 0.85 * n AND n >= 1000 * days THEN 0.30
       WHEN days > 0 AND n > 0 AND on_time >= 0.85 * n AND n >= 300 * days THEN 0.20 END AS tier,
  disqualified
FROM figures ORDER BY store_id
"""


def bare_aggregate(week: dt.date = WEEK) -> tuple[float, dict]:
    """The per-store figures of the week for every store in one hand-written statement, nothing
    written: (seconds, {store_id: (counted days, orders, on time, parcels, tier, disqualified)})."""
    from django.db import connection, transaction

    from config import timeutil

    start, end = timeutil.week_bounds(week)
    params = {"tz": timeutil.platform_tz().key, "monday": week, "week_start": start, "week_end": end}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL jit = off")  # as the settlement's own queries
        c.execute("SET LOCAL work_mem = '64MB'")
        c.execute(BARE_SQL, params)
        rows = c.fetchall()
    took = time.perf_counter() - started
    return took, {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5], bool(r[6])) for r in rows}


def check_agreement(expected: dict, week: dt.date = WEEK) -> None:
    """Every store's settled result equals the bare aggregate's figures: fails loudly if not."""
    from logistics.models import WeeklyResult

    got = {}
    for pk, days, n, on_time, parcels, tier, status in WeeklyResult.objects.filter(week=week).values_list(
            "store_id", "counted_days", "orders", "on_time_orders", "parcels", "tier", "status"):
        got[pk] = (days, n, on_time, parcels, tier, status == WeeklyResult.Status.DISQUALIFIED)
    wrong = [(pk, expected.get(pk), got.get(pk)) for pk in sorted(set(expected) | set(got))
             if expected.get(pk) != got.get(pk)]
    if wrong:
        raise AssertionError(f"settlement differs from the independent aggregate for {len(wrong)} stores "
                             f"(store, bare, settled): {wrong[:5]}")


def _work(batch_ids):
    from django.db import connections

    from logistics.settlement import settlement_batch_process

    for batch_id in batch_ids:
        settlement_batch_process(batch_id=batch_id)
    connections.close_all()


def settle(week: dt.date = WEEK, workers: int = 1) -> tuple[float, object]:
    """The full settlement; with workers > 1 the batches run in that many processes (as Celery
    workers would take them), otherwise in this process."""
    from django.db import connections

    from config import timeutil
    from logistics.models import SettlementBatch, SettlementRun
    from logistics.settlement import settlement_prepare, settlement_start

    now = timeutil.local_at(week + dt.timedelta(days=8), 2)
    started = time.perf_counter()
    if workers <= 1:
        run = settlement_start(week=week, now=now, inline=True, triggered_by="bench")
    else:
        import multiprocessing

        run, batch_ids = settlement_prepare(week=week, now=now, triggered_by="bench")
        connections.close_all()  # forked workers open their own connections
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_work, [batch_ids[i::workers] for i in range(workers)])
        run = SettlementRun.objects.get(pk=run.pk)
        assert not SettlementBatch.objects.filter(run=run, status="pending").exists()
    return time.perf_counter() - started, run


REPEATS = 3  # interleaved runs of each side, the minimum kept (as issue 16's own figures were taken)


def unsettle(week: dt.date = WEEK) -> None:
    """Undo the settlement of the week (its runs, batches, results, their history rows and its
    incentive payouts), and vacuum what that left dead, so the next repetition settles the same
    tables a first run does."""
    from django.db import connection, transaction

    from merchants.models import LedgerEntry

    with connection.cursor() as c:
        c.execute("TRUNCATE logistics_settlementrun, logistics_weeklyresult, logistics_historicalweeklyresult, "
                  "logistics_historicalsettlementrun CASCADE")
        with transaction.atomic():  # the ledger is append-only (a trigger): only this reset of the
            c.execute("SET LOCAL session_replication_role = replica")  # bench's own data steps round it
            c.execute("DELETE FROM merchants_ledgerentry WHERE kind = %s", [LedgerEntry.Kind.INCENTIVE])
        c.execute("VACUUM ANALYZE merchants_ledgerentry")


def measure_once(*, stores: int, shipments: int, workers: int, batch_size: int, out=print,
                 repeats: int = REPEATS) -> dict:
    """Generate, then `repeats` interleaved pairs of the bare aggregate and the full settlement
    (undone between repetitions), each checked to agree for every store; the fastest of each.
    One pair alone was at the mercy of whatever else the shared cores ran that second: the small
    data set's settlement takes a quarter of a second."""
    from logistics.models import LogisticsPolicy

    started = time.perf_counter()
    generate(stores=stores, shipments=shipments)
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = batch_size
    policy.save()
    generated = time.perf_counter() - started
    bare_aggregate()  # warm the cache so both measurements read the same buffers
    bares, tooks = [], []
    for repeat in range(repeats):
        if repeat:
            unsettle()
        bare, expected = bare_aggregate()
        took, run = settle(workers=workers)
        assert run.status == "succeeded", run.errors
        check_agreement(expected)
        bares.append(bare)
        tooks.append(took)
    bare, took = min(bares), min(tooks)
    out(f"  {stores:>8,} stores {shipments:>10,} shipments (generated in {generated:6.1f} s): "
        f"bare aggregate {bare:7.2f} s · settlement {took:7.2f} s ({run.batches_total} batches, "
        f"{took / run.batches_total * 1000:.0f} ms per batch of {batch_size}, {workers} "
        f"worker{'s' if workers > 1 else ''}) · ratio {took / bare:5.2f}× · paid {run.total} "
        f"for {run.parcels:,} parcels · figures agree · fastest of {repeats} "
        f"(settlement {', '.join(f'{t:.2f}' for t in tooks)} s)")
    return {"bare": bare, "settlement": took, "run": run, "stores": stores, "shipments": shipments}


def run(*, stores: int, shipments: int, scale: int = 10, workers: int = 1, batch_size: int = 500, out=print,
        details: bool = False) -> dict:
    out(f"logistics settlement benchmark (week 2026-W46, batch size {batch_size})")
    one = measure_once(stores=stores, shipments=shipments, workers=workers, batch_size=batch_size, out=out)
    big = measure_once(stores=stores * scale, shipments=shipments * scale, workers=workers, batch_size=batch_size,
                       out=out)
    summary = {
        "ratio": one["settlement"] / one["bare"], "ratio_big": big["settlement"] / big["bare"],
        "scaling": big["settlement"] / one["settlement"], "bare_scaling": big["bare"] / one["bare"],
    }
    out(f"settlement / bare aggregate: {summary['ratio']:.2f}× at 1×, {summary['ratio_big']:.2f}× at {scale}× "
        f"(target ≤ 3×)")
    out(f"{scale}× data: settlement took {summary['scaling']:.2f}× the time, the bare aggregate "
        f"{summary['bare_scaling']:.2f}× (target ≤ {1.2 * scale:g}×)")
    if details:
        summary.update(one=one, big=big)
    return summary


def measure(*, scale: float, out=print) -> list[Measurement]:
    """`make bench`: 1,000 stores / 100,000 shipments × scale, then 10× that (10,000 / 1,000,000,
    near the issue's size: the 10× data set's generation dominates `make bench`'s time)."""
    stores, shipments = max(10, round(1000 * scale)), max(1000, round(100_000 * scale))
    s = run(stores=stores, shipments=shipments, scale=10, out=out, details=True)
    one, big = s["one"], s["big"]
    return [
        Measurement(name="settlement", value=s["ratio"], goal="≤ 3×", met=s["ratio"] <= 3,
                    project=f"{one['settlement']:.2f} s", baseline=f"{one['bare']:.2f} s",
                    data=f"{stores:,} stores / {shipments:,} shipments"),
        Measurement(name="settlement at 10× data", value=s["ratio_big"], goal="≤ 3×", met=s["ratio_big"] <= 3,
                    project=f"{big['settlement']:.2f} s", baseline=f"{big['bare']:.2f} s",
                    data=f"{big['stores']:,} stores / {big['shipments']:,} shipments"),
        Measurement(name="settlement time for 10× data", value=s["scaling"], goal="≤ 12×", met=s["scaling"] <= 12,
                    project=f"{one['settlement']:.2f} → {big['settlement']:.2f} s",
                    baseline=f"bare {one['bare']:.2f} → {big['bare']:.2f} s",
                    data=f"{stores:,} → {big['stores']:,} stores"),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--shipments", type=int, default=200_000)
    parser.add_argument("--scale", type=int, default=10, help="the larger data set is this many times bigger")
    parser.add_argument("--workers", type=int, default=1, help="processes settling batches (like Celery workers)")
    parser.add_argument("--batch-size", type=int, default=500)
    add_database_argument(parser, "ops_bench")
    args = parser.parse_args(argv)
    prepare(parser, args.database_url)
    run(stores=args.stores, shipments=args.shipments, scale=args.scale, workers=args.workers,
        batch_size=args.batch_size)



if __name__ == "__main__":
    main()
