"""Settings read from the environment (see `.env.example`); secrets need a value unless DEBUG."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from harver_integration.broker_options import (
    FRESH_QUEUE,
    UnsupportedBroker,
    broker_options,
    task_queues,
)
from integrations import registry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be set to at least 32 random characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, with a site that adds two-factor sign-in (accounts.admin_site).
    "accounts.admin_config.HarverAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    "csp",
    "accounts",
    "assessments",
    "integrations",
    "engine",
    "sandbox",
    # Each ATS's own app, from the provider registry.
    *registry.installed_apps(),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "harver_integration.nul_characters.RefuseNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Counts the answers to ATS calls by caller and status (issues, metrics).
    "integrations.inbound_counts.InboundRequestCountingMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "harver_integration.urls"
WSGI_APPLICATION = "harver_integration.wsgi.application"

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

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default; production and CI set DATABASE_URL to PostgreSQL.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web server and the workers share one file safely.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker -------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise a file cache, which still holds across the processes
# of one machine (throttling and rate limits need that).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = (
    env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://localhost/"
)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    CELERY_TASK_QUEUES = task_queues()
else:
    # Redis or RabbitMQ (harver_integration.broker_options says what each gets).
    try:
        _broker = broker_options(
            CELERY_BROKER_URL,
            visibility_timeout=env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        )
    except UnsupportedBroker as error:
        raise ImproperlyConfigured(str(error)) from None
    CELERY_BROKER_TRANSPORT_OPTIONS = _broker["broker_transport_options"]
    CELERY_BROKER_CONNECTION_TIMEOUT = _broker["broker_connection_timeout"]
    CELERY_TASK_DEFAULT_QUEUE_TYPE = _broker["task_default_queue_type"]
    CELERY_TASK_DEFAULT_EXCHANGE_TYPE = _broker["task_default_exchange_type"]
    CELERY_TASK_QUEUES = _broker["task_queues"]
# What is not routed elsewhere is fresh; the outbox sends work put back in line to BACKLOG_QUEUE.
CELERY_TASK_DEFAULT_QUEUE = FRESH_QUEUE
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# An invitation email not sent this long after its row committed is re-published by the sweeper.
INVITATION_SWEEP_GRACE_SECONDS = env.int("INVITATION_SWEEP_GRACE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "send-unsent-invitations": {
        "task": "assessments.tasks.send_unsent_invitations",
        "schedule": env.float("INVITATION_SWEEP_SECONDS", default=60.0),
    },
    "expire-invitations": {
        "task": "assessments.tasks.expire_invitations",
        "schedule": env.float("EXPIRY_SWEEP_SECONDS", default=300.0),
    },
    "send-reminders": {
        "task": "assessments.tasks.send_reminders",
        "schedule": env.float("REMINDER_SWEEP_SECONDS", default=300.0),
    },
}
# At most this many reminder emails per scheduler run; the rest go on the next run.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=200)
CELERY_TIMEZONE = "UTC"

# --- Candidate personal data (docs/data-protection.md) ------------------------------------------
# Days after an assessment ended (completed, expired or withdrawn) that the candidate's personal
# data is kept; an account may set its own within the bounds. The scheduled job then anonymises
# it, keeping scores and statistics.
CANDIDATE_DATA_RETENTION_DAYS = env.int("CANDIDATE_DATA_RETENTION_DAYS", default=180)
CANDIDATE_DATA_RETENTION_MIN_DAYS = env.int("CANDIDATE_DATA_RETENTION_MIN_DAYS", default=7)
CANDIDATE_DATA_RETENTION_MAX_DAYS = env.int("CANDIDATE_DATA_RETENTION_MAX_DAYS", default=1825)
if not (
    1
    <= CANDIDATE_DATA_RETENTION_MIN_DAYS
    <= CANDIDATE_DATA_RETENTION_DAYS
    <= CANDIDATE_DATA_RETENTION_MAX_DAYS
):
    raise ImproperlyConfigured(
        "Candidate data retention: need 1 <= CANDIDATE_DATA_RETENTION_MIN_DAYS <= "
        "CANDIDATE_DATA_RETENTION_DAYS <= CANDIDATE_DATA_RETENTION_MAX_DAYS."
    )
CELERY_BEAT_SCHEDULE["anonymise-candidate-data"] = {
    "task": "assessments.tasks.anonymise_expired_candidate_data",
    "schedule": env.float("CANDIDATE_DATA_RETENTION_SWEEP_SECONDS", default=3600.0),
}

# --- Secrets at rest --------------------------------------------------------------------------
# Fernet keys, newest first: the first encrypts, all decrypt (rotate with
# `manage.py rotate_encryption_keys`).
if DEBUG:
    FIELD_ENCRYPTION_KEYS = env.list(
        "FIELD_ENCRYPTION_KEYS", default=["9b1KzWq7oTt4hVq3c6m4l2cJ8s9fQ1pXyB0uN5eR3kA="]
    )
else:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must list at least one Fernet key.")

# --- Security -------------------------------------------------------------------------------
# HTTPS_ONLY is on in production; the embedded run serves plain HTTP on 127.0.0.1 and turns it off.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS_ONLY else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)

# Only staff have passwords here (candidates and the APIs never do): 12 characters at least.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff sessions end after this long without a request (each request restarts the clock) and
# when the browser closes.
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Every page: scripts and styles only from our own static files (or carrying the page's nonce),
# nothing framed, posted or loaded from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Sign-in: lockout (django-axes), two-factor (django-otp), the client's address ----------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed sign-ins (a wrong password or a wrong two-factor code) for one username,
# or from one address whatever the username, sign-in is refused for the cool-off; each further
# failure during a lockout restarts it. Support unlocks earlier (docs/security.md).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = env.bool(
    "AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT", default=True
)
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_ip"
# Behind a proxy: the header it writes the client's address into (e.g. X-Forwarded-For) and how
# many proxies append to it. Empty (the default): the address of the connection, since any
# client can send such a header.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
# Every staff user must sign in with a second factor (an authenticator app's code); one who has
# none sets it up at the next sign-in. A staff user who set one up always needs it.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Harver Integrations")

# --- Internationalisation and static files ----------------------------------------------------
LANGUAGE_CODE = "en-us"
# The languages candidates' pages and emails are shipped in (an assessment picks one, or lets the
# candidate's browser pick among them); the staff admin stays in English. Catalogues: locale/.
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587; the default writes each
# message to a file under var/mail.
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Harver Assessments <no-reply@harver.com>"
)

# --- Platform -------------------------------------------------------------------------------
PUBLIC_BASE_URL = env.url("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").geturl().rstrip("/")
# The go-live check's token check calls PUBLIC_BASE_URL as the ATS would, through the address
# check: true lets it reach a loopback address (a development machine); a sandbox integration
# always may.
GO_LIVE_PROBE_ALLOW_LOOPBACK = env.bool("GO_LIVE_PROBE_ALLOW_LOOPBACK", default=False)
# The built-in sandbox ATS under /sandbox/ (stand-ins to try the whole flow without an ATS
# account): off unless set; `check --deploy` warns when it is on.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)
# Where sandbox integrations send every call: the sandbox this platform serves, unless set.
_sandbox_base_url = env.str("SANDBOX_BASE_URL", default="") or f"{PUBLIC_BASE_URL}/sandbox"
SANDBOX_BASE_URL = _sandbox_base_url.rstrip("/")
# The sandbox ATSes' records (jobs, candidates, timelines), one file per ATS.
SANDBOX_STATE_DIR = Path(env.str("SANDBOX_STATE_DIR", default="") or VAR_DIR / "sandbox")
# Signs report links sent to ATSes; changing it revokes every signed link at once.
REPORT_LINK_SECRET = env.str("REPORT_LINK_SECRET", default="") or f"report-links:{SECRET_KEY}"

# --- ATS providers ----------------------------------------------------------------------------
# Each provider reads its own settings (its environment variables, under its own prefix) in its
# package; the registry names that module and they are merged here, so they are Django settings
# like the rest (read through `django.conf.settings`, overridden by tests).
try:
    globals().update(registry.provider_settings())
except registry.ProviderSettingsError as error:
    raise ImproperlyConfigured(str(error)) from None

# --- Deliveries to the ATS (docs/deliveries.md) -----------------------------------------------
# Seconds to wait before each retry of a failed delivery (less up to DELIVERY_RETRY_JITTER of
# it); after the last one the delivery is `failed`. The default spans about 32 to 40 hours.
DELIVERY_RETRY_SCHEDULE = [
    float(delay)
    for delay in env.list(
        "DELIVERY_RETRY_SCHEDULE",
        default=["30", "120", "600", "1800", "3600", "7200", "14400", "28800", "43200", "43200"],
    )
]
DELIVERY_RETRY_JITTER = env.float("DELIVERY_RETRY_JITTER", default=0.2)
# How long a worker may hold a delivery it is sending; a worker that dies loses it after this.
DELIVERY_LEASE_SECONDS = env.float("DELIVERY_LEASE_SECONDS", default=120.0)
# A task claims up to this many due deliveries of one integration at once and sends them over
# one connection, starting new sends for at most DELIVERY_BATCH_SECONDS (capped at a quarter
# of the lease); what is left goes back to the queue.
DELIVERY_BATCH_SIZE = env.int("DELIVERY_BATCH_SIZE", default=25)
DELIVERY_BATCH_SECONDS = env.float("DELIVERY_BATCH_SECONDS", default=10.0)
# The sweeper re-queues due, lost and stuck deliveries this often.
DELIVERY_SWEEP_SECONDS = env.float("DELIVERY_SWEEP_SECONDS", default=5.0)
# A queued delivery still not taken this long after it was due is queued again.
DELIVERY_REQUEUE_AFTER_SECONDS = env.float("DELIVERY_REQUEUE_AFTER_SECONDS", default=120.0)
# Longer waits than this are kept in the database, not as broker countdowns, which a Redis broker
# re-delivers after its visibility timeout.
DELIVERY_MAX_COUNTDOWN_SECONDS = min(
    env.float("DELIVERY_MAX_COUNTDOWN_SECONDS", default=60.0),
    CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) / 2,
)
CELERY_BEAT_SCHEDULE["sweep-deliveries"] = {
    "task": "integrations.tasks.sweep_deliveries",
    "schedule": DELIVERY_SWEEP_SECONDS,
    "options": {"expires": DELIVERY_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE["sweep-inbound-events"] = {
    "task": "integrations.tasks.sweep_inbound_events",
    "schedule": DELIVERY_SWEEP_SECONDS,
    "options": {"expires": DELIVERY_SWEEP_SECONDS},
}

# --- Health, issues and metrics (docs/operations.md) -------------------------------------------
# How often the issue scan opens and resolves issues (seconds); the drift check against each
# ATS's field and member lists runs once a day at ISSUE_DRIFT_CHECK_HOUR (UTC).
ISSUE_SCAN_SECONDS = env.float("ISSUE_SCAN_SECONDS", default=300.0)
ISSUE_DRIFT_CHECK_HOUR = env.int("ISSUE_DRIFT_CHECK_HOUR", default=2)
# "Deliveries failing": at least this share of at least this many attempts failed in the window.
ISSUE_FAILING_RATIO = env.float("ISSUE_FAILING_RATIO", default=0.5)
ISSUE_FAILING_MIN_ATTEMPTS = env.int("ISSUE_FAILING_MIN_ATTEMPTS", default=5)
ISSUE_FAILING_WINDOW_HOURS = env.int("ISSUE_FAILING_WINDOW_HOURS", default=24)
# "Deliveries waiting too long": the oldest undelivered delivery is older than this.
ISSUE_BACKLOG_MINUTES = env.int("ISSUE_BACKLOG_MINUTES", default=60)
# "Credential expiring": warned this many days ahead of the stored expiry, once per step.
ISSUE_EXPIRY_WARNING_DAYS = sorted(
    (int(days) for days in env.list("ISSUE_EXPIRY_WARNING_DAYS", default=["30", "7", "1"])),
    reverse=True,
)
# "Credentials refused": a 401/403 this recent, with no success and no new credential since.
ISSUE_CREDENTIALS_LOOKBACK_DAYS = env.int("ISSUE_CREDENTIALS_LOOKBACK_DAYS", default=7)
# "Inbound errors": at least this many 4xx answers to one integration's caller in an hour.
ISSUE_INBOUND_ERRORS_PER_HOUR = env.int("ISSUE_INBOUND_ERRORS_PER_HOUR", default=20)
# A problem found again this soon after its issue was resolved reopens that issue (no new mail).
ISSUE_REOPEN_QUIET_HOURS = env.int("ISSUE_REOPEN_QUIET_HOURS", default=24)
# Open issues seen again are listed in one digest per account at most this often.
ISSUE_DIGEST_HOURS = env.int("ISSUE_DIGEST_HOURS", default=24)
# Harver support receives every issue mail with the account's contacts; empty: contacts only.
HARVER_SUPPORT_EMAIL = env.str("HARVER_SUPPORT_EMAIL", default="integrations-support@harver.com")
# Inbound call counts older than this are deleted by the scan.
INBOUND_COUNT_RETENTION_DAYS = env.int("INBOUND_COUNT_RETENTION_DAYS", default=8)
# The bearer token GET /metrics requires; empty: the endpoint refuses every request.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
CELERY_BEAT_SCHEDULE["scan-issues"] = {
    "task": "integrations.tasks.scan_issues",
    "schedule": ISSUE_SCAN_SECONDS,
    "options": {"expires": ISSUE_SCAN_SECONDS},
}
CELERY_BEAT_SCHEDULE["check-ats-drift"] = {
    "task": "integrations.tasks.check_ats_drift",
    "schedule": crontab(hour=ISSUE_DRIFT_CHECK_HOUR, minute=0),
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_PARSER_CLASSES": ["harver_integration.api.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "harver_integration.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Largest JSON body an API accepts (DATA_UPLOAD_MAX_MEMORY_SIZE when that is lower); bigger ones
# get 413.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
# Requests per integration per window, shared across processes through the cache.
INBOUND_RATE_LIMIT = env.str("INBOUND_RATE_LIMIT", default="600/60")
# Requests per engine API key per window, likewise; over it the engine API answers 429.
ENGINE_RATE_LIMIT = env.str("ENGINE_RATE_LIMIT", default="600/60")
SPECTACULAR_SETTINGS = {
    "TITLE": "Harver ATS integration API",
    "DESCRIPTION": "The endpoints the ATSes and the Harver assessment engine call.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "periodic_task_bookkeeping": {"()": "harver_integration.logs.PeriodicTaskBookkeeping"},
        "issued_tokens": {"()": "harver_integration.logs.RedactIssuedTokens"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    # Celery's per-run lines of the periodic sweeps go to DEBUG (harver_integration.logs);
    # Django names the path of every refused request, and a token in a URL must not follow it.
    "loggers": {
        **{
            name: {"filters": ["periodic_task_bookkeeping"]}
            for name in ("celery.beat", "celery.app.trace", "celery.worker.strategy")
        },
        "django.request": {"filters": ["issued_tokens"]},
        # django-axes announces its version at INFO in every process it starts in.
        "axes.apps": {"level": "WARNING"},
        # urllib3's DEBUG line of every request names its query string, and an ATS search
        # by email carries the candidate's; the clients log each exchange without it.
        "urllib3.connectionpool": {"level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
