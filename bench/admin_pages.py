"""Benchmark of the admin pages over big tables (issue 16, part 4; docs/decisions/0034).

Generates stores and, at scale 1.0, 1,000,000 orders, ledger entries, refund cases and shipments
with generate_series (skewed so the head store is busy), then for each big changelist (unfiltered,
filtered by the busiest store, a search) and the busiest store's change page measures, logged in as
a superuser through Django's test Client, the page time (median of 3 after one warm-up) against the
page-of-100 SQL: the changelist's own `SELECT … LIMIT 100` (taken from its ChangeList) timed alone.
Goal per page: page ≤ 3 × SQL + 100 ms (the rendering every admin page pays whatever the table
size), printed as the margin page ÷ (3 × SQL + 100 ms), goal ≤ 1: 0.40 means the page took 40% of
what it may.

    .venv/bin/python bench/admin_pages.py                 # scale 1.0: 1,000,000 rows per big table
    .venv/bin/python bench/admin_pages.py --scale 0.3     # 300,000
    .venv/bin/python bench/admin_pages.py --before        # then: the same pages with the old admin settings

It uses its own database (default ops_bench_admin, created if missing; its tables are TRUNCATEd).
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Measurement, add_database_argument, prepare  # noqa: E402

ROWS = 1_000_000  # per big table at scale 1.0
STORES = 10_000
FIXED_MS = 100  # the rendering every admin page pays whatever the table size
GOAL = 3.0


def generate(*, scale: float, out=print) -> dict:
    """Stores (10,000 × scale, at least 20), one product each, and ROWS × scale orders, ledger
    entries, refund cases (one per order, all closed) and shipments, with the store drawn as
    1 + floor(N × u³) so a few head stores carry thousands of rows each."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from merchants.models import Category

    n, stores = max(200, int(ROWS * scale)), max(20, int(STORES * scale))
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute("TRUNCATE merchants_store RESTART IDENTITY CASCADE")
    owner, _ = get_user_model().objects.get_or_create(username="bench-owner")
    category, _ = Category.objects.get_or_create(name="bench", parent=None)
    params = {"n": n, "s": stores, "uid": owner.pk, "cid": category.pk}
    skew = "1 + floor(%(s)s * power(random(), 3))::int"
    statements = [
        """INSERT INTO merchants_store (name, owner_id, main_category_id, city, grade, status, wallet_upgraded,
             base_limit, created_at)
           SELECT '店铺 ' || g, %(uid)s, %(cid)s, '武汉', 'B', 'active', true, 0, now() - g * interval '1 hour'
           FROM generate_series(1, %(s)s) g""",
        """INSERT INTO merchants_product (store_id, title, category_id, price, listed, created_at)
           SELECT id, 'bench product', %(cid)s, 10, true, now() FROM merchants_store""",
        f"""INSERT INTO merchants_order (store_id, product_id, buyer_id, amount, paid_at, channel, payment_method,
             status, fee, refunded_amount, created_at)
           SELECT store_id, store_id, 'b' || g, 10, at, 'taote', 'standard', 'paid', 0, 0, at
           FROM (SELECT g, {skew} AS store_id, now() - random() * interval '730 days' AS at
                 FROM generate_series(1, %(n)s) g) s""",
        f"""INSERT INTO merchants_ledgerentry (store_id, kind, amount, reference, memo, idempotency_key, created_at)
           SELECT {skew}, CASE WHEN g %% 3 = 0 THEN 'fine' ELSE 'topup' END, 10, 'ref ' || g, '',
             'bench-' || g, now() - random() * interval '730 days'
           FROM generate_series(1, %(n)s) g""",
        """INSERT INTO refunds_refundcase (order_id, store_id, buyer_id, type, reason, amount, requested_type,
             requested_amount, shipped, shipped_flag, first_on_order, status, opened_at, merchant_deadline,
             return_address, tracking_no, reject_reason, judgement, created_at, closed_at)
           SELECT id, store_id, buyer_id, 'refund_only', 'quality', 10, 'refund_only', 10, false, false, true,
             'closed', paid_at + interval '1 day', paid_at + interval '3 days', '', '', '', '',
             paid_at + interval '1 day', paid_at + interval '4 days'
           FROM merchants_order""",
        """INSERT INTO logistics_shipment (order_id, store_id, tracking_no, official_logistics, shipped_at, deadline,
             picked_up_at, created_at)
           SELECT id, store_id, 'T' || id, true, paid_at + interval '2 hours', paid_at + interval '20 hours',
             paid_at + interval '4 hours', paid_at FROM merchants_order""",
    ]
    with connection.cursor() as c:
        for sql in statements:
            c.execute(sql, params)
        for table in ("merchants_store", "merchants_order", "merchants_ledgerentry", "refunds_refundcase",
                      "logistics_shipment"):
            c.execute(f"VACUUM ANALYZE {table}")
        c.execute("SELECT store_id FROM merchants_ledgerentry GROUP BY store_id ORDER BY count(*) DESC LIMIT 1")
        busiest = c.fetchone()[0]
    out(f"generated {stores:,} stores, {n:,} orders / ledger entries / refund cases / shipments "
        f"in {time.perf_counter() - started:.0f} s")
    return {"rows": n, "stores": stores, "busiest": busiest}


def existing_data() -> dict:
    """What generate() reports, read from the data it left (for --before)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT (SELECT count(*) FROM merchants_order), (SELECT count(*) FROM merchants_store)")
        rows, stores = c.fetchone()
        c.execute("SELECT store_id FROM merchants_ledgerentry GROUP BY store_id ORDER BY count(*) DESC LIMIT 1")
        return {"rows": rows, "stores": stores, "busiest": c.fetchone()[0]}


def pages(busiest: int) -> list[tuple[str, str, dict]]:
    """(name, admin URL name, query) of every page measured."""
    from merchants.models import Store

    name = Store.objects.get(pk=busiest).name
    lists = [("orders", "merchants_order"), ("ledger", "merchants_ledgerentry"),
             ("refund cases", "refunds_refundcase"), ("shipments", "logistics_shipment")]
    found = []
    for label, url in lists:
        found += [(label, f"admin:{url}_changelist", {}),
                  (f"{label} (store filter)", f"admin:{url}_changelist", {"store__id__exact": str(busiest)}),
                  (f"{label} (search)", f"admin:{url}_changelist", {"q": name})]
    found.append(("store page (busiest)", "admin:merchants_store_change", {"_pk": busiest}))
    return found


def _median_seconds(fn, runs: int = 3) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page_sql(url_name: str, query: dict, user, busiest: int) -> tuple[str, list]:
    """The page's own page-of-rows SQL: the changelist's `SELECT … LIMIT 100`, or for the store page
    the query of what grows with the store (its latest ledger entries)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from merchants.models import LedgerEntry

    if url_name == "admin:merchants_store_change":
        qs = LedgerEntry.objects.filter(store_id=busiest).order_by("-created_at", "-id")[:21]
        return qs.query.sql_with_params()
    request = RequestFactory().get("/", query)
    request.user = user
    model_admin = admin.site._registry[_model(url_name)]
    cl = model_admin.get_changelist_instance(request)
    return cl.paginator.page(1).object_list.query.sql_with_params()


def _model(url_name: str):
    from django.apps import apps

    app_model = url_name.split(":")[1].rsplit("_", 1)[0]
    app_label, model_name = app_model.split("_", 1)
    return apps.get_model(app_label, model_name)


def use_old_settings() -> None:
    """`--before`: the admin as it was (Django's paginator with its COUNT(*), the date hierarchies)."""
    from django.contrib import admin
    from django.core.paginator import Paginator

    from logistics.models import Shipment
    from merchants.models import LedgerEntry, Order
    from refunds.models import RefundCase

    for model, hierarchy in ((Order, "paid_at"), (LedgerEntry, None), (RefundCase, "opened_at"),
                             (Shipment, "shipped_at")):
        model_admin = admin.site._registry[model]
        type(model_admin).paginator = Paginator
        type(model_admin).date_hierarchy = hierarchy


def time_pages(data: dict, *, only=None, out=print) -> dict:
    """{page name: (page seconds, SQL seconds)} on the data set just generated."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    user, _ = get_user_model().objects.get_or_create(username="bench-admin",
                                                     defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    timings = {}
    for label, url_name, query in pages(data["busiest"]):
        if only and not label.startswith(only):
            continue
        query = dict(query)
        pk = query.pop("_pk", None)
        url = reverse(url_name, args=[pk] if pk else [])

        def get(url=url, query=query):
            response = client.get(url, query)
            assert response.status_code == 200, (url, query, response.status_code)

        page = _median_seconds(get)
        sql, params = page_sql(url_name, query, user, data["busiest"])

        def run_sql(sql=sql, params=params):
            with connection.cursor() as c:
                c.execute(sql, params)
                c.fetchall()

        timings[label] = (page, _median_seconds(run_sql))
        out(f"  {label:30} page {page * 1000:8.1f} ms   SQL {timings[label][1] * 1000:7.2f} ms")
    return timings


def margin(page: float, sql: float) -> float:
    """page ÷ (3 × SQL + the fixed rendering): at most 1 when the page meets its goal."""
    return page / (GOAL * sql + FIXED_MS / 1000)


def measure(*, scale: float, out=print, only=None) -> list[Measurement]:
    """Per page: its margin, page ÷ (3 × its page-of-rows SQL + 100 ms), goal ≤ 1."""
    data = generate(scale=scale, out=out)
    results = []
    for label, (page, bare) in time_pages(data, only=only, out=out).items():
        value = margin(page, bare)
        results.append(Measurement(
            name=f"admin {label}", value=value, goal=f"≤ 1 (page ÷ ({GOAL:g} × SQL + {FIXED_MS} ms))",
            met=value <= 1, project=f"{page * 1000:.0f} ms", baseline=f"{bare * 1000:.1f} ms",
            data=f"{data['rows']:,} rows, {data['stores']:,} stores"))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 rows per big table")
    parser.add_argument("--before", action="store_true",
                        help="time the pages of the last run's data with the old admin settings (no generation)")
    add_database_argument(parser, "ops_bench_admin")
    args = parser.parse_args(argv)
    prepare(parser, args.database_url)
    if args.before:
        use_old_settings()
        print("full size, old admin settings (data of the last run)")
        time_pages(existing_data())
        return
    results = measure(scale=args.scale)
    for m in results:
        print(f"{m.name}: page {m.project}, SQL {m.baseline}")
    for m in results:
        print(m.line())


if __name__ == "__main__":
    main()
