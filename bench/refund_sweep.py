"""Benchmark of the refund timeout sweep (SPEC §3 clocks, issue 16).

Generates refund cases in PostgreSQL with set-based inserts (generate_series): at scale 1.0,
1,000,000 cases of which 100,000 are received returns past their 48-hour refund deadline (the
clock with the most to do: the case is refunded, its order's refunded amount and history move,
the settled proceeds are debited in the ledger, an after-sales-delay violation is opened), the
rest spread over refunded, pending, awaiting-return and received-not-yet-due cases, and contested
returns past their refund deadline, which no clock may claim (the counts must equal the due cases). Then it
measures in one run:
  * the bare baseline: one `UPDATE` of the same rows (status, refunded_at) and one history
    `INSERT … SELECT` of them, in a transaction rolled back (so the sweep gets the same data);
  * the sweep (`refund_timeouts_run`, every clock) in this process (1 worker);
  * the sweep with 2 worker processes draining the batches (as Celery workers would), on a fresh
    copy of the same data;
  * the sweep on a tenth of the data (cases and due cases both ÷10), 1 worker: the data grows
    10× from it to the main run;
  * a sweep with nothing due against one 0-row `UPDATE` per clock on the same due conditions.
Goals (issue 16): sweep ≤ 3× bare; 2 workers faster than 1; 10× data ≤ 12× time; nothing due
≤ 3× the 0-row UPDATEs.

    .venv/bin/python bench/refund_sweep.py                    # scale 1.0: 100,000 due in 1,000,000 cases
    .venv/bin/python bench/refund_sweep.py --scale 0.1 --batch-size 500

It uses its own database (default ops_bench_sweep, created if missing; its tables are TRUNCATEd).
"""
import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Measurement, add_database_argument, prepare  # noqa: E402

TOTAL, DUE_EVERY = 1_000_000, 10  # scale 1.0: a million cases, every tenth due
BATCH_SIZE = 500
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in the platform zone


def generate(*, total: int, due_every: int = DUE_EVERY, kind: str = "return", now: dt.datetime = NOW) -> int:
    """Fill the database set-based: one store per 100 cases, one product per store, one paid
    order per case, the case itself (every `due_every`-th a received return past its refund
    deadline, with its proceeds settled to the wallet) and nothing else. Returns the due count."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from merchants.models import Category

    with connection.cursor() as c:
        c.execute("TRUNCATE merchants_store, refunds_historicalrefundcase, refunds_historicalnegotiation, "
                  "merchants_historicalorder, merchants_historicalviolation, merchants_webhookevent "
                  "RESTART IDENTITY CASCADE")
    user, _ = get_user_model().objects.get_or_create(username="bench-owner")
    category, _ = Category.objects.get_or_create(name="bench", parent=None)
    params = {"n": total, "stores": max(2, total // 100), "k": due_every, "uid": user.pk, "cid": category.pk,
              "now": now, "kind": kind}
    statements = [
        """INSERT INTO merchants_store (name, owner_id, main_category_id, city, grade, status, wallet_upgraded,
             base_limit, created_at)
           SELECT 'bench ' || g, %(uid)s, %(cid)s, '武汉', 'B', 'active', true, 0, now()
           FROM generate_series(1, %(stores)s) g""",
        """INSERT INTO merchants_product (store_id, title, category_id, price, listed, created_at)
           SELECT id, 'bench product', %(cid)s, 100, true, now() FROM merchants_store""",
        """INSERT INTO merchants_order (store_id, product_id, buyer_id, amount, paid_at, channel, payment_method,
             status, fee, refunded_amount, created_at)
           SELECT s, s, 'b' || g, 100, %(now)s::timestamptz - interval '20 days', 'taote', 'standard', 'paid', 0, 0,
             now()
           FROM (SELECT g, 1 + g %% %(stores)s AS s FROM generate_series(1, %(n)s) g) x""",
        # kind of case by id: due (every k-th: an unshipped return past its 7-day window, or a received
        # return past its 48-hour refund deadline), else refunded / pending / awaiting return / received,
        # and one in eight a contested return (SPEC §6) past its refund deadline: no clock may claim it
        """INSERT INTO refunds_refundcase (store_id, order_id, buyer_id, type, reason, amount, requested_type,
             requested_amount, shipped, shipped_flag, first_on_order, status, opened_at, merchant_deadline,
             decided_at, return_address, return_address_set_at, return_ship_deadline, tracking_no, return_shipped_at,
             receipt_confirm_deadline, return_received_at, refund_deadline, refunded_at, reject_reason, judgement,
             created_at)
           SELECT o.store_id, o.id, o.buyer_id, 'return_refund', 'damaged', 100, 'return_refund', 100, true, true,
             true, st, opened, opened + interval '36 hours',
             CASE WHEN st <> 'pending' THEN opened + interval '1 hour' END, '仓库', opened + interval '1 hour',
             CASE WHEN due AND %(kind)s = 'return'
                  THEN %(now)s::timestamptz - interval '1 hour' - random() * interval '48 hours'
                  ELSE opened + interval '169 hours' END,
             CASE WHEN st = 'awaiting_return' THEN '' ELSE 'YT' || o.id END,
             CASE WHEN st IN ('return_received', 'refunded', 'return_disputed') THEN opened + interval '2 hours' END,
             CASE WHEN st IN ('return_received', 'refunded', 'return_disputed') THEN opened + interval '242 hours' END,
             CASE WHEN st IN ('return_received', 'refunded', 'return_disputed') THEN received END,
             CASE WHEN st IN ('return_received', 'refunded', 'return_disputed') THEN received + interval '48 hours' END,
             CASE WHEN st = 'refunded' THEN received + interval '3 hours' END, '', '', now()
           FROM (SELECT o.*, o.id %% %(k)s = 0 AS due,
                   CASE WHEN o.id %% %(k)s = 0 AND %(kind)s = 'return' THEN 'awaiting_return'
                        WHEN o.id %% %(k)s = 0 THEN 'return_received'
                        WHEN o.id %% 8 = 3 THEN 'return_disputed'
                        WHEN o.id %% 4 = 0 THEN 'refunded'
                        WHEN o.id %% 4 = 1 THEN 'pending'
                        WHEN o.id %% 4 = 2 THEN 'awaiting_return'
                        ELSE 'return_received' END AS st,
                   CASE WHEN o.id %% %(k)s = 0 OR o.id %% 8 = 3  -- due, or contested past its deadline
                        THEN %(now)s::timestamptz - interval '50 hours' - random() * interval '48 hours'
                        ELSE %(now)s::timestamptz + random() * interval '46 hours' END AS received,
                   %(now)s::timestamptz - random() * interval '30 hours' AS opened
                 FROM merchants_order o) o""",
        # the due cases' proceeds are settled, so their refund debits the wallet (order_record_refund's rule)
        """INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)
           SELECT store_id, 'order_proceeds', 100, 'order:' || order_id, '', 'order:' || order_id || ':proceeds',
             %(now)s::timestamptz - interval '5 days'
           FROM refunds_refundcase WHERE status IN ('return_received') AND refund_deadline <= %(now)s""",
        "VACUUM ANALYZE refunds_refundcase",
        "VACUUM ANALYZE merchants_order",
        "ANALYZE",
    ]
    with connection.cursor() as c:
        for sql in statements:
            c.execute(sql, params)
        c.execute(f"SELECT count(*) FROM refunds_refundcase WHERE {DUE[kind]}", {"now": now})
        return c.fetchone()[0]


DUE = {  # the due conditions of refunds.selectors (return_ship_due_q, refund_due_q) in SQL
    "return": "status = 'awaiting_return' AND return_shipped_at IS NULL AND return_ship_deadline <= %(now)s",
    "refund": "status = 'return_received' AND refund_deadline <= %(now)s",
}
MOVE = {"return": "(status, closed_at) = ('closed', return_ship_deadline)",
        "refund": "(status, refunded_at) = ('refunded', %(now)s)"}
COUNTER = {"return": "returns_closed", "refund": "cases_auto_refunded"}


def bare(now: dt.datetime = NOW, kind: str = "return") -> tuple[float, int]:
    """The same rows moved by hand: one UPDATE and one history INSERT … SELECT (one statement
    with a data-modifying CTE), rolled back. This is the benchmark's yardstick, not a write of the
    product: the transaction never commits (product writes go through config.states)."""
    from django.db import connection, transaction

    from refunds.models import RefundCase

    history = RefundCase.history.model
    columns = [f.column for f in RefundCase._meta.concrete_fields]
    extra = [f.column for f in history._meta.concrete_fields if f.column not in columns and f.column != "history_id"]
    values = {"history_date": "now()", "history_change_reason": "'bench'", "history_type": "'~'",
              "history_user_id": "NULL"}
    sql = (f"WITH moved AS (UPDATE refunds_refundcase SET {MOVE[kind]} WHERE {DUE[kind]} RETURNING *) "
           f"INSERT INTO {history._meta.db_table} ({', '.join(columns + extra)}) "
           f"SELECT {', '.join(columns + [values[c] for c in extra])} FROM moved")
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as c:
            c.execute(sql, {"now": now})
            rows = c.rowcount
        took = time.perf_counter() - started
        transaction.set_rollback(True)
    return took, rows


ZERO_ROW_UPDATES = [  # one per clock, the due conditions of refunds.selectors; no column changes
    "UPDATE refunds_negotiation SET closed_at = closed_at WHERE status IN ('open') AND expires_at <= %(now)s",
    "UPDATE refunds_refundcase SET decided_at = decided_at WHERE status IN ('pending') "
    "AND merchant_deadline <= %(now)s",
    "UPDATE refunds_refundcase SET closed_at = closed_at WHERE status IN ('awaiting_return') "
    "AND return_shipped_at IS NULL AND return_ship_deadline <= %(now)s",
    "UPDATE refunds_refundcase SET refunded_at = refunded_at WHERE status IN ('return_received') "
    "AND refund_deadline <= %(now)s",
    "UPDATE refunds_refundcase SET refunded_at = refunded_at WHERE status IN ('awaiting_return') "
    "AND return_shipped_at IS NOT NULL AND receipt_confirm_deadline <= %(now)s",
]


def nothing_due(now: dt.datetime = NOW, repeat: int = 21) -> tuple[float, float]:
    """Median seconds of a sweep with nothing due, and of the 0-row UPDATEs (one per clock)."""
    from django.db import connection

    from refunds.services import refund_timeouts_run

    sweeps, updates = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        result = refund_timeouts_run(now=now)
        sweeps.append(time.perf_counter() - started)
        assert result.cases_auto_refunded == 0 and result.cases_auto_agreed == 0, result
        started = time.perf_counter()
        with connection.cursor() as c:
            for sql in ZERO_ROW_UPDATES:
                c.execute(sql, {"now": now})
                assert c.rowcount == 0
        updates.append(time.perf_counter() - started)
    return statistics.median(sweeps), statistics.median(updates)


def _drain(args):
    """One worker process: sweep until nothing is due (SKIP LOCKED shares the batches out)."""
    from dataclasses import asdict

    from django.db import connections

    from refunds.services import refund_timeouts_run

    now, batch_size = args
    result = refund_timeouts_run(now=now, batch_size=batch_size)
    connections.close_all()
    return asdict(result)


def sweep(*, workers: int = 1, batch_size: int = BATCH_SIZE, now: dt.datetime = NOW) -> tuple[float, dict]:
    """The sweep, in this process or in `workers` forked processes (standing in for Celery
    workers: each claims batches until none is due). Returns seconds and the summed counts."""
    from dataclasses import asdict

    from django.db import connections

    from refunds.services import refund_timeouts_run

    started = time.perf_counter()
    if workers <= 1:
        counts = asdict(refund_timeouts_run(now=now, batch_size=batch_size))
    else:
        import multiprocessing

        connections.close_all()  # forked workers open their own connections
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_drain, [(now, batch_size)] * workers)
        counts = {key: sum(r[key] for r in results) for key in results[0]}
    return time.perf_counter() - started, counts


def _disputed() -> int:
    """Contested returns (SPEC §6): generated past their refund deadline, never claimed by a clock."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM refunds_refundcase WHERE status = 'return_disputed'")
        return cursor.fetchone()[0]


def _one(total: int, *, workers: int, batch_size: int, out, kind: str = "return", with_bare: bool = False) -> dict:
    started = time.perf_counter()
    due = generate(total=total, kind=kind)
    generated = time.perf_counter() - started
    figures = {"due": due, "total": total}
    if with_bare:
        bare(kind=kind), bare(kind=kind)  # warm the buffers, so bare and sweep read the same pages
        figures["bare"], rows = bare(kind=kind)
        assert rows == due, (rows, due)
    disputed = _disputed()
    took, counts = sweep(workers=workers, batch_size=batch_size)
    assert counts[COUNTER[kind]] == due and counts["errors"] == 0, counts
    assert disputed > 0 and _disputed() == disputed, "a clock claimed a contested return"
    figures["sweep"] = took
    figures["per_batch_ms"] = took / max(1, -(-due // batch_size)) * 1000
    out(f"  {total:>10,} cases, {due:>9,} due {WHAT[kind]} (generated in {generated:6.1f} s): "
        + (f"bare UPDATE + history INSERT {figures['bare']:7.2f} s · " if with_bare else "")
        + f"sweep {took:7.2f} s with {workers} worker{'s' if workers > 1 else ''} "
        f"({figures['per_batch_ms']:.0f} ms per batch of {batch_size})")
    return figures


WHAT = {"return": "unshipped returns", "refund": "48-hour refunds"}


def measure(*, scale: float, out=print, batch_size: int = BATCH_SIZE, big: int = 10) -> list[Measurement]:
    """The contract of bench/common.py: four ratios against their goals. The due cases are
    unshipped returns past their 7-day window (the clock whose move is exactly what the baseline
    does: status and one date, one history row); a last line prices the heaviest clock, the
    48-hour refund (order, ledger, violation too), on the same data size (information
    for capacity planning, no goal)."""
    total = max(DUE_EVERY * 10, int(TOTAL * scale))
    out(f"refund timeout sweep benchmark (batch size {batch_size})")
    one = _one(total, workers=1, batch_size=batch_size, out=out, with_bare=True)
    idle, idle_bare = nothing_due()
    out(f"  nothing due: sweep {idle * 1000:.2f} ms · {len(ZERO_ROW_UPDATES)} 0-row UPDATEs "
        f"{idle_bare * 1000:.2f} ms (medians)")
    two = _one(total, workers=2, batch_size=batch_size, out=out)
    # The data-size step: a tenth of the data against the data (not 10× more: at SCALE=1 that
    # was 10,000,000 cases, which alone outlasted the whole run's budget).
    small = _one(max(DUE_EVERY * 10, total // big), workers=1, batch_size=batch_size, out=out, with_bare=True)
    _one(total, workers=1, batch_size=batch_size, out=out, kind="refund", with_bare=True)
    data = f"{one['due']:,} due of {one['total']:,} cases"
    return [
        Measurement("refund sweep", one["sweep"] / one["bare"], "≤ 3×", one["sweep"] / one["bare"] <= 3,
                    project=f"{one['sweep']:.2f} s ({one['per_batch_ms']:.0f} ms per batch of {batch_size})",
                    baseline=f"{one['bare']:.2f} s", data=data),
        Measurement("refund sweep, 2 workers", two["sweep"] / one["bare"], "≤ 3×, faster than 1 worker",
                    two["sweep"] / one["bare"] <= 3 and two["sweep"] < one["sweep"],
                    project=f"{two['sweep']:.2f} s (1 worker {one['sweep']:.2f} s)", baseline=f"{one['bare']:.2f} s",
                    data=data),
        Measurement(f"refund sweep, {big}× data", one["sweep"] / small["sweep"], f"≤ {1.2 * big:g}×",
                    one["sweep"] / small["sweep"] <= 1.2 * big,
                    project=f"{one['sweep']:.2f} s (bare {one['bare']:.2f} s: {one['bare'] / small['bare']:.2f}×)",
                    baseline=f"{small['sweep']:.2f} s",
                    data=f"{small['due']:,} → {one['due']:,} due of {small['total']:,} → {one['total']:,} cases"),
        Measurement("refund sweep, nothing due", idle / idle_bare, "≤ 3×", idle / idle_bare <= 3,
                    project=f"{idle * 1000:.2f} ms", baseline=f"{idle_bare * 1000:.2f} ms "
                    f"({len(ZERO_ROW_UPDATES)} 0-row UPDATEs)", data=data),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 due in 1,000,000 cases")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--big", type=int, default=10, help="the main data set is this many times the smaller one")
    add_database_argument(parser, "ops_bench_sweep")
    args = parser.parse_args(argv)
    prepare(parser, args.database_url)
    for measurement in measure(scale=args.scale, batch_size=args.batch_size, big=args.big):
        print(measurement.line(), f"— {measurement.project} vs {measurement.baseline} on {measurement.data}")


if __name__ == "__main__":
    main()
