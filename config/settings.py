"""Pantau Jakon settings: one module, configured from the environment (django-environ).

Defaults run the demo with nothing but Python: SQLite and kombu's filesystem broker. Set
DATABASE_URL / REDIS_URL to run on PostgreSQL and Redis. With DEBUG off (the default),
SECRET_KEY and ALLOWED_HOSTS have no default, so a production start without them fails.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-pantau-jakon-local-development-only")
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "simple_history",
    "ninja",
    # Our apps, in dependency order: each depends only on the ones above it.
    "reference",
    "accounts",
    "projects",
    "workers",
    "compliance",
    "monitoring",
    "procurement",
]

MIDDLEWARE = [
    # First: every log line of the request, and the 500 page, carry the request's id.
    "log_request_id.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during login into our lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite by default. WAL lets the web process read while the worker writes; IMMEDIATE takes the
# write lock at BEGIN, so two writers queue on busy_timeout instead of failing with
# "database is locked" halfway through a transaction.
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'pantau_jakon.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
    # Tests use a file too: an in-memory shared-cache database locks whole tables and ignores
    # busy_timeout, so a real Celery worker thread and the test would trip over each other.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test_pantau_jakon_{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Prepared statements: psycopg sends the parameters apart from the SQL (server-side
    # binding) and, from the second run of a statement on a connection, runs it as a prepared
    # statement, so PostgreSQL parses and plans each of a page's queries once per connection
    # instead of on every request. With the pages' SQL built once per process
    # (reference.prepared) the statements repeat exactly: PostgreSQL's CPU per project page went
    # from 6.5 to 1.8 ms, the web process's from 16 to 12.5 ms (README, "Load test"). Behind a
    # pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21),
    # set DATABASE_PREPARED_STATEMENTS=false.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=2
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Contractor accounts: how long the sign-up confirmation link and a colleague's invitation stay
# valid. Long enough for a weekend away from the mailbox, short enough that an old mail is no key.
PANTAU_SIGN_UP_CONFIRMATION_DAYS = env.int("PANTAU_SIGN_UP_CONFIRMATION_DAYS", default=3)
PANTAU_INVITATION_DAYS = env.int("PANTAU_INVITATION_DAYS", default=7)

# --- Login throttling (django-axes) -----------------------------------------------------------
# Axes checks first and refuses every attempt, right password or not, while a lockout lasts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",  # ModelBackend that loads office and membership with the user
]
# Locked by the pair (username, IP address): a guesser cannot keep trying one account, and one
# person's typos do not lock the others behind the same office NAT. Behind a reverse proxy the
# IP is the proxy's, so the lock then holds per username.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("PANTAU_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PANTAU_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Failures are logged as warnings without the username and address (they are in the admin).
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out_page"
# The login form lower-cases email addresses; the lock must count "Budi@" and "budi@" as one.
AXES_USERNAME_CALLABLE = "accounts.lockout.attempt_username"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        # 12 characters: these accounts open workers' NIKs and wages (NIST SP 800-63B asks 8+,
        # OWASP 12+ without composition rules); the common-password list does the rest.
        "OPTIONS": {"min_length": env.int("PANTAU_PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in the office's zone (WIB/WITA/WIT), WIB when the user has none.
TIME_ZONE = "Asia/Jakarta"

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Evidence files hold personal data: they live outside the web root and are only ever
    # streamed by views that check access. MEDIA_URL is deliberately not routed.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production (after collectstatic); plain names in development
    # and tests (STATIC_MANIFEST=false), which never run collectstatic.
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/private-media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- Email ------------------------------------------------------------------------------------
# Django 6.1 mailers, configured from one URL: smtp+tls://user:password@host:587,
# consolemail:// (development) or smtp://localhost:25 (default in production).
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS", False),
    "use_ssl": _email.get("EMAIL_USE_SSL", False),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _smtp_options.items() if v not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Pantau Jakon <noreply@pantau-jakon.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script anywhere: pages load their JavaScript from /static only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload is a promise to serve HTTPS for the whole domain for good; set false to opt out.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Cache -------------------------------------------------------------------------------------
# Shared between the web and worker processes (import progress, throttling): Redis when there is
# one, files under var/ on the embedded default. Never required for correctness.
if env("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": "pantau",
            "OPTIONS": {"socket_timeout": 3, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("CACHE_FOLDER", default=str(BASE_DIR / "var" / "cache")),
        }
    }

# --- Celery -----------------------------------------------------------------------------------
# Without REDIS_URL, kombu's filesystem transport is the broker: a worker with beat runs with no
# server at all (the in and out folders are the same, so producer and consumer meet there).
REDIS_URL = env("REDIS_URL", default="")
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_DATA_FOLDER = Path(env("CELERY_DATA_FOLDER", default=str(BASE_DIR / "var" / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A frozen Redis (the TCP connection open, nothing answering) must not hang the web
        # request that enqueues a task: each command waits at most this long, and a page's
        # nudge makes one attempt (projects.services._nudge_engine): 2-2.5 s on a frozen
        # Redis, at once on a stopped one (tests/faults). With 5 s and the publish retries
        # below, saving a registration took 10-20 s.
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        # acks_late: the message of a task whose worker died (host or container killed; a
        # killed pool process is requeued at once) comes back after this many seconds, at the
        # next start of a worker or kombu's sweep (every ~100 s). It must stay above the
        # longest task, or a running task is handed out twice: the hard time limit plus a
        # margin, 20 minutes by default (kombu's default, an hour, left a scan undone that
        # long). With prefetch 1 and acks_late a message is fetched only when a pool process is
        # free, so it never waits in a worker behind another task.
        "visibility_timeout": env.int(
            "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 300
        ),
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_FOLDER / "queue"),
        "data_folder_out": str(CELERY_DATA_FOLDER / "queue"),
        "processed_folder": str(CELERY_DATA_FOLDER / "processed"),
        "control_folder": str(CELERY_DATA_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_FOLDER / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # Full compliance scan, hourly by default: dates move (due dates pass, coverage lapses)
    # without anyone changing a row. Set-based and idempotent; overlapping runs skip.
    "scan-projects": {
        "task": "compliance.tasks.scan_projects_task",
        "schedule": timedelta(minutes=env.int("PANTAU_FULL_SCAN_MINUTES", default=60)),
    },
    # Every minute: projects marked by a change whose on-commit nudge was lost (broker down).
    "evaluate-marked-projects": {
        "task": "compliance.tasks.evaluate_marked_projects_task",
        "schedule": timedelta(minutes=1),
    },
    # Daily at 01:00 WIB: picks up next year's holidays and cuti bersama when the library has
    # them, so due dates never count a holiday as a working day. Idempotent, takes < 1 s.
    "refresh-holidays": {
        "task": "reference.tasks.refresh_holidays_task",
        "schedule": crontab(hour=18, minute=0),
    },
    # Every minute: send the notification outbox (new rows, and retries whose backoff ended).
    # Rows wait in the database while Redis or the mail server is down, so nothing is lost;
    # a copy left in the queue longer than a minute is dropped, the next one does the work.
    "deliver-notifications": {
        "task": "compliance.tasks.deliver_notifications_task",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    # Daily at 07:00 WIB (00:00 UTC), before office hours: one digest per office (open
    # violations, letters due, registrations to verify) instead of a mail per transition.
    "send-office-digests": {
        "task": "compliance.tasks.send_office_digests_task",
        "schedule": crontab(hour=0, minute=0),
    },
}

# --- Pantau Jakon rules (domain.md part 0; all configurable) ----------------------------------
# Permenaker 44/2015: register within 14 working days after the SPK. The current rule
# (Permenaker 5/2021) is not verified on this point, so the count is a setting.
PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS = env.int(
    "PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS", default=14
)
# KEP-196/MEN/1999 and BPJS practice: register before work starts. The due date is the earlier
# of the working-day deadline and the start (SPMK) date, unless this is turned off.
PANTAU_DUE_NO_LATER_THAN_START = env.bool("PANTAU_DUE_NO_LATER_THAN_START", default=True)
# Where the main contract's registration covers its subcontracts (domain.md §2.5, unverified).
PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION = env.bool(
    "PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION", default=False
)
# Perdir BPJS TK 22/PERDIR.02/072022: worker changes within 30 working days (7 under the 2015 rule).
PANTAU_WORKER_CHANGE_WORKING_DAYS = env.int("PANTAU_WORKER_CHANGE_WORKING_DAYS", default=30)
# Compliance rules (domain.md part 0). Thresholds are settings because several rest on secondary
# sources; the UI's help text says so.
PANTAU_UNREGISTERED_WARNING_WORKING_DAYS = env.int(
    "PANTAU_UNREGISTERED_WARNING_WORKING_DAYS", default=3
)
PANTAU_REJECTED_GRACE_DAYS = env.int("PANTAU_REJECTED_GRACE_DAYS", default=7)
PANTAU_UNDERPAID_TOLERANCE = Decimal(env("PANTAU_UNDERPAID_TOLERANCE", default="1000"))
PANTAU_NO_WORKERS_AFTER_WORKING_DAYS = env.int("PANTAU_NO_WORKERS_AFTER_WORKING_DAYS", default=30)
PANTAU_NO_WORKERS_MIN_SHARE = Decimal(env("PANTAU_NO_WORKERS_MIN_SHARE", default="0.5"))
PANTAU_UNVERIFIED_AFTER_WORKING_DAYS = env.int("PANTAU_UNVERIFIED_AFTER_WORKING_DAYS", default=10)
# PP 86/2013 (from secondary sources): warning letter II 10 days after letter I, sanctions 10
# days after letter II. Calendar days.
PANTAU_LETTER_INTERVAL_DAYS = env.int("PANTAU_LETTER_INTERVAL_DAYS", default=10)
PANTAU_REMINDER_INTERVAL_DAYS = env.int("PANTAU_REMINDER_INTERVAL_DAYS", default=7)
# Exposure score when a project's planned workforce is unknown: one worker per this much DPP
# (labour ~25 % of cost, ~Rp150k/day, 6 months; a rough, documented estimate).
PANTAU_RUPIAH_PER_ESTIMATED_WORKER = Decimal(
    env("PANTAU_RUPIAH_PER_ESTIMATED_WORKER", default="80000000")
)
PANTAU_FULL_SCAN_MINUTES = env.int("PANTAU_FULL_SCAN_MINUTES", default=60)
# Between the day's sweeps over every project, the periodic scan evaluates only what changed or
# came due (delta scans); a sweep runs when the last one is from an earlier day or this old.
PANTAU_FULL_SWEEP_HOURS = env.int("PANTAU_FULL_SWEEP_HOURS", default=24)
PANTAU_INCREMENTAL_BATCH = env.int("PANTAU_INCREMENTAL_BATCH", default=2000)
# The office list's ranking (by the flags' exposure scores) is cached this long, and dropped at
# once when the engine or an action changes a flag (compliance.flag_version). 0: no cache.
PANTAU_RANKING_CACHE_SECONDS = env.int("PANTAU_RANKING_CACHE_SECONDS", default=60)
# The office list's filter form, rendered, is cached this long per scope, query and language
# (monitoring.filters.rendered_filter_form); a renamed region shows after it. 0: no cache.
PANTAU_FILTER_FORM_CACHE_SECONDS = env.int("PANTAU_FILTER_FORM_CACHE_SECONDS", default=600)
# The office dashboard, rendered, is cached this long per scope, day and language, and dropped at
# once when a flag changes (compliance.flag_version): its figures are the engine's. 0: no cache.
PANTAU_DASHBOARD_CACHE_SECONDS = env.int("PANTAU_DASHBOARD_CACHE_SECONDS", default=60)
# A page of the office list, rendered, is cached this long per scope, query and language, and
# dropped at once when a flag changes; edits to names or registrations show after it. 0: no cache.
PANTAU_LIST_CACHE_SECONDS = env.int("PANTAU_LIST_CACHE_SECONDS", default=60)
# Each web process keeps the contribution tariffs this long (compliance.status.all_tariffs); a
# tariff edited in the admin shows within it. 0: read them for every page.
PANTAU_TARIFF_BOOK_SECONDS = env.int("PANTAU_TARIFF_BOOK_SECONDS", default=60)
# After a change commits, nudge the engine's task so the status is fresh within seconds.
PANTAU_NUDGE_ENGINE_ON_COMMIT = env.bool("PANTAU_NUDGE_ENGINE_ON_COMMIT", default=True)
PANTAU_DEFAULT_PPN_RATE = Decimal(env("PANTAU_DEFAULT_PPN_RATE", default="11"))
# The address users reach the site at, for links in emails (no trailing slash).
PANTAU_SITE_URL = env("PANTAU_SITE_URL", default="http://localhost:8000")
# Office staff and admins are signed out after this many idle minutes.
PANTAU_STAFF_IDLE_MINUTES = env.int("PANTAU_STAFF_IDLE_MINUTES", default=30)
# How long the upload link in a reminder email stays valid (it also works only once).
PANTAU_UPLOAD_LINK_DAYS = env.int("PANTAU_UPLOAD_LINK_DAYS", default=14)
# Bulk enrollment of workers from CSV/XLSX: larger files are refused before anything is stored
# (the check runs in the web request, the import in one transaction of a Celery task).
PANTAU_IMPORT_MAX_ROWS = env.int("PANTAU_IMPORT_MAX_ROWS", default=50_000)
PANTAU_IMPORT_MAX_BYTES = env.int("PANTAU_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Workers' personal data is kept while their project runs and this many years after its end
# (finished or terminated, from its current end date); `manage.py worker_data --purge-expired`
# then deletes it (workers.personal_data).
PANTAU_WORKER_DATA_RETENTION_YEARS = env.int("PANTAU_WORKER_DATA_RETENTION_YEARS", default=5)
# JSON API rate limits (requests/period, period s, min, hour or day), counted in the cache
# (Redis with REDIS_URL): per token, and per address for calls without a token.
PANTAU_API_RATE_TOKEN = env("PANTAU_API_RATE_TOKEN", default="120/min")
PANTAU_API_RATE_ANONYMOUS = env("PANTAU_API_RATE_ANONYMOUS", default="30/min")

# --- Logging ----------------------------------------------------------------------------------
# Human-readable lines by default; LOG_FORMAT=json gives one JSON object per line (time, level,
# logger, message, and the exception when there is one) for a log collector.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
# Each request gets an id (django-log-request-id): in the X-Request-ID response header, on every
# log line of the request ("none" outside one, e.g. in Celery tasks) and on the 500 page. An id
# from the proxy in front is taken only when LOG_REQUEST_ID_HEADER names its header (e.g.
# HTTP_X_REQUEST_ID); a client's own header is otherwise ignored.
LOG_REQUEST_ID_HEADER = env("LOG_REQUEST_ID_HEADER", default=None)
GENERATE_REQUEST_ID_IF_NOT_IN_HEADER = True
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "log_request_id.filters.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Axes reports each failure and lockout as a warning; its INFO lines are chatter.
        "axes": {"level": "WARNING"},
    },
}

# --- Error reporting (optional) ---------------------------------------------------------------
# Sentry only when SENTRY_DSN is set; no personal data (user, IP, cookies, bodies) is sent.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
