"""The embedded PostgreSQL server (config/embedded_db.py): the database with no DATABASE_URL.

Each test runs its own server in a fresh data folder (VAR_DIR), never the suite's."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from config import embedded_db

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def var_dir(monkeypatch):
    # A short path: the server's socket lives in the data folder, and Unix sockets allow ~107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
    monkeypatch.setenv("VAR_DIR", str(folder))
    yield folder
    embedded_db.stop()
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def postmaster_pid(var_dir: Path) -> int:
    return int((var_dir / "pg" / "postmaster.pid").read_text().split()[0])


def test_first_start_creates_the_project_database_on_a_socket_in_var(var_dir):
    url = embedded_db.ensure_running()
    assert url == f"postgresql://postgres@/merchant_ops?host={var_dir / 'pg'}"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("merchant_ops",)
        assert conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone() == (1,)
        # a socket only: the server listens on no TCP address
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
    assert embedded_db.ensure_running() == url  # a second call finds it running


def test_stop_ends_the_server_and_a_second_start_reuses_the_data(var_dir):
    url = embedded_db.ensure_running()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
    assert embedded_db.stop() is True
    assert not answers(url) and not embedded_db.is_running()
    assert embedded_db.stop() is False
    url = embedded_db.ensure_running()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)


def test_a_server_killed_without_a_clean_stop_does_not_block_the_next_start(var_dir):
    url = embedded_db.ensure_running()
    os.kill(postmaster_pid(var_dir), signal.SIGKILL)
    time.sleep(0.5)
    assert (var_dir / "pg" / "postmaster.pid").exists()  # the crash left its pid file behind
    assert not answers(url)
    assert embedded_db.ensure_running() == url
    assert answers(url)


def run_wrapper(var_dir, *args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(var_dir), **(env_extra or {}))
    return subprocess.run([sys.executable, "config/embedded_db.py", "run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_run_gives_the_command_the_database_and_stops_the_server_it_started(var_dir):
    done = run_wrapper(var_dir, "--", sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"postgresql://postgres@/merchant_ops?host={var_dir / 'pg'}"
    assert not embedded_db.is_running()


def test_run_leaves_a_server_it_did_not_start_running_unless_told_to_stop(var_dir):
    embedded_db.ensure_running()
    assert run_wrapper(var_dir, "--", "true").returncode == 0
    assert embedded_db.is_running()
    assert run_wrapper(var_dir, "--stop", "--", "false").returncode == 1  # the command's exit code
    assert not embedded_db.is_running()


def test_run_leaves_the_server_it_started_to_a_command_still_using_it(var_dir):
    url = embedded_db.ensure_running()
    embedded_db.stop()
    # the wrapper starts the server; meanwhile another client connects and stays
    script = ("import os, psycopg, time; c = psycopg.connect(os.environ['DATABASE_URL']); "
              "open(os.environ['READY'], 'w').close(); time.sleep(3)")
    ready = var_dir / "ready"
    other = None
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(var_dir))
    wrapper = subprocess.Popen([sys.executable, "config/embedded_db.py", "run", "--", sys.executable, "-c",
                                "import time; time.sleep(2)"], cwd=ROOT, env=env)
    for _ in range(100):
        if embedded_db.is_running():
            break
        time.sleep(0.1)
    other = subprocess.Popen([sys.executable, "-c", script], env=dict(env, DATABASE_URL=url, READY=str(ready)))
    assert wrapper.wait(timeout=60) == 0
    assert embedded_db.is_running()  # the other client still had its session
    other.wait(timeout=30)


def test_run_hands_the_command_no_settings_module_of_its_own(var_dir):
    """pytest must read its own settings (config.settings.test), not the local ones that importing
    the `config` package would have put in the environment."""
    done = run_wrapper(var_dir, "--", sys.executable, "-c",
                       "import os; print(os.environ.get('DJANGO_SETTINGS_MODULE'))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"


def test_run_with_database_url_set_starts_nothing(var_dir):
    done = run_wrapper(var_dir, "--", sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])",
                       env_extra={"DATABASE_URL": "postgres://elsewhere/db"})
    assert done.stdout.strip() == "postgres://elsewhere/db"
    assert not (var_dir / "pg").exists()


def test_settings_refuse_a_database_that_is_not_postgresql():
    env = dict(os.environ, DATABASE_URL="sqlite:///x.db", DJANGO_SETTINGS_MODULE="config.settings.test")
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "must name a PostgreSQL server" in done.stderr
