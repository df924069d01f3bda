"""Load benchmark of the served API (issue "Hardening", item 5): list requests in parallel against
gunicorn as `make run` and production start it, counting errors and PostgreSQL connections.

Starts gunicorn (config/gunicorn.py, gthread workers) on a spare loopback port against the
DATABASE_URL database (PostgreSQL is the one that counts), seeds the demo data and two tokens, fires
`--requests` GETs at merchant and platform list endpoints from `--concurrency` client threads, and
samples `pg_stat_activity` for the database meanwhile. Prints the errors (must be 0) and the peak
number of connections other than its own against the documented bound WEB_CONCURRENCY × WEB_THREADS
(README "Configuration"). Loopback only, bounded in count and time (`--timeout`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ops_bench .venv/bin/python bench/load_lists.py
    … --requests 2000 --concurrency 20 --workers 2 --threads 4

The database is migrated and seeded idempotently (seed_demo); nothing is truncated.
"""
import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
MERCHANT_LISTS = ["stores/", "products/", "ledger-entries/", "violations/", "credit-applications/",
                  "paylater/activities/", "paylater/orders/", "refund-cases/", "logistics/shipments/",
                  "logistics/weekly-results/"]
PLATFORM_LISTS = ["negotiations/"]  # the platform API is mostly actions; this is its list


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed() -> tuple[str, str]:
    """Demo data (idempotent) and a fresh merchant token for a demo store's owner and a platform token."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from config.models import ApiToken
    from merchants.models import Store

    call_command("seed_demo", verbosity=0)
    owner = Store.objects.order_by("pk").first().owner
    merchant = ApiToken.issue(user=owner, kind=ApiToken.Kind.MERCHANT, name="bench")[1]
    client, _ = get_user_model().objects.get_or_create(username="platform:bench-load")
    platform = ApiToken.issue(user=client, kind=ApiToken.Kind.PLATFORM, name="bench-load")[1]
    return merchant, platform


def connections_now(cursor) -> int:
    """Connections to this database other than the benchmark's own."""
    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND pid <> pg_backend_pid()")
    return cursor.fetchone()[0]


def start_server(*, port: int, database_url: str, workers: int, threads: int,
                 settings: str, env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **(env or {}), "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings,
           "WEB_PORT": str(port), "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads),
           "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING",
           # it measures the lists and the connection bound, not the request budget (throttling)
           "API_THROTTLE_MERCHANT_RATE": "1000000/min", "API_THROTTLE_PLATFORM_RATE": "1000000/min",
           "API_THROTTLE_ANON_RATE": "1000000/min"}
    env.pop("WEB_BIND", None)
    proc = subprocess.Popen([str(BASE / ".venv/bin/gunicorn"), "config.wsgi", "-c", "config/gunicorn.py",
                             "--access-logfile", "/dev/null"],
                            cwd=BASE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()  # 503 without a Celery worker is still an answer
            conn.close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def fire(*, port: int, paths: list[tuple[str, str]], concurrency: int, deadline: float) -> tuple[int, list[str]]:
    """GET every (path, token) from `concurrency` threads, one keep-alive connection each."""
    local = threading.local()
    errors: list[str] = []

    def get(item):
        path, token = item
        if time.monotonic() > deadline:
            errors.append(f"{path}: not sent, time is up")
            return
        try:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            local.conn.request("GET", path, headers={"Authorization": f"Token {token}"})
            response = local.conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            errors.append(f"{path}: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(get, paths))
    return len(paths), errors


def run(*, requests: int = 2000, concurrency: int = 20, workers: int = 2, threads: int = 4,
        database_url: str | None = None, settings: str = "config.settings.local", timeout: float = 300,
        out=print) -> dict:
    from django.db import connection

    database_url = database_url or os.environ["DATABASE_URL"]
    merchant, platform = seed()
    endpoints = ([(f"/api/v1/merchant/{p}", merchant) for p in MERCHANT_LISTS]
                 + [(f"/api/v1/platform/{p}", platform) for p in PLATFORM_LISTS])
    paths = [endpoints[i % len(endpoints)] for i in range(requests)]
    bound = workers * threads
    port = free_port()
    server = start_server(port=port, database_url=database_url, workers=workers, threads=threads,
                          settings=settings)
    result = {}
    try:
        with connection.cursor() as cursor:
            peak = connections_now(cursor)
            box = {}
            started = time.monotonic()

            def client():
                box["sent"], box["errors"] = fire(port=port, paths=paths, concurrency=concurrency,
                                                  deadline=started + timeout)

            firing = threading.Thread(target=client)
            firing.start()
            while firing.is_alive():
                peak = max(peak, connections_now(cursor))
                firing.join(0.05)
            took = time.monotonic() - started
            peak = max(peak, connections_now(cursor))
        result = {"requests": box["sent"], "errors": len(box["errors"]), "seconds": round(took, 2),
                  "peak_connections": peak, "bound": bound}
        out(f"{box['sent']} list requests at {concurrency} in parallel: {len(box['errors'])} errors, "
            f"{took:.1f} s ({box['sent'] / took:.0f} req/s)")
        out(f"peak PostgreSQL connections (server side, other than this script's): {peak}; "
            f"bound WEB_CONCURRENCY × WEB_THREADS = {workers} × {threads} = {bound}: "
            f"{'within' if peak <= bound else 'OVER'}")
        for line in box["errors"][:10]:
            out(f"  error: {line}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    parser.add_argument("--timeout", type=float, default=300, help="seconds before unsent requests count as errors")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgres"):
        parser.error("set DATABASE_URL (or --database-url) to a PostgreSQL database")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    result = run(requests=args.requests, concurrency=args.concurrency, workers=args.workers,
                 threads=args.threads, database_url=args.database_url, timeout=args.timeout)
    return 0 if result["errors"] == 0 and result["peak_connections"] <= result["bound"] else 1


if __name__ == "__main__":
    sys.exit(main())
