"""Keeps `make bench` (bench/run.py) from rotting: the runner discovers every benchmark module,
runs each at a tiny size on the test database, prints one table and ends with one line per
measurement in the form `refund sweep: 2.41× (goal ≤ 3×)`."""
import re

import pytest

from bench import run as runner
from bench.common import Measurement

pytestmark = pytest.mark.django_db(transaction=True)

LINE = re.compile(r"^(?P<name>.+?): (?P<value>\d+\.\d\d×|\d+%) \(goal (?P<goal>.+)\)(  MISSED)?$")


def test_make_bench_runs_every_benchmark_and_ends_with_one_line_per_measurement():
    modules = runner.discover()
    names = [name for name, _module in modules]
    assert {"settlement", "credit_evaluation", "risk_check", "cockpit", "webhooks"} <= set(names)
    assert not {"common", "run"} & set(names)
    lines = []
    measurements, failed = runner.run_all(modules, scale=0.001, out=lines.append)
    assert failed == [], "\n".join(lines[-40:])
    assert {"settlement", "credit evaluation", "risk self-check"} <= {m.name for m in measurements}
    report = []
    runner.report(measurements, failed, out=report.append)
    tail = report[-len(measurements):]
    names = [LINE.match(line) and LINE.match(line).group("name") for line in tail]
    assert names == [m.name for m in measurements], tail
    assert report[1].startswith("| measurement ") and report[-len(measurements) - 1] == ""


def test_only_picks_modules_by_name_or_prefix():
    assert [name for name, _ in runner.discover(["settlement", "credit"])] == ["credit_evaluation", "settlement"]


def test_a_missed_goal_fails_only_under_strict_and_a_failed_module_always():
    missed = [Measurement(name="x", value=4.0, goal="≤ 3×", met=False)]
    assert missed[0].line() == "x: 4.00× (goal ≤ 3×)  MISSED"
    assert runner.exit_code(missed, [], strict=False) == 0
    assert runner.exit_code(missed, [], strict=True) == 1
    assert runner.exit_code([], ["settlement"], strict=False) == 1


def test_bench_database_is_never_the_developers_own():
    url, _why = runner.bench_database_url({"DATABASE_URL": "postgres://u@db:5432/shop"})
    assert url == "postgres://u@db:5432/shop_bench"
    assert runner.bench_database_url({"DATABASE_URL": "postgres://postgres@/shop?host=/srv/var/pg"})[0] \
        == "postgres://postgres@/shop_bench?host=/srv/var/pg"
    assert runner.bench_database_url({"BENCH_DATABASE_URL": "postgres://h/b", "DATABASE_URL": "postgres://h/a"})[0] \
        == "postgres://h/b"
