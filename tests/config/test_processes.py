"""Real processes: a Celery worker against Redis, and `make run`'s web process."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from bench.common import django_database_url
from config.models import Heartbeat

ROOT = Path(__file__).resolve().parents[2]


def db_url_of_test_database() -> str:
    """The test database's URL for a child process: a TCP server's, or the embedded server's socket."""
    return django_database_url()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task is the point
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_sent_through_redis():
    from config.celery_app import app

    env = {**os.environ, "DATABASE_URL": db_url_of_test_database(), "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                               "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", "ci-test@%h"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        app.send_task("config.tasks.heartbeat")  # never eager: goes through the broker
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Heartbeat.objects.filter(name="worker").exists():
            time.sleep(0.5)
        assert Heartbeat.objects.filter(name="worker").exists(), "the worker did not run the task"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.slow
@pytest.mark.django_db
def test_make_runs_web_process_answers_on_its_port():
    """Starts the Procfile's `web` line as `make run` does, on a spare port, on the test
    database, and asks it for /healthz and the admin login page."""
    web = next(line.split(":", 1)[1].strip() for line in (ROOT / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    var = tempfile.mkdtemp(prefix="ops-smoke-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=var, WEB_PORT=str(port), DJANGO_SETTINGS_MODULE="config.settings.local",
               DATABASE_URL=db_url_of_test_database())
    proc = subprocess.Popen(["bash", "-c", f"exec {web}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        body, status = None, None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    status, body = r.status, r.read()
            except urllib.error.HTTPError as err:  # 503 until a worker beats: still an answer
                status, body = err.code, err.read()
            except OSError:
                time.sleep(0.5)
                continue
            break
        assert status in (200, 503), "web process never answered"
        assert json.loads(body)["checks"]["database"]["ok"] is True
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(var, ignore_errors=True)
