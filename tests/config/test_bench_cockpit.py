"""Keeps bench/cockpit.py from rotting, and checks its claim at a small size: the first page
costs the same queries on the demo data as on a generated data set with a settled week."""
import pytest

from bench import cockpit

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_page_costs_the_same_queries_on_demo_and_generated_data():
    lines = []
    summary = cockpit.run(stores=30, shipments=3000, out=lines.append)
    assert len(lines) == 3
    assert summary["big_queries"] == summary["demo_queries"]
