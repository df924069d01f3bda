"""Keeps bench/load_lists.py from rotting: gunicorn as `make run` starts it, at a tiny size."""
import pytest

from bench import load_lists
from config.models import ApiToken
from tests.config.test_processes import db_url_of_test_database

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_list_requests_in_parallel_give_no_errors_and_stay_within_the_connection_bound():
    lines = []
    result = load_lists.run(requests=60, concurrency=6, workers=1, threads=2,
                            database_url=db_url_of_test_database(), settings="config.settings.test",
                            timeout=120, out=lines.append)
    assert result["requests"] == 60 and result["errors"] == 0, lines
    assert result["bound"] == 2
    assert 1 <= result["peak_connections"] <= 2, lines
    assert "0 errors" in lines[0] and "within" in lines[1]
    assert ApiToken.objects.filter(name="bench").exists()  # it seeded through the same database
