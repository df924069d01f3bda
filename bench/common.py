"""What every benchmark does before it measures: its own PostgreSQL database (created if
missing), Django set up with the test settings, the schema migrated."""
import os
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def add_database_argument(parser, default_name: str) -> None:
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_name}"))


def prepare(parser, database_url: str, *, settings: str = "config.settings.test") -> None:
    """Refuse anything but PostgreSQL (the numbers that count), then create, set up, migrate."""
    if not database_url.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL")
    sys.path.insert(0, str(BASE))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def create_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
