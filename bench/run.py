"""`make bench`: every benchmark on PostgreSQL, one table, then one line per measurement.

    .venv/bin/python -m bench.run [--scale 1.0] [--only settlement,credit] [--strict]

Discovery: every module `bench/<name>.py` (but common, run and __init__) that exposes
`measure(*, scale, out) -> list[Measurement]` (the contract at the bottom of bench/common.py) is
run, in name order; a new benchmark needs no edit here. `--only` keeps the modules whose name
starts with one of the given words (`credit` picks `credit_evaluation`).

Database: the benchmarks truncate tables, so never the developer's own. `BENCH_DATABASE_URL` when
set; else DATABASE_URL's PostgreSQL server with `<its name>_bench` beside it; else the embedded
server's `merchant_ops_bench` (config/embedded_db.py), said so on the first line.
`bench.common.prepare` creates it if missing and migrates it.

Exit code: 0 when every benchmark ran, even when a goal is missed (its line ends in MISSED: the
figures are for reading, the machine is shared and noisy); 1 when a benchmark failed (an error or
figures that disagree with its baseline), and with `--strict` also when a goal is missed.
"""
import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlparse

if __package__ in (None, ""):  # run as `python bench/run.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BASE, Measurement, prepare  # noqa: E402
from config import embedded_db  # noqa: E402

NOT_BENCHMARKS = {"common", "run", "__init__"}
COLUMNS = ("measurement", "data", "project", "baseline", "ratio", "goal", "met")


def bench_database_url(environ=os.environ) -> tuple[str, str]:
    """(URL, why this one): BENCH_DATABASE_URL, else `<DATABASE_URL's name>_bench`, else the fallback."""
    if environ.get("BENCH_DATABASE_URL"):
        return environ["BENCH_DATABASE_URL"], "BENCH_DATABASE_URL"
    if environ.get("DATABASE_URL"):
        return beside(environ["DATABASE_URL"]), "beside DATABASE_URL"
    return beside(embedded_db.ensure_running()), "DATABASE_URL is unset: the embedded server"


def beside(url: str) -> str:
    """`<name>_bench` on the same server as `url` (host, port or socket folder kept)."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "postgres"
    return parsed._replace(path=f"/{name}_bench").geturl()


def discover(only: list[str] | None = None) -> list[tuple[str, object]]:
    """(name, module) of every benchmark module exposing `measure`, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules([str(BASE / "bench")]), key=lambda i: i.name):
        if info.name in NOT_BENCHMARKS or info.ispkg:
            continue
        if only and not any(info.name.startswith(word) for word in only):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "measure", None)):
            found.append((info.name, module))
    return found


def run_all(modules, *, scale: float, out=print) -> tuple[list[Measurement], list[str]]:
    """Run each module's measure(); (measurements, names of the modules that failed). A failure is
    printed with its traceback and the next module still runs (each truncates what it needs)."""
    measurements, failed = [], []
    for name, module in modules:
        started = time.perf_counter()
        out(f"== {name} (scale {scale:g})")
        try:
            got = module.measure(scale=scale, out=out)
            assert all(isinstance(m, Measurement) for m in got), f"{name}.measure must return Measurements"
            measurements += got
        except Exception:
            failed.append(name)
            out(traceback.format_exc().rstrip())
            out(f"   {name} FAILED")
        out(f"   {name}: {time.perf_counter() - started:.1f} s")
    return measurements, failed


def table(measurements: list[Measurement]) -> list[str]:
    """A Markdown table (so bench/README.md can take it as printed)."""
    rows = [(m.name, m.data, m.project, m.baseline, m.shown, m.goal, "yes" if m.met else "**no**")
            for m in measurements]
    widths = [max(len(str(cell)) for cell in column) for column in zip(COLUMNS, *rows)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return [line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)]


def report(measurements: list[Measurement], failed: list[str], out=print) -> None:
    out("")
    for row in table(measurements):
        out(row)
    out("")
    for name in failed:
        out(f"{name}: FAILED (see above)")
    for m in measurements:
        out(m.line())


def exit_code(measurements, failed, *, strict: bool) -> int:
    return 1 if failed or (strict and not all(m.met for m in measurements)) else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE") or 1.0),
                        help="data size × each benchmark's default (1.0: a few minutes in total)")
    parser.add_argument("--only", default="", help="comma-separated module names or prefixes: settlement,credit")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    url, why = bench_database_url()
    print(f"make bench: {url} ({why}); its tables are truncated")
    prepare(parser, url)
    modules = discover([w.strip() for w in args.only.split(",") if w.strip()] or None)
    if not modules:
        parser.error(f"no benchmark module matches --only {args.only!r}")
    started = time.perf_counter()
    measurements, failed = run_all(modules, scale=args.scale, out=lambda line: print(line, flush=True))
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s")
    report(measurements, failed)
    return exit_code(measurements, failed, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
