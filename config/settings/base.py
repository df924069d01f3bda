"""Settings shared by every environment; everything that varies comes from the environment."""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.storage import private_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_celery_beat",
    "axes",
    "config.apps.CoreConfig",
    "merchants",
    "paylater",
    "refunds",
    "logistics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.api.errors.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.language.OperatorLanguageMiddleware",  # the operator's remembered admin language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.api.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
# PostgreSQL only. DATABASE_URL points at a server (production, CI); without it, the embedded
# server under var/pg (config/embedded_db.py) is started if it is not running, so `manage.py`,
# `make run`, `make test` and `make bench` need no server installed.
DATABASE_URL = os.environ.get("DATABASE_URL")
if not DATABASE_URL:
    from config import embedded_db

    DATABASE_URL = embedded_db.ensure_running()
# Persistent, health-checked connections, bounded by the number of threads that can hold one:
#   connections ≤ WEB_CONCURRENCY × WEB_THREADS   (gunicorn gthread workers: one per pool thread)
#                + WORKER_CONCURRENCY              (Celery prefork children: one each)
#                + 1                                (beat) + 1 per management command running
# With the defaults 2 × 4 + 2 + 1 = 11; keep the total under PostgreSQL's max_connections (100)
# when scaling out (every host and process counts). CONN_MAX_AGE only reuses a thread's own
# connection; it never creates more. CONN_HEALTH_CHECKS drops a connection the server closed.
DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE,
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL server (postgres://…): it is the only database.")
# A socket folder (`?host=/path`, the embedded server's) is Django's HOST, as for any Unix socket,
# so code that hands the database to a child process reads it in one place.
if DATABASES["default"].get("OPTIONS", {}).get("host"):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
# Django binds on the client and prepares nothing; this psycopg setting (Django turns it off by
# default) lets the few statements run through config.sql.prepared_rows be prepared. Behind
# PgBouncer in transaction mode it needs PgBouncer 1.21+ (docs/operations.md, decision 0048).
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Admin login lockout (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one client address, that pair is refused for ADMIN_LOCKOUT_MINUTES (operators can also
# unlock it under Access attempts). The API uses tokens and its own throttling instead.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("ADMIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ADMIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "config.api.throttling.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- time and language ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The platform time zone: every calendar rule (cut-offs, weeks, months, working days).
TIME_ZONE = os.environ.get("PLATFORM_TIME_ZONE", "Asia/Shanghai")
PLATFORM_TIME_ZONE = TIME_ZONE
# One date/time format in both languages (2026-11-20 10:00), history diffs included.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Evidence files of refund disputes: private, never at a URL (config/storage.py).
    "evidence": private_storage(os.environ.get("MEDIA_STORAGE_URL", ""), VAR_DIR / "evidence"),
}
# Multipart uploads (evidence: up to 9 files of 10 MB): the whole body may be this large. Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE counts only the non-file fields of a multipart body; files above
# FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to disk, never held in memory.
MULTIPART_UPLOAD_MAX_SIZE = int(os.environ.get("MULTIPART_UPLOAD_MAX_MB", "100")) * 1024 * 1024

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["config.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.IsMerchant"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["config.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": "config.api.metadata.Metadata",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.MerchantTokenBudget",
                                 "config.api.throttling.PlatformTokenBudget",
                                 "config.api.throttling.AnonymousBudget"],
    "NUM_PROXIES": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Merchant operations back office API",
    "DESCRIPTION": (
        "Merchant clients use `/api/v1/merchant/`, platform services `/api/v1/platform/`. "
        "Authenticate with `Authorization: Token <key>`. Errors are `{code, detail, fields}`. "
        "POSTs accept an `Idempotency-Key` header (kept 24 hours)."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the error answers any request can get, every POST its Idempotency-Key.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "config.api.schema.document_errors_and_headers"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": True},
    # The TokenAuth security scheme comes from config.api.auth.ApiTokenScheme.
    # Stable names for choice sets that share a field name ("status", "type") across apps.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "merchants.models.Order.Status",
        "ActivityStatusEnum": "paylater.models.Lifecycle",
        "NegotiationStatusEnum": "refunds.models.Negotiation.Status",
        "RefundTypeEnum": "refunds.models.RefundType",
        "AppealStatusEnum": "merchants.models.Appeal.Status",
        "TierEnum": ["0.30", "0.20"],
        "RiskStatusEnum": "merchants.risk.models.RiskStatus",
        "RefundCaseStatusEnum": "refunds.models.RefundCase.Status",
        "WebhookEventTypeEnum": "merchants.webhooks.services.SUBSCRIBABLE",
        "ReasonEnum": "refunds.models.RefundReason",
        "ContestReasonEnum": "refunds.models.ContestReason",
    },
}
IDEMPOTENCY_KEY_TTL_HOURS = 24
IDEMPOTENCY_WAIT_SECONDS = 10
# Signed webhooks (SPEC §5). Private, loopback and link-local endpoint URLs are refused unless
# this is on (local development and tests only).
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", False)
WEBHOOKS_TIMEOUT_SECONDS = 10
# Deliveries one worker task sends to one endpoint before it gives the others a turn.
WEBHOOKS_BATCH_SIZE = 50
# Request budgets (config/api/throttling.py): per merchant token, per platform token, and per
# client IP for requests without a valid token. "<n>/<s|min|hour|day>".
API_THROTTLE_RATES = {
    "merchant": os.environ.get("API_THROTTLE_MERCHANT_RATE", "1200/min"),
    "platform": os.environ.get("API_THROTTLE_PLATFORM_RATE", "6000/min"),
    "anon": os.environ.get("API_THROTTLE_ANON_RATE", "60/min"),
}
# Reverse proxies in front of the web processes that append to X-Forwarded-For (0: clients
# connect directly, REMOTE_ADDR is theirs). Used for per-IP throttling and admin lockout.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
CELERY_DATA_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: one shared folder for in and out, absolute control folder.
    for sub in ("queue", "control", "processed"):
        (CELERY_DATA_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
else:
    # Tasks are acknowledged late (below): a task whose worker process dies is re-queued at once by
    # the worker's parent (reject_on_worker_lost), but when the whole worker dies (SIGKILL, host lost)
    # Redis re-delivers its unacknowledged task only after the visibility timeout. Lowering it would
    # re-deliver tasks still running (up to CELERY_TASK_TIME_LIMIT, 30 min) to a second worker, so it
    # stays above the time limit; the settlement watchdog (SETTLEMENT_STUCK_MINUTES) bridges the gap
    # for batch jobs. We never use long countdowns (deadlines live in the database).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# --- cache: shared by every web process (throttling history) ------------------------------
# CACHE_URL, else the Redis broker's URL; with neither, a folder under VAR_DIR, which every
# process on this host shares.
CACHE_URL = os.environ.get("CACHE_URL") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "merchant-ops"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 10000}}}

CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = PLATFORM_TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Webhook deliveries wait on merchants' servers: their own queue, so that no receiver can delay
# the refund timeouts or a settlement (docs/operations.md "Queues"). Everything else: `celery`.
CELERY_TASK_ROUTES = {"merchants.webhooks.*": {"queue": "webhooks"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
DJANGO_CELERY_BEAT_TZ_AWARE = True
HEARTBEAT_STALE_SECONDS = 180
# A settlement run whose pending batches were queued this long ago, with no batch finished since, lost
# its worker: the watchdog (beat, every 5 minutes) queues those batches again, /healthz reports it.
SETTLEMENT_STUCK_MINUTES = float(os.environ.get("SETTLEMENT_STUCK_MINUTES", "10"))
# Test-only: seconds a settlement batch waits inside its transaction, so a test can kill its worker
# mid-batch. Always 0 outside tests.
SETTLEMENT_BATCH_TEST_PAUSE = 0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers go: its console handler (DEBUG) printed every line a second time
        # through the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A 4xx is an answer (a refused order is recorded as a refusal; the access log has the
        # status), not a warning: at peak the refusals alone were thousands of lines a minute.
        # A 5xx is still logged, with its traceback.
        "django.request": {"level": "ERROR"},
    },
}

# Key for protecting sensitive numbers at rest (licence, ID, bank account). Derived from
# the secret key unless given explicitly.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

# History keeps an operator's reason whole (SPEC asks for reasons; the admin accepts 2,000
# characters): simple_history's default varchar(100) made PostgreSQL refuse a longer one with a 500.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
