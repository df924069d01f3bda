"""What every benchmark does before it measures: its own PostgreSQL database (created if
missing), Django set up with the test settings, the schema migrated."""
import os
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def add_database_argument(parser, default_name: str) -> None:
    """`--database-url`: BENCH_DATABASE_URL, else `default_name` on the embedded server."""
    default = os.environ.get("BENCH_DATABASE_URL")
    if not default:
        sys.path.insert(0, str(BASE))
        from config import embedded_db

        default = embedded_db.ensure_running(database=default_name)
    parser.add_argument("--database-url", default=default)


def measure_main(measure, *, doc: str, default_name: str, argv=None) -> int:
    """The command line of a benchmark that is only its `measure()`: `--scale` and
    `--database-url`, then one line per measurement; exit 1 when a goal is missed."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    add_database_argument(parser, default_name)
    args = parser.parse_args(argv)
    prepare(parser, args.database_url)
    results = measure(scale=args.scale)
    for result in results:
        print(result.line())
    return 0 if all(r.met for r in results) else 1


def prepare(parser, database_url: str, *, settings: str = "config.settings.test") -> None:
    """Refuse anything but PostgreSQL (the numbers that count), then create, set up, migrate."""
    if not database_url.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL")
    sys.path.insert(0, str(BASE))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def create_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def django_database_url() -> str:
    """The URL of the database Django is set up with (settings.DATABASES['default']), for the
    processes a benchmark starts (gunicorn): they must see the same rows, also under pytest."""
    from urllib.parse import quote

    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "postgres") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    host = db.get("HOST") or "127.0.0.1"
    if host.startswith("/"):  # a Unix socket folder: the embedded server's
        return f"postgres://{auth}@/{db['NAME']}?host={quote(host)}"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def clone_rows(table: str, template_id: int, count: int, overrides: dict[str, str]) -> None:
    """`count` copies of one row, made by PostgreSQL (generate_series, `g` = 1…count): every
    column copied but the id and those in `overrides` (column → SQL expression using g)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND column_name <> 'id' ORDER BY ordinal_position", [table])
        columns = [row[0] for row in cursor.fetchall()]
        select = [overrides.get(c, f't."{c}"').replace("%", "%%") for c in columns]  # `g % 8` is SQL
        cursor.execute(f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
                       f'SELECT {", ".join(select)} FROM "{table}" t, generate_series(1, %s) g WHERE t.id = %s',
                       [count, template_id])
        cursor.execute(f'ANALYZE "{table}"')


# --- The contract between each benchmark and `make bench` (bench/run.py) ---------------------
#
# Every benchmark module that `make bench` runs exposes
#
#     def measure(*, scale: float, out=print) -> list[Measurement]
#
# It works on the database Django is already set up with (bench/run.py prepares it; the tiny-size
# tests use pytest's test database), sizes its data as `scale` × its default size (1.0 = the
# "few minutes for the whole suite" default; 0.01 or less = the tiny test size), prints progress
# lines through `out`, and returns one Measurement per ratio it checks against a goal.
from dataclasses import dataclass  # noqa: E402


@dataclass(frozen=True)
class Measurement:
    """One ratio of the project against its baseline, with the goal it must meet."""

    name: str          # "refund sweep", "order intake (8 clients)"
    value: float       # the ratio: 2.41 for "2.41×", 0.31 for "31%"
    goal: str          # "≤ 3×", "≥ 25%"
    met: bool
    project: str = ""  # what the project measured, as shown in the table: "12.4 s", "310 orders/s"
    baseline: str = ""  # what the baseline measured: "4.1 s", "1,020 INSERT/s"
    data: str = ""     # the data size it ran on: "100,000 due cases"
    percent: bool = False  # show the value as a percentage of the baseline (throughput goals)

    @property
    def shown(self) -> str:
        return f"{self.value * 100:.0f}%" if self.percent else f"{self.value:.2f}×"

    def line(self) -> str:
        """`refund sweep: 2.41× (goal ≤ 3×)`, the form the last lines of `make bench` take."""
        return f"{self.name}: {self.shown} (goal {self.goal})" + ("" if self.met else "  MISSED")


# Per store for one local month (%(start)s, %(end)s), written by hand from SPEC for the credit and
# risk baselines, one text so the two cannot drift: `paid` — orders paid (n) [and their net sales,
# `net`], the Taote orders the on-time rate counts (not refunded before shipping), those shipped and
# those on time (official logistics, pickup scan, by the deadline); `cases` — refund cases opened
# judged seller-responsible (disputes) and return-and-refund ones not cancelled (returns).
def month_rates_ctes(*, with_net: bool) -> str:
    net = ("\n         SUM(o.amount - o.refunded_amount) FILTER (WHERE o.status <> 'cancelled') AS net,"
           if with_net else "")
    return f"""paid AS (
  SELECT o.store_id, COUNT(*) AS n,{net}
         COUNT(*) FILTER (WHERE o.channel = 'taote' AND NOT (o.refunded_at IS NOT NULL
                          AND (sh.shipped_at IS NULL OR o.refunded_at < sh.shipped_at))) AS taote,
         COUNT(sh.id) FILTER (WHERE o.channel = 'taote' AND NOT (o.refunded_at IS NOT NULL
                          AND (sh.shipped_at IS NULL OR o.refunded_at < sh.shipped_at))) AS shipped,
         COUNT(*) FILTER (WHERE o.channel = 'taote' AND sh.official_logistics AND sh.picked_up_at IS NOT NULL
                          AND sh.shipped_at <= sh.deadline AND NOT (o.refunded_at IS NOT NULL
                          AND (sh.shipped_at IS NULL OR o.refunded_at < sh.shipped_at))) AS on_time
  FROM merchants_order o LEFT JOIN logistics_shipment sh ON sh.order_id = o.id
  WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s
  GROUP BY o.store_id),
cases AS (
  SELECT store_id, COUNT(*) FILTER (WHERE judgement = 'seller_responsible') AS disputes,
         COUNT(*) FILTER (WHERE type = 'return_refund' AND status <> 'cancelled') AS returns
  FROM refunds_refundcase WHERE opened_at >= %(start)s AND opened_at < %(end)s
  GROUP BY store_id),
"""


def bare_write_rolled_back(sql: str, params: dict, *, check_sql: str) -> tuple[float, tuple]:
    """A baseline that writes (a job whose product is rows: the credit evaluation's, the risk
    self-check's): (seconds of `sql`, the row `check_sql` reads of what it wrote), in a transaction
    rolled back. JIT off, as the project's batch statements run; foreign keys checked at once, so
    their cost is timed as the project pays it at its commit."""
    import time

    from django.db import connection, transaction

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, params)
        took = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(check_sql, params)
            checked = cursor.fetchone()
        transaction.set_rollback(True)
    return took, checked

