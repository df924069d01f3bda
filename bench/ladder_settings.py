"""Settings for `bench/order_intake.py --ladder` only: the served settings (`config.settings.local`
with DJANGO_DEBUG=0, as the benchmark starts gunicorn) plus two throwaway views under /ladder/,
which production's URLs never have. `LADDER_BARE=1` also drops every middleware (rung a)."""
import os

from config.settings.local import *  # noqa: F401,F403

ROOT_URLCONF = "bench.ladder_urls"
if os.environ.get("LADDER_BARE") == "1":
    MIDDLEWARE = []
