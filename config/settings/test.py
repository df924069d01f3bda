"""`make test`: PostgreSQL (the embedded server, or DATABASE_URL's); tasks run eagerly unless a
test starts a real worker."""
import os
import tempfile
from pathlib import Path

from config.storage import private_storage

from .base import *  # noqa: F401,F403
from .base import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_BROKER_URL, DATABASES, SECRET_KEY, STORAGES

SECRET_KEY = SECRET_KEY or "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Processes started by a test as real Celery worker/beat set CELERY_TASK_ALWAYS_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1") != "0"
CELERY_TASK_EAGER_PROPAGATES = True
IDEMPOTENCY_WAIT_SECONDS = 3
LANGUAGE_CODE = "en"
LOGGING = {"version": 1, "disable_existing_loggers": False}
WEBHOOKS_ALLOW_PRIVATE_URLS = True
# Each test process has its own cache, and budgets no test reaches by accident
# (tests/config/test_throttling.py lowers them).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
API_THROTTLE_RATES = {"merchant": "100000/min", "platform": "100000/min", "anon": "100000/min"}
# The pytest-xdist processes share one Redis database: without a key prefix of each process's own,
# a Celery worker one test process started took the tasks another sent (and ran them on the wrong
# test database). The workers a test starts inherit PYTEST_XDIST_WORKER, so they use the same prefix.
if CELERY_BROKER_URL.startswith("redis") and os.environ.get("PYTEST_XDIST_WORKER"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS,
                                       "global_keyprefix": f"tests-{os.environ['PYTEST_XDIST_WORKER']}:"}
# The worker-kill test starts a worker with this set to slow its batches down.
SETTLEMENT_BATCH_TEST_PAUSE = float(os.environ.get("SETTLEMENT_BATCH_TEST_PAUSE", "0"))
# Evidence files that tests (and the demo data some tests seed) write go to a folder of this
# process's own, never under the repository's var/ (tests that look at the files use their own).
STORAGES = {**STORAGES, "evidence": private_storage("", Path(tempfile.mkdtemp(prefix="evidence-tests-")))}
# Tests commit thousands of small transactions (and flush after each transactional test): they
# need not wait for the WAL to reach the disk. libpq's documented `options` sets it for the test
# connections only; a crash loses nothing a test run needs.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
