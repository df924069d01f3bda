"""Benchmark of pay-later order intake: `POST /api/v1/platform/orders/` served by gunicorn as
production starts it, from 8 client threads (one store each), against the cheapest authenticated
request of the same stack in the same run (`GET /api/v1/platform/products/<id>/`, same clients).
Goal: intake at least 60% of that request's throughput. A second goal: intake with refusals mixed
in (every 4th order above the limit, each refusal recorded, SPEC §6) stays within 5% of
accepted-only intake. The bare `INSERT` + commit through psycopg is printed for scale.

    .venv/bin/python bench/order_intake.py                   # 8 × 250 orders on 1,000,000 orders
    .venv/bin/python bench/order_intake.py --scale 0.1       # quicker
    .venv/bin/python bench/order_intake.py --ladder          # the floor ladder (bench/README.md), not a goal

It uses its own database (default ops_bench_intake, created if missing, migrated; its rows are
added to, never truncated). Every POST carries its own Idempotency-Key, as the order service's do.
"""
import datetime as dt
import http.client
import json
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
ORDERS_PER_CLIENT = 250  # at scale 1.0
BACKGROUND_ORDERS = 1_000_000  # at scale 1.0: the stores' order history the exposure check must not scan
LIMIT = Decimal("999999999999.00")


def seed(*, background: int) -> tuple[str, list[tuple[int, int]]]:
    """8 enrolled stores with a product in an active activity and a limit nothing reaches, a
    platform token, and `background` older orders spread over the stores (1% still exposed)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from config.models import ApiToken
    from merchants.models import Category, Order, Product, Store
    from paylater.models import Activity, ActivityItem, Enrollment

    tag = uuid.uuid4().hex[:8]
    now = timezone.now()
    category = Category.objects.create(name=f"bench intake {tag}")
    pairs = []
    for i in range(CLIENTS):
        owner = get_user_model().objects.create(username=f"bench-intake-{tag}-{i}")
        store = Store.objects.create(name=f"bench intake {tag} {i}", owner=owner, main_category=category, city="武汉",
                                     wallet_upgraded=True, base_limit=LIMIT)
        Enrollment.objects.create(store=store, status=Enrollment.Status.ACTIVE, attempts=1, last_attempt_at=now,
                                  enrolled_at=now)
        product = Product.objects.create(store=store, title=f"bench {i}", category=category, price=Decimal("99.00"))
        activity = Activity.objects.create(store=store, name="bench", duration=Activity.Duration.LONG_TERM,
                                           starts_at=now - dt.timedelta(days=400))
        ActivityItem.objects.create(activity=activity, product=product)
        pairs.append((store.pk, product.pk))
    if background:
        template = Order.objects.create(store_id=pairs[0][0], product_id=pairs[0][1], buyer_id="bench",
                                        amount=Decimal("50.00"), paid_at=now - dt.timedelta(days=1),
                                        channel="taote", payment_method="paylater", status="paid",
                                        fee=Decimal("0.50"))
        stores = ",".join(str(s) for s, _ in pairs)
        products = ",".join(str(p) for _, p in pairs)
        clone_rows("merchants_order", template.pk, background, {
            "store_id": f"(ARRAY[{stores}])[1 + g % {CLIENTS}]",
            "product_id": f"(ARRAY[{products}])[1 + g % {CLIENTS}]",
            "status": "CASE WHEN g % 100 = 0 THEN 'placed' ELSE 'paid' END",
            "paid_at": "t.paid_at - g * interval '20 seconds'"})
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE merchants_order")  # as autovacuum would have: index-only sums
    user, _ = get_user_model().objects.get_or_create(username="platform:bench-intake")
    return ApiToken.issue(user=user, kind=ApiToken.Kind.PLATFORM, name=f"bench-intake-{tag}")[1], pairs


REFUSED_EVERY = 4  # the mixed run: every 4th order is above the limit (credit_limit_exceeded)
REFUSED_AMOUNT = "999999999999.50"  # above LIMIT, within the API's money field


def _post_orders(*, port: int, token: str, store: int, product: int, count: int, errors: list,
                 mixed: bool = False) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    paid_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    for n in range(count):
        refused = mixed and n % REFUSED_EVERY == REFUSED_EVERY - 1
        body = json.dumps({"store": store, "product": product, "buyer_id": f"{'m' if mixed else 'b'}{n}",
                           "amount": REFUSED_AMOUNT if refused else "10.00",
                           "paid_at": paid_at, "channel": "taote", "payment_method": "paylater",
                           "buyer_credit_score": 90})
        try:
            conn.request("POST", "/api/v1/platform/orders/", body=body, headers={
                "Authorization": f"Token {token}", "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex})
            response = conn.getresponse()
            text = response.read()
            if (response.status, refused) not in ((201, False), (400, True)) or (
                    refused and b"credit_limit_exceeded" not in text):
                errors.append(f"{response.status}: {text[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def _bare_inserts(*, database_url: str, store: int, product: int, count: int) -> None:
    """The floor: the same order row, one INSERT + commit at a time (autocommit)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        for n in range(count):
            conn.execute(
                "INSERT INTO merchants_order (store_id, product_id, buyer_id, amount, paid_at, channel, "
                "payment_method, status, buyer_credit_score, fee, refunded_amount, created_at) "
                "VALUES (%s, %s, %s, 10.00, now() - interval '1 minute', 'taote', 'paylater', 'placed', 90, "
                "0.10, 0, now())", [store, product, f"bare{n}"])


def _in_threads(target, kwargs_list) -> float:
    threads = [threading.Thread(target=target, kwargs=kwargs) for kwargs in kwargs_list]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def measure(*, scale: float, out=print) -> list[Measurement]:
    from bench.load_lists import free_port, start_server
    from bench.merchant_lists import get_rate

    per_client = max(5, int(ORDERS_PER_CLIENT * scale))
    background = int(BACKGROUND_ORDERS * scale)
    database_url = django_database_url()
    out(f"order intake: seeding {CLIENTS} stores and {background:,} older orders")
    token, pairs = seed(background=background)
    port = free_port()
    # As production starts it: config/gunicorn.py's workers and threads (WEB_CONCURRENCY / WEB_THREADS).
    from config import gunicorn

    server = start_server(port=port, database_url=database_url, workers=gunicorn.workers, threads=gunicorn.threads,
                          settings="config.settings.local")
    errors: list[str] = []
    total = per_client * CLIENTS
    accepted, mixed = [], []
    try:
        jobs = [dict(port=port, token=token, store=s, product=p, errors=errors) for s, p in pairs]
        _in_threads(_post_orders, [dict(job, count=2) for job in jobs])  # warm-up: imports, connections
        _in_threads(_post_orders, [dict(job, count=REFUSED_EVERY, mixed=True) for job in jobs])
        # The cheapest authenticated platform GET, same clients, same run: the stack's ceiling here.
        ceiling = get_rate(port=port, token=token, path=f"/api/v1/platform/products/{pairs[0][1]}/",
                           total=total, errors=errors)
        for _ in range(3):  # alternated, the best of three each: the shared machine's noise hits both
            accepted.append(total / _in_threads(_post_orders, [dict(job, count=per_client) for job in jobs]))
            mixed.append(total / _in_threads(_post_orders, [dict(job, count=per_client, mixed=True)
                                                            for job in jobs]))
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        raise RuntimeError(f"{len(errors)} order POSTs failed, e.g. {errors[0]}")
    project, with_refusals = max(accepted), max(mixed)
    bare_took = _in_threads(_bare_inserts, [dict(database_url=database_url, store=s, product=p, count=per_client)
                                            for s, p in pairs])
    bare = total / bare_took
    ratio, mixed_ratio = project / ceiling, with_refusals / project
    out(f"  POST /platform/orders/ (paylater, Idempotency-Key), {CLIENTS} clients: {total:,} orders, "
        f"{' / '.join(f'{r:,.0f}' for r in accepted)} orders/s")
    out(f"  the same with every {REFUSED_EVERY}th order refused (credit_limit_exceeded, recorded): "
        f"{' / '.join(f'{r:,.0f}' for r in mixed)} requests/s = {mixed_ratio * 100:.0f}% of accepted-only")
    out(f"  GET /platform/products/<id>/ (the cheapest authenticated request), {CLIENTS} clients: "
        f"{ceiling:,.1f} req/s; intake = {ratio * 100:.0f}% of it")
    out(f"  for scale, bare INSERT + commit, {CLIENTS} threads: {bare:,.0f} rows/s")
    return [Measurement(name=f"order intake ({CLIENTS} clients)", value=ratio, goal="≥ 60%", met=ratio >= 0.60,
                        project=f"{project:,.0f} orders/s", baseline=f"{ceiling:,.0f} GET/s",
                        data=f"{background:,} orders + {total:,} new", percent=True),
            Measurement(name=f"order intake with refusals ({CLIENTS} clients)", value=mixed_ratio, goal="≥ 95%",
                        met=mixed_ratio >= 0.95, project=f"{with_refusals:,.0f} requests/s",
                        baseline=f"{project:,.0f} orders/s",
                        data=f"1 in {REFUSED_EVERY} refused", percent=True)]


# --- the floor ladder: what Django and DRF themselves allow on this machine (`--ladder`) ----------
LADDER = [  # (rung, what, gunicorn environment, kind of request)
    ("a", "bare Django view, no middleware", {"LADDER_BARE": "1"}, "plain"),
    ("b", "every middleware + a plain Django view", {}, "plain"),
    ("c", "DRF view: token auth, throttling, platform permission", {}, "drf"),
    ("d", "GET /platform/products/<id>/ (cheapest real GET)", {}, "product"),
    ("e", "POST /platform/orders/ (intake, Idempotency-Key)", {}, "intake"),
    ("f", "intake's statements from a plain Django view (the floor of a Django intake)", {}, "floor"),
]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's workers), from /proc."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            pids += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (every core, every process), from /proc/stat."""
    import os

    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _fire(*, port: int, token: str, kind: str, store: int, product: int, count: int, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    paid_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    for n in range(count):
        method, path, body, headers, expected = "GET", "/ladder/plain/", None, {}, 200
        if kind == "drf":
            path, headers = "/ladder/drf/", {"Authorization": f"Token {token}"}
        elif kind == "product":
            path, headers = f"/api/v1/platform/products/{product}/", {"Authorization": f"Token {token}"}
        elif kind in ("intake", "floor"):
            method, expected = "POST", 201
            path = "/api/v1/platform/orders/" if kind == "intake" else "/ladder/floor/"
            body = json.dumps({"store": store, "product": product, "buyer_id": f"{kind[0]}{n}", "amount": "10.00",
                               "paid_at": paid_at, "channel": "taote", "payment_method": "paylater",
                               "buyer_credit_score": 90})
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
                       "Idempotency-Key": uuid.uuid4().hex}
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read()
            if response.status != expected:
                errors.append(f"{kind} {response.status}: {text[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{kind} {type(exc).__name__}: {exc}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def _backend_pids() -> list[int]:
    """The PostgreSQL server processes serving this database, other than this script's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [pid for (pid,) in cursor.fetchall()]


def _timed(run, server_pid: int | None) -> dict:
    """Wall time of `run()` and the CPU it cost: this process (the client threads), the server
    (gunicorn and its workers), the PostgreSQL backends serving the server (kept connections:
    the warm-up opened them) and the whole machine (the other users of the shared cores too)."""
    import resource

    def own():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    backends = _backend_pids() if server_pid else []

    def sample():
        return (own(), _cpu_seconds(server_pid) if server_pid else 0.0,
                sum(_cpu_seconds(pid) for pid in backends), _machine_busy_seconds())

    before = sample()
    took = run()
    after = sample()
    client, server, postgres, machine = (b - a for a, b in zip(before, after, strict=True))
    return {"took": took, "client": client, "server": server, "postgres": postgres if server_pid else None,
            "machine": machine}


def ladder(*, scale: float, out=print) -> list[dict]:
    """Rungs a–e (LADDER) and the bare INSERT, each from CLIENTS threads against gunicorn as the
    benchmark starts it (config/gunicorn.py's workers × threads, DJANGO_DEBUG=0) with the throwaway
    views of bench/ladder_settings.py: requests/s, % of the bare INSERT, and CPU per request."""
    from bench.load_lists import free_port, start_server
    from config import gunicorn

    per_client = max(5, int(ORDERS_PER_CLIENT * scale))
    total = per_client * CLIENTS
    database_url = django_database_url()
    token, pairs = seed(background=0)
    rows = []
    for environment in ({"LADDER_BARE": "1"}, {}):
        port = free_port()
        server = start_server(port=port, database_url=database_url, workers=gunicorn.workers,
                              threads=gunicorn.threads, settings="bench.ladder_settings", env=environment)
        try:
            for rung, what, env, kind in LADDER:
                if env != environment:
                    continue
                errors: list[str] = []
                jobs = [dict(port=port, token=token, kind=kind, store=s, product=p, errors=errors) for s, p in pairs]
                _in_threads(_fire, [dict(job, count=2) for job in jobs])  # warm-up
                cost = _timed(lambda: _in_threads(_fire, [dict(job, count=per_client) for job in jobs]), server.pid)
                if errors:
                    raise RuntimeError(f"rung {rung}: {len(errors)} requests failed, e.g. {errors[0]}")
                rows.append({"rung": rung, "what": what, **cost})
        finally:
            server.terminate()
            server.wait(timeout=30)
    cost = _timed(lambda: _in_threads(_bare_inserts, [dict(database_url=database_url, store=s, product=p,
                                                           count=per_client) for s, p in pairs]), None)
    rows.append({"rung": "floor", "what": f"bare INSERT + commit, {CLIENTS} psycopg threads", **cost,
                 "server": None})
    bare = total / rows[-1]["took"]
    out(f"floor ladder: {CLIENTS} clients × {per_client} requests per rung, gunicorn {gunicorn.workers} × "
        f"{gunicorn.threads} ({gunicorn.worker_class}), CPU in ms per request")
    out("| rung | what | req/s | % of bare INSERT | client | gunicorn | PostgreSQL | whole machine |")
    out("|---|---|---|---|---|---|---|---|")
    for row in rows:
        rate = total / row["took"]
        row.update(rate=rate, percent=rate / bare * 100)
        per = {k: "n/a" if row[k] is None else f"{row[k] / total * 1000:.2f}"
               for k in ("client", "server", "postgres", "machine")}
        out(f"| {row['rung']} | {row['what']} | {rate:,.0f} | {row['percent']:.0f}% | {per['client']} | "
            f"{per['server']} | {per['postgres']} | {per['machine']} |")
    return rows


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--ladder" in argv:
        import argparse

        from bench.common import add_database_argument, prepare

        parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--ladder", action="store_true")
        parser.add_argument("--scale", type=float, default=1.0)
        add_database_argument(parser, "ops_bench_intake")
        args = parser.parse_args(argv)
        prepare(parser, args.database_url)
        ladder(scale=args.scale)
        return 0
    return measure_main(measure, doc=__doc__, default_name="ops_bench_intake", argv=argv)


if __name__ == "__main__":
    sys.exit(main())
