"""Keeps bench/admin_pages.py from rotting: at a tiny size it generates its tables, opens the
ledger changelists (plain, by store, searched) as a superuser, times their own page-of-rows SQL and
returns one Measurement per page in the shape `make bench` prints."""
import pytest

from bench import admin_pages
from bench.common import Measurement

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_ledger_pages_are_measured_against_their_own_sql():
    lines = []
    results = admin_pages.measure(scale=0.001, out=lines.append, only="ledger")
    assert [m.name for m in results] == ["admin ledger", "admin ledger (store filter)", "admin ledger (search)"]
    assert all(isinstance(m, Measurement) and m.value >= 0 and m.baseline.endswith(" ms") for m in results)
    assert any("1,000 orders" in line for line in lines)


def test_a_page_is_held_to_three_times_its_sql_plus_100_ms_of_rendering():
    assert admin_pages.margin(page=0.130, sql=0.010) == pytest.approx(1.0)  # exactly what it may take
    assert admin_pages.margin(page=0.052, sql=0.004) == pytest.approx(0.464, abs=1e-3)
    assert admin_pages.margin(page=0.300, sql=0.010) > 1  # a slow page is not clipped to 0
