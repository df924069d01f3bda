"""gunicorn settings for `make run` (Procfile `web`) and production: `gunicorn config.wsgi -c config/gunicorn.py`.

Database connections are bounded by design. A gthread worker serves requests from a fixed pool of
`threads` threads; Django keeps one connection per thread (CONN_MAX_AGE, health-checked), so the
web tier holds at most WEB_CONCURRENCY × WEB_THREADS connections however many requests arrive.
(`runserver` starts a new thread per request, and each kept its own connection until the server ran
out: never serve with it.) See README "Configuration" for the whole formula with the Celery side.

Defaults measured for pay-later intake on 2 cores (bench/README.md, issue 16 part 3): gthread 2 × 4
against sync 4 × 1 and 8 × 1 and gthread 4 × 2, back to back. No alternative beat 2 × 4 beyond the
shared machine's noise (±50% between identical runs), and 2 × 4 keeps the web tier's connections at
8. WEB_WORKER_CLASS=sync (with WEB_THREADS=1) is there to repeat that comparison."""
import os

bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('WEB_PORT') or os.environ.get('PORT') or 8000}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Bounded request sizes at the HTTP layer too (Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards bodies).
limit_request_line = 8190  # gunicorn's maximum
# Header fields up to 32 KB reach Django, which answers anything over 8 KB under /api/ with a JSON
# 431 (config.api.errors); only larger ones, a request line over 8190 bytes, or a malformed header
# (a NUL byte) get gunicorn's own HTML page: docs/operations.md "Behind a proxy" says what to do.
limit_request_field_size = 32768
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
