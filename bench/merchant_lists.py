"""Benchmark of the merchant lists (issue 16, part 3): 100-row pages of a store's ledger, refund
cases and pay-later orders, served by gunicorn as production starts it, from 8 client threads,
against the cheapest authenticated merchant GET (one store's detail) at the same concurrency.
Goal: every list at least 50% of that throughput.

    .venv/bin/python bench/merchant_lists.py               # 1,000,000 ledger entries / orders, 200,000 cases
    .venv/bin/python bench/merchant_lists.py --scale 0.1

The tables are shared by 100 stores; the measured merchant owns one of them (1% of the rows:
10,000 entries, 10,000 orders, 2,000 cases at scale 1.0), as a tenant of a large platform does.
It uses its own database (default ops_bench_intake, created if missing, migrated); it empties the
stores (and with them every row that belongs to one) first, so repeated runs measure the same size.
"""
import datetime as dt
import http.client
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Measurement, clone_rows, django_database_url, measure_main  # noqa: E402

CLIENTS = 8
REQUESTS = 400  # per endpoint at scale 1.0
ROWS = {"ledger": 1_000_000, "orders": 1_000_000, "cases": 200_000}  # at scale 1.0, over 100 stores
LISTS = {"ledger": ("ledger-entries/", "ledger"), "refund cases": ("refund-cases/", "cases"),
         "pay-later orders": ("paylater/orders/", "orders")}  # name → (path, rows it lists)


def seed(*, scale: float) -> tuple[str, int]:
    """The merchant's store, 99 other stores, the rows spread 1 in 100 to the merchant; returns
    the merchant's token and store id."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from config.models import ApiToken
    from merchants.models import Category, LedgerEntry, Order, Product, Store
    from refunds.models import RefundCase

    with connection.cursor() as cursor:  # the same size on every run, not a table that grows run by run
        cursor.execute("TRUNCATE merchants_store RESTART IDENTITY CASCADE")
    tag = uuid.uuid4().hex[:8]
    now = timezone.now()
    category = Category.objects.create(name=f"bench lists {tag}")
    owner = get_user_model().objects.create(username=f"bench-lists-{tag}")
    store = Store.objects.create(name=f"bench lists {tag}", owner=owner, main_category=category, city="武汉",
                                 wallet_upgraded=True, base_limit=Decimal("100000.00"))
    crowd = Store.objects.create(name=f"bench crowd {tag}", owner=get_user_model().objects.create(
        username=f"bench-crowd-{tag}"), main_category=category, city="武汉")
    clone_rows("merchants_store", crowd.pk, 98, {})
    product = Product.objects.create(store=store, title="bench", category=category, price=Decimal("99.00"))
    stores = f"(SELECT array_agg(id) FROM merchants_store WHERE name = 'bench crowd {tag}')"
    # 1 row in 100 is the merchant's, the others go round the 99 crowd stores
    store_of = f"CASE WHEN g % 100 = 0 THEN {store.pk} ELSE {stores}[1 + g % 99] END"
    order = Order.objects.create(store=store, product=product, buyer_id="bench", amount=Decimal("50.00"),
                                 paid_at=now - dt.timedelta(days=1), channel="taote", payment_method="paylater",
                                 status="paid", fee=Decimal("0.50"))
    clone_rows("merchants_order", order.pk, int(ROWS["orders"] * scale), {
        "store_id": store_of, "paid_at": "t.paid_at - g * interval '20 seconds'"})
    entry = LedgerEntry(store=store, kind="topup", amount=Decimal("10.00"), idempotency_key=f"bench:{tag}",
                        reference=f"store:{store.pk}", created_at=now)
    entry.save(force_insert=True)
    clone_rows("merchants_ledgerentry", entry.pk, int(ROWS["ledger"] * scale), {
        "store_id": store_of, "idempotency_key": f"'bench:{tag}:' || g",
        "created_at": "t.created_at - g * interval '20 seconds'"})
    case = RefundCase.objects.create(
        store=store, order=order, buyer_id="bench", type="refund_only", reason="not_as_described",
        amount=Decimal("10.00"), requested_type="refund_only", requested_amount=Decimal("10.00"), shipped=True,
        shipped_flag=True, status="closed", opened_at=now - dt.timedelta(days=1),
        merchant_deadline=now, closed_at=now)
    clone_rows("refunds_refundcase", case.pk, int(ROWS["cases"] * scale), {
        "store_id": store_of, "opened_at": "t.opened_at - g * interval '1 minute'"})
    with connection.cursor() as cursor:
        for table in ("merchants_order", "merchants_ledgerentry", "refunds_refundcase"):
            cursor.execute(f"VACUUM ANALYZE {table}")  # as autovacuum would have by now: index-only counts
    token = ApiToken.issue(user=owner, kind=ApiToken.Kind.MERCHANT, name=f"bench-lists-{tag}")[1]
    return token, store.pk


def _get_many(*, port: int, token: str, path: str, count: int, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        try:
            conn.request("GET", path, headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def get_rate(*, port: int, token: str, path: str, total: int, errors: list) -> float:
    """Requests per second of GET `path` from CLIENTS threads, `total` requests in all."""
    per = max(1, total // CLIENTS)
    threads = [threading.Thread(target=_get_many, kwargs=dict(port=port, token=token, path=path, count=per,
                                                              errors=errors)) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per * CLIENTS / (time.perf_counter() - started)


def measure(*, scale: float, out=print) -> list[Measurement]:
    from bench.load_lists import free_port, start_server

    total = max(CLIENTS * 3, int(REQUESTS * scale))
    out(f"merchant lists: seeding {', '.join(f'{int(n * scale):,} {k}' for k, n in ROWS.items())} over 100 stores")
    token, store_id = seed(scale=scale)
    port = free_port()
    server = start_server(port=port, database_url=django_database_url(), workers=2, threads=4,
                          settings="config.settings.local")
    errors: list[str] = []
    trivial_path = f"/api/v1/merchant/stores/{store_id}/"
    results = []
    try:
        for path in [trivial_path, *(f"/api/v1/merchant/{p}?page_size=100" for p, _ in LISTS.values())]:
            get_rate(port=port, token=token, path=path, total=CLIENTS * 2, errors=errors)  # warm-up
        trivial = get_rate(port=port, token=token, path=trivial_path, total=total, errors=errors)
        out(f"  GET store detail (trivial), {CLIENTS} clients: {trivial:,.1f} req/s")
        for name, (path, rows) in LISTS.items():
            rate = get_rate(port=port, token=token, path=f"/api/v1/merchant/{path}?page_size=100", total=total,
                         errors=errors)
            ratio = rate / trivial
            out(f"  GET {path} (100 rows), {CLIENTS} clients: {rate:,.1f} req/s = {ratio * 100:.0f}%")
            results.append(Measurement(name=f"merchant list {name}", value=ratio, goal="≥ 50%", met=ratio >= 0.5,
                                       project=f"{rate:,.1f} req/s", baseline=f"{trivial:,.1f} req/s (store detail)",
                                       data=f"{int(ROWS[rows] * scale):,} {rows} / 100 stores", percent=True))
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        raise RuntimeError(f"{len(errors)} GETs failed, e.g. {errors[0]}")
    return results


def main(argv=None) -> int:
    return measure_main(measure, doc=__doc__, default_name="ops_bench_intake", argv=argv)


if __name__ == "__main__":
    sys.exit(main())
