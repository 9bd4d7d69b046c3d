"""Settings, read from the environment so one file serves development, tests and production.

Environment: DATABASE_URL, SECRET_KEY (or SECRET_KEY_FILE), DEBUG, ALLOWED_HOSTS; with DEBUG off
(production) also SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, CSRF_TRUSTED_ORIGINS,
USE_X_FORWARDED_PROTO, STATIC_ROOT, REDIS_URL (or CACHE_BACKEND/CACHE_LOCATION),
API_THROTTLE_RATE (see "Security and production").
"""

import os
from pathlib import Path

import dj_database_url

from core.local_secrets import read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
# SECRET_KEY, or SECRET_KEY_FILE: a file holding it, made (random, mode 600) when missing. `make
# run` keeps its key in ./.secret_key, so sessions outlive a restart.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("SECRET_KEY_FILE"):
    SECRET_KEY = read_or_create_secret(os.environ["SECRET_KEY_FILE"])
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-change-me"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "core",
    "workspaces",
    "contacts",
    "jobs",
    "outreach",
    "followups",
    "integrations",
    "sending",
    "replies",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.security.RequestBodyLimitMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "core.middleware.WorkspaceScopeMiddleware",
    "integrations.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "outreach_site.urls"
WSGI_APPLICATION = "outreach_site.wsgi.application"

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
                "workspaces.context_processors.workspace",
            ],
        },
    },
]

# An empty DATABASE_URL (`DATABASE_URL= make run`) means the default, as an unset one does.
# DATABASE_CONN_MAX_AGE: seconds a process keeps its connection between requests (gunicorn's few
# long-lived workers); scripts/serve.sh sets 0, as the dev server's thread per request would
# otherwise leave one connection behind per thread.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'outreach.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# Seconds: how long to wait for a PostgreSQL server to accept a connection, and how long one
# statement of a web request may run (0: no limit). The worker and management commands run
# without a statement limit (core.db.limit_web_statements).
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so a transaction that reads then writes
    # (a batch transition) cannot be overtaken by another writer between the two.
    # A worker keeps its connection (and SQLite's page cache with it) across requests, and reads
    # the file through a memory map: a new connection per request starts with a cold cache.
    # Our backend's health check reconnects when the file at the path is no longer the one the
    # connection opened.
    DATABASES["default"]["ENGINE"] = "core.db.sqlite"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading timestamps with psycopg's compiled loader (a page of 50
    # outreaches holds 200 of them): core/db/postgresql.
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The records list filters pick by name instead of by id (core.dashboard.pickers).
DASHBOARD_PICKERS = "outreach_site.pickers.PICKERS"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Batch endpoints accept up to 10,000 ids, also as repeated form fields.
MAX_BATCH_IDS = 10_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Multipart bodies (the CSV import's 5 MB file and its form) may be a little larger.
MAX_UPLOAD_BODY_SIZE = 6 * 1024 * 1024

# --- Security and production -------------------------------------------------------------------
# Every login form checks passwords through this backend, which stops guessing: after
# LOGIN_FAILURE_LIMIT failed logins of one username from one address within LOGIN_FAILURE_WINDOW
# seconds, no password is checked for them until the window ends (core/security.py).
AUTHENTICATION_BACKENDS = ["core.security.RateLimitedModelBackend"]
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", str(15 * 60)))
# Also locked: an address that tried LOGIN_FAILURE_IP_LIMIT logins across usernames in the window.
LOGIN_FAILURE_IP_LIMIT = int(os.environ.get("LOGIN_FAILURE_IP_LIMIT", "20"))
# Behind a reverse proxy every caller has the proxy's address; name the META key of the header the
# proxy sets to the real one (e.g. HTTP_X_REAL_IP). Only safe when the proxy always sets it.
LOGIN_CLIENT_IP_HEADER = os.environ.get("LOGIN_CLIENT_IP_HEADER", "")

# Login lock-outs and API throttles are counted in the cache, which every process must share:
# the database's (table `outreach_cache`, made by `migrate`) unless REDIS_URL names a Redis
# server (e.g. redis://127.0.0.1:6379/0). CACHE_BACKEND/CACHE_LOCATION name any other backend.
REDIS_URL = os.environ.get("REDIS_URL", "")
if os.environ.get("CACHE_BACKEND"):
    CACHES = {
        "default": {
            "BACKEND": os.environ["CACHE_BACKEND"],
            "LOCATION": os.environ.get("CACHE_LOCATION", "outreach"),
        }
    }
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, its client made once
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "outreach"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.DatabaseCache",  # Django's, with an atomic incr
            "LOCATION": os.environ.get("CACHE_LOCATION", "outreach_cache"),
            # Counters must not be culled while they count: room for many users and addresses.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# API keys that name no token, per caller address: past this rate the address gets 429 (its next
# keys are not even looked up) until its rolling window has room again.
API_FAILED_TOKEN_RATE = os.environ.get("API_FAILED_TOKEN_RATE", "20/min")

# Sent by SecurityMiddleware / XFrameOptionsMiddleware on every response (Django's defaults,
# stated so they cannot drift).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (core.security.SecurityHeadersMiddleware). No page runs inline
# script or style (the dashboard, the admin, Swagger UI on the docs page: checked in chromium by
# tests/reliability/test_browser_csp.py); Swagger UI's icons are data: images.
CSP_HTML = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_NON_HTML = "default-src 'none'; frame-ancestors 'none'; sandbox"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

if not DEBUG:
    # HTTPS only: redirect http (a TLS-terminating proxy says https in X-Forwarded-Proto, which
    # must then be trusted), secure cookies, HSTS. /healthz stays reachable over plain http for
    # probes on the app port. SECURE_SSL_REDIRECT=0 for a loopback run without TLS.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("USE_X_FORWARDED_PROTO", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate.
        "workspaces.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.IsWorkspaceMember"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PagePerPagination",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    # Per user, counted in the cache; beyond it 429 with Retry-After (api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_THROTTLE_RATE", "6000/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Outreach API",
    "DESCRIPTION": (
        "Outreach and prospecting desk. Every endpoint needs `Authorization: Token <key>` "
        "or a dashboard session (with CSRF)."
    ),
    "VERSION": "1.0.0",
    # smtp_security and imap_security share one set of choices: one name for it.
    "ENUM_NAME_OVERRIDES": {"ConnectionSecurityEnum": "sending.choices.Security"},
    # The sections of the docs, in the order people look for them.
    "TAGS": [
        {
            "name": "outreaches",
            "description": "Outreaches: filter, page, change, move through "
            "the pipeline, one at a time or in batches.",
        },
        {"name": "people", "description": "People you reach out to."},
        {"name": "companies", "description": "Companies, their domains and owners."},
        {"name": "jobs", "description": "Open roles at companies, with their heat."},
        {"name": "sequences", "description": "Sequences of steps outreaches follow."},
        {"name": "tags", "description": "Tags, named by their name."},
        {"name": "followups", "description": "Follow-ups and their queue."},
        {"name": "enrichment_batches", "description": "The progress of enrichment batches."},
        {"name": "users", "description": "The members of your workspace (owner ids)."},
        {"name": "audit", "description": "Who changed what, and when."},
        {
            "name": "mailboxes",
            "description": "The mailboxes sequences send through, and a test send.",
        },
        {"name": "messages", "description": "Messages sent, with their exact bytes."},
        {
            "name": "dkim_key",
            "description": "The workspace's DKIM key and the DNS record to publish.",
        },
        {
            "name": "inbound",
            "description": "What came back in: replies, bounces, automatic answers, kept.",
        },
        {
            "name": "suppressions",
            "description": "Addresses that are never written to (their SHA-256 only).",
        },
        {"name": "webhooks", "description": "Endpoints that receive signed events."},
        {
            "name": "MassProspecting-compatible API",
            "description": "For MassProspecting's client: `/ajax/outreach/*.json` and "
            "`/api1.0/outreach/*.json` answer as its own server does, with `api_key` in the "
            "body.",
        },
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGERUI_DIST": "SIDECAR",
    "SWAGGERUI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.strip_trailing_slashes",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # httpx logs a line per webhook sent at INFO: the delivery log already keeps each one.
    "loggers": {"django.db.backends": {"level": "INFO"}, "httpx": {"level": "WARNING"}},
}
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "US")

# Background work (the Django Tasks API). The database backend needs no extra server: run
# `manage.py db_worker` beside the web server. Tests use the immediate backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Enrichment (outreach/enrichment/): the provider class (a dotted path), how many outreaches one
# background task handles, when an outreach left in `enrichment` counts as stuck and is queued
# again, and the least confidence an inferred email needs.
ENRICHMENT_PROVIDER = os.environ.get(
    "ENRICHMENT_PROVIDER", "outreach.enrichment.local.LocalProvider"
)
ENRICHMENT_CHUNK_SIZE = int(os.environ.get("ENRICHMENT_CHUNK_SIZE", "250"))
ENRICHMENT_STALE_AFTER_MINUTES = int(os.environ.get("ENRICHMENT_STALE_AFTER_MINUTES", "15"))
ENRICHMENT_MIN_CONFIDENCE = float(os.environ.get("ENRICHMENT_MIN_CONFIDENCE", "0.35"))

# Webhooks (integrations/webhooks/): URLs that resolve to loopback, private, link-local or
# metadata addresses are refused unless this is on (a receiver on the same network); how long
# a receiver may take to answer before the attempt counts as failed.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "10"))

# Secrets stored in the database (mailbox passwords, webhook secrets, DKIM keys) are encrypted
# with keys derived from SECRETS_KEY (core/crypto.py). Development derives it from SECRET_KEY;
# with DEBUG off it must be set, or a system check stops the start. SECRETS_KEY_FILE: a file
# holding it, made when missing (`make run` keeps it in ./.secrets_key).
SECRETS_KEY = os.environ.get("SECRETS_KEY", "")
if not SECRETS_KEY and os.environ.get("SECRETS_KEY_FILE"):
    SECRETS_KEY = read_or_create_secret(os.environ["SECRETS_KEY_FILE"])
SECRETS_KEY = SECRETS_KEY or (SECRET_KEY if DEBUG else "")
# Sending (sending/): the address written into messages (unsubscribe links), and how long an
# SMTP server may take to answer one command.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000")
SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", "30"))
# A message still `sending` after this lost its worker mid-send: it becomes `uncertain` (a
# person decides). Well above the longest send: connect, TLS, login and DATA, each timed out.
SENDING_STALE_SECONDS = int(
    os.environ.get("SENDING_STALE_SECONDS", str(int(max(300, 5 * SMTP_TIMEOUT_SECONDS))))
)
# How often each worker looks for due steps (seconds).
SENDING_EVERY_SECONDS = float(os.environ.get("SENDING_EVERY_SECONDS", "5"))
# Replies (replies/): how often each worker polls the mailboxes that have IMAP settings, how long
# an IMAP server may take to answer, and the largest message /api/inbound takes (bytes).
IMAP_POLL_SECONDS = float(os.environ.get("IMAP_POLL_SECONDS", "60"))
IMAP_TIMEOUT_SECONDS = float(os.environ.get("IMAP_TIMEOUT_SECONDS", "30"))
INBOUND_MAX_BYTES = int(os.environ.get("INBOUND_MAX_BYTES", str(5 * 1024 * 1024)))

# Follow-ups: attempt 1 is due this many days after an outreach is sent, attempt 2 the same
# number of days after attempt 1 is done.
FOLLOW_UP_DELAY_DAYS = int(os.environ.get("FOLLOW_UP_DELAY_DAYS", "3"))
# An outreach sent this many hours ago without an outcome is stale (the follow-up queue).
STALE_AFTER_HOURS = int(os.environ.get("STALE_AFTER_HOURS", "48"))
