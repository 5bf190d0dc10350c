"""Settings for the demo project.

Everything that differs between a laptop and production comes from the
environment (see ``docs/settings.md``). With nothing set, the project runs
embedded: SQLite, django-q2's ORM broker and an in-memory channel layer.
``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis for the
django-q2 broker and the channels layer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable into a list of strings."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-demo-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or _DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    # Before django.contrib.admin: its admin/base_site.html adds the notification
    # indicator to the admin header.
    "workflows_app",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "simple_history",
    "config.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --- Database -----------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", "") or BASE_DIR / "db.sqlite3")

# WAL lets the web process read while a worker writes; IMMEDIATE transactions
# take the write lock up front, so a writer waits (up to ``timeout`` seconds)
# instead of failing with "database is locked" half-way through a transaction.
SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

if DATABASE_URL:
    # Persistent connections default to off: daphne runs Django's sync code in a
    # thread pool, where Django's docs advise against them (ASGI). Workers and
    # WSGI deployments may raise DATABASE_CONN_MAX_AGE.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
            conn_health_checks=True,
        )
    }
    # Each request is one transaction, so an event recorded by a save commits with
    # that save or not at all (docs/execution.md). Not on SQLite: with
    # IMMEDIATE transactions every request would hold the single write lock.
    DATABASES["default"]["ATOMIC_REQUESTS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            # A file (not Django's default in-memory database) so that tests run
            # with the same journal mode and locking as the web process and worker.
            "TEST": {
                "NAME": os.environ.get("SQLITE_TEST_PATH", "")
                or str(SQLITE_PATH.with_name(f"test_{SQLITE_PATH.name}")),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Queue, channels ----------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "").strip()

Q_CLUSTER: dict[str, Any] = {
    "name": "workflows",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,  # must be larger than timeout
    "max_attempts": 1,
    "queue_limit": 50,
    "catch_up": False,
    # How many successful task results django-q2 keeps (0: all, -1: none).
    "save_limit": int(os.environ.get("Q_SAVE_LIMIT", "250")),
    "label": "Task queue",
    # Other clusters (queues) served by `Q_CLUSTER_NAME=<name> manage.py qcluster`,
    # e.g. one of its own for the workflow engine (WORKFLOWS["TASK_CLUSTER"]).
    "ALT_CLUSTERS": {},
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Open run pages renew their group membership every minute
            # (workflows_app.live); a socket a crashed web process never closed
            # drops out after 5 minutes instead of channels_redis' default day.
            # channels_redis waits for messages with 5 s blocking reads; redis-py 8
            # reads with a 5 s socket timeout by default, which cuts those reads
            # off and kills every idle socket: give reads 30 s (workflows.W001).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30,
                                  "socket_keepalive": True}],
                       "group_expiry": 300},
        }
    }
else:
    Q_CLUSTER["orm"] = "default"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Auth, i18n ---------------------------------------------------------------

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

# --- Static files -------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Email --------------------------------------------------------------------

_EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
if django.VERSION >= (6, 1):
    # Django 6.1 configures e-mail with MAILERS (the EMAIL_* settings are deprecated).
    MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
else:
    EMAIL_BACKEND = _EMAIL_BACKEND
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "workflows@localhost")

# --- Logging ------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# --- REST API (docs/api.md) ---------------------------------------------------

# The workflows API sets its own authentication, permissions and error format on
# its views; these are the project-wide defaults drf-spectacular needs.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Workflows ----------------------------------------------------------------

DEMO_CONNECTION_KEY = "ZGVtby1vbmx5LWNvbm5lY3Rpb24ta2V5LTMyYnl0ZXM="

WORKFLOWS = {
    "MODELS": {
        "demo.customer": {"fields": "__all__", "types": {"phone": "Phone"}},
        # The sample of the order's JSON field types record.delivery.* in every
        # workflow (staff may replace it under Workflows > JSON field samples).
        "demo.order": {"fields": "__all__", "samples": {"delivery": {
            "carrier": "DHL", "express": True, "weight_kg": 2.5,
            "address": {"city": "Berlin", "country": "DE"}}}},
        "demo.payment": {"fields": "__all__"},
    },
    "HTTP_ALLOWED_PRIVATE_HOSTS": [
        host.strip()
        for host in os.environ.get("WORKFLOWS_HTTP_ALLOWED_PRIVATE_HOSTS", "").split(",")
        if host.strip()
    ],
    # Keys that encrypt connection secrets, newest first (comma-separated in the
    # environment). The fallback is a fixed key for the demo and the tests only: a
    # real site sets its own and keeps it out of the repository.
    "CONNECTION_KEYS": [
        key.strip()
        for key in os.environ.get("WORKFLOWS_CONNECTION_KEYS", DEMO_CONNECTION_KEY).split(",")
        if key.strip()
    ],
}
# How channel steps deliver: "console" (scripts/demo sets it: the worker prints SMS and
# chat messages), "locmem", or "http" (real delivery, the app's default).
CHANNEL_BACKENDS = {
    "console": "workflows_app.channels.backends.console.ConsoleBackend",
    "locmem": "workflows_app.channels.backends.locmem.LocmemBackend",
    "http": "workflows_app.channels.backends.http.HttpBackend",
}
if os.environ.get("WORKFLOWS_CHANNEL_BACKEND"):
    WORKFLOWS["CHANNEL_BACKEND"] = CHANNEL_BACKENDS[os.environ["WORKFLOWS_CHANNEL_BACKEND"]]
# Extra WORKFLOWS keys as a JSON object, e.g. '{"LEASE_SECONDS": 5}' (tests, benchmarks).
WORKFLOWS.update(json.loads(os.environ.get("WORKFLOWS_EXTRA_JSON", "") or "{}"))
