"""Benchmark of the operators' first page (SPEC "Operators' cockpit"): its queries and time on
the demo data and on the large data set of bench/settlement.py (stores, a week of shipments,
its settlement). The page must cost the same number of queries whatever the data size.

    .venv/bin/python bench/cockpit.py                          # demo, then 2,000 stores / 200,000 shipments
    .venv/bin/python bench/cockpit.py --stores 5000 --shipments 1000000

It uses its own database (default ops_bench_cockpit, created if missing, its tables TRUNCATEd).
"""
import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Measurement, add_database_argument, prepare  # noqa: E402


def first_page(label: str, out=print) -> tuple[int, float]:
    """(queries, seconds) of GET /admin/ as a superuser, after one warm-up request."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.filter(username="bench-operator").first() or \
        get_user_model().objects.create_superuser("bench-operator", "bench@example.com", "x")
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get("/admin/")
        took = time.perf_counter() - started
    assert response.status_code == 200
    out(f"  {label:<48} {len(queries):>3} queries · {took * 1000:7.1f} ms")
    return len(queries), took


def run(*, stores: int, shipments: int, out=print) -> dict:
    from django.core.management import call_command

    from bench import settlement

    out("operators' first page (GET /admin/, superuser)")
    call_command("seed_demo", verbosity=0)
    demo = first_page("demo data (seed_demo)", out)
    settlement.generate(stores=stores, shipments=shipments)
    settlement.settle()
    big = first_page(f"{stores:,} stores, {shipments:,} shipments, settled", out)
    return {"demo_queries": demo[0], "big_queries": big[0], "demo_seconds": demo[1], "big_seconds": big[1]}


def measure(*, scale: float, out=print) -> list[Measurement]:
    """`make bench`: the first page's queries on 2,000 stores / 200,000 settled shipments × scale
    as a ratio to the demo data's (goal: the same count, 1×)."""
    stores, shipments = max(10, round(2000 * scale)), max(1000, round(200_000 * scale))
    s = run(stores=stores, shipments=shipments, out=out)
    ratio = s["big_queries"] / s["demo_queries"]
    return [Measurement(name="first page queries, large vs demo data", value=ratio, goal="≤ 1×", met=ratio <= 1,
                        project=f"{s['big_queries']} queries, {s['big_seconds'] * 1000:.0f} ms",
                        baseline=f"{s['demo_queries']} queries, {s['demo_seconds'] * 1000:.0f} ms",
                        data=f"{stores:,} stores / {shipments:,} shipments")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--shipments", type=int, default=200_000)
    add_database_argument(parser, "ops_bench_cockpit")
    args = parser.parse_args(argv)
    prepare(parser, args.database_url)
    summary = run(stores=args.stores, shipments=args.shipments)
    if summary["big_queries"] != summary["demo_queries"]:
        sys.exit("the first page's query count grew with the data")


if __name__ == "__main__":
    main()
