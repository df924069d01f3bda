from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import translation
from rest_framework.test import APIClient

from merchants import registry
from tests.factories import StoreFactory, merchant_token, platform_token


def pytest_collection_modifyitems(config, items):
    """`redis` tests start a real Celery worker on a Redis broker; without one they skip."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("redis"):
        return
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs Redis (CELERY_BROKER_URL=redis://…)"))


@pytest.fixture(autouse=True)
def _no_language_leaks_between_tests():
    """LocaleMiddleware activates each request's language in the serving thread and never
    deactivates it (a server activates anew per request), and a half-read streamed export holds
    its `translation.override`: either left zh-hans active for whatever test ran next in that
    thread, so a test's outcome depended on its neighbours under pytest-xdist. Back to
    settings.LANGUAGE_CODE after every test."""
    yield
    translation.deactivate()


@contextmanager
def shared_by_the_module(django_db_blocker):
    """For a module-scoped fixture whose rows (the demo data, say) several tests read: they are
    written once, in a transaction that is rolled back after the module's last test. Each test
    (`django_db`, not transactional) runs in a savepoint inside it, so what a test writes goes at its
    end and the shared rows at the module's; nothing is ever committed."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


class Api(APIClient):
    """An API client with a token; `.as_merchant(user)` / `.as_platform()` switch callers."""

    def with_token(self, key):
        self.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return self


@pytest.fixture
def api():
    return Api()


@pytest.fixture
def platform_api(db):
    return Api().with_token(platform_token())


@pytest.fixture
def store(db):
    return StoreFactory()


@pytest.fixture
def merchant_api(store):
    """A merchant client logged in as the owner of `store`."""
    return Api().with_token(merchant_token(store.owner))


@pytest.fixture
def other_store(db):
    return StoreFactory()


def run_in_threads(fn, n, *args):
    """Run fn n times at once in real threads, each with its own DB connection; returns the
    results (exceptions included) in order."""
    import threading

    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn(i, *args)
        except Exception as exc:  # collected for the assertion
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def threads():
    return run_in_threads


@pytest.fixture
def no_metric_providers():
    """Only ingested data and orders count in the credit score: the refunds and logistics
    providers are tested in their own apps."""
    with registry.overridden(credit_metrics=[]):
        yield
