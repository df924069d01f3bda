"""Benchmark of the weekly logistics settlement (SPEC §4, issue 6).

Generates N stores and M shipments for one week in PostgreSQL with set-based inserts
(generate_series), then measures in one run:
  * the bare SQL aggregate computing the same per-store figures for every store in one statement;
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
from bench.common import add_database_argument, prepare  # noqa: E402

WEEK = dt.date(2026, 11, 9)  # 2026-W46


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


def bare_aggregate(week: dt.date = WEEK) -> tuple[float, int]:
    """The same per-store figures for every store in one statement (the very query a batch runs,
    over all stores at once), nothing written."""
    from logistics.selectors import week_figures

    started = time.perf_counter()
    rows = week_figures(week, None)
    return time.perf_counter() - started, len(rows)


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


def measure(*, stores: int, shipments: int, workers: int, batch_size: int, out=print) -> dict:
    from logistics.models import LogisticsPolicy

    started = time.perf_counter()
    generate(stores=stores, shipments=shipments)
    policy = LogisticsPolicy.current()
    policy.settlement_batch_size = batch_size
    policy.save()
    generated = time.perf_counter() - started
    bare_aggregate()  # warm the cache so both measurements read the same buffers
    bare, rows = bare_aggregate()
    took, run = settle(workers=workers)
    assert run.status == "succeeded", run.errors
    assert run.stores == rows, (run.stores, rows)
    out(f"  {stores:>8,} stores {shipments:>10,} shipments (generated in {generated:6.1f} s): "
        f"bare aggregate {bare:7.2f} s · settlement {took:7.2f} s ({run.batches_total} batches, "
        f"{workers} worker{'s' if workers > 1 else ''}) · ratio {took / bare:5.2f}× · paid {run.total} "
        f"for {run.parcels:,} parcels")
    return {"bare": bare, "settlement": took, "run": run}


def run(*, stores: int, shipments: int, scale: int = 10, workers: int = 1, batch_size: int = 500, out=print) -> dict:
    out(f"logistics settlement benchmark (week 2026-W46, batch size {batch_size})")
    one = measure(stores=stores, shipments=shipments, workers=workers, batch_size=batch_size, out=out)
    big = measure(stores=stores * scale, shipments=shipments * scale, workers=workers, batch_size=batch_size,
                  out=out)
    summary = {
        "ratio": one["settlement"] / one["bare"], "ratio_big": big["settlement"] / big["bare"],
        "scaling": big["settlement"] / one["settlement"], "bare_scaling": big["bare"] / one["bare"],
    }
    out(f"settlement / bare aggregate: {summary['ratio']:.2f}× at 1×, {summary['ratio_big']:.2f}× at {scale}× "
        f"(target ≤ 3×)")
    out(f"{scale}× data: settlement took {summary['scaling']:.2f}× the time, the bare aggregate "
        f"{summary['bare_scaling']:.2f}× (target ≤ {1.2 * scale:g}×)")
    return summary


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
