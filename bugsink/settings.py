"""Settings, all read from environment variables with defaults that run with nothing installed.

Every variable is listed in docs/configuration.md (tests/test_docs.py checks it).
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url

from bugsink.bind import DEFAULT_BIND, base_url_from_bind
from core.category_quotas import parse_category_quotas

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


DATA_DIR = Path(env_str("BUGSINK_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated on first start and kept on disk."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)


def _base_url() -> str:
    """BASE_URL if set, else where the server listens (BIND): the quick start prints the URL
    and DSN of the port it really serves on."""
    configured = env_str("BASE_URL")
    if configured:
        return configured.rstrip("/")
    try:
        return base_url_from_bind(env_str("BIND") or DEFAULT_BIND)
    except ValueError:  # gunicorn refuses such a BIND itself, with its own message
        return base_url_from_bind(DEFAULT_BIND)


BASE_URL = _base_url()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's sessions page
    "projects",
    "events",
    "issues",
    "alerts",
    "digestion",
    "datapolicy",
    "sourcemaps",
    "api",
    # django-ninja's own static files (the API docs page), served locally: no CDN, CSP-clean.
    "ninja",
    "signin",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "allauth.usersessions",
    "monitors",
    "statuspages",
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
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "signin.mfa_required.MfaRequiredForAdminsMiddleware",
]

ROOT_URLCONF = "bugsink.urls"
WSGI_APPLICATION = "bugsink.wsgi.application"
ASGI_APPLICATION = "bugsink.asgi.application"
# Threads per web process that run the Django site (the ingest endpoints need none).
WEB_THREADS = env_int("GUNICORN_THREADS", 4)

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

# --- Database ---------------------------------------------------------------------------------
# SQLite (the embedded default) runs in WAL mode so readers never block the single writer, with
# a busy timeout so concurrent writers wait instead of failing, and IMMEDIATE transactions so a
# read-modify-write takes the write lock up front (no "database is locked" upgrade deadlocks).
# synchronous=FULL fsyncs every commit: an event we answered 200 for survives a power cut.
SQLITE_SYNCHRONOUS = env_str("SQLITE_SYNCHRONOUS", "FULL").upper()
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections stay open per thread (CONN_MAX_AGE): opening one re-runs the pragmas below.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        # auto_vacuum=INCREMENTAL takes effect only in a new database (datapolicy/vacuum.py
        # converts an older one once); secure_delete=FAST zeroes deleted rows where that costs no
        # extra I/O, and the pages it leaves are given back by the incremental vacuum.
        "init_command": (
            "PRAGMA auto_vacuum=INCREMENTAL;"
            "PRAGMA secure_delete=FAST;"
            "PRAGMA journal_mode=WAL;"
            f"PRAGMA synchronous={SQLITE_SYNCHRONOUS};"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA cache_size=-20000;"
        ),
    }
    # Tests run on files too, not in memory: only files have the WAL and the busy wait of
    # concurrent writers that production has.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    # The ingest spool gets a file of its own, so ingest never waits for digestion's write
    # lock (events/routers.py).
    main_file = Path(DATABASES["default"]["NAME"])
    DATABASES["spool"] = {
        **DATABASES["default"],
        "NAME": str(main_file.with_name(main_file.stem + "-spool.sqlite3")),
        "TEST": {"NAME": str(DATA_DIR / "test-spool.sqlite3")},
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["events.routers.SpoolRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Source maps ------------------------------------------------------------------------------
# Uploaded artifact bundles and release files go through Django's storage API: the filesystem
# under the data directory by default, any storage backend (e.g. django-storages' S3) by naming
# its class and giving its options as a JSON object.
SOURCEMAP_STORAGE_BACKEND = env_str(
    "SOURCEMAP_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
_sourcemap_storage_options = env_str("SOURCEMAP_STORAGE_OPTIONS", "")
STORAGES["sourcemaps"] = {
    "BACKEND": SOURCEMAP_STORAGE_BACKEND,
    "OPTIONS": (
        json.loads(_sourcemap_storage_options)
        if _sourcemap_storage_options
        else {"location": str(DATA_DIR / "sourcemaps")}
    ),
}
# One stored file (a minified source or a map) at most; a bundle's files together at most;
# files in one bundle at most. Larger uploads are refused with a 4xx.
SOURCEMAP_MAX_FILE_BYTES = env_int("SOURCEMAP_MAX_FILE_BYTES", 32 * 1024 * 1024)
SOURCEMAP_BUNDLE_MAX_BYTES = env_int("SOURCEMAP_BUNDLE_MAX_BYTES", 256 * 1024 * 1024)
SOURCEMAP_BUNDLE_MAX_FILES = env_int("SOURCEMAP_BUNDLE_MAX_FILES", 10000)
# Parsed maps kept in each digesting process, in megabytes of map.
SOURCEMAP_CACHE_MB = env_int("SOURCEMAP_CACHE_MB", 32)
# Frames of one event that digestion symbolicates at most (the rest keep their minified form).
SOURCEMAP_MAX_FRAMES = env_int("SOURCEMAP_MAX_FRAMES", 250)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Empty (the default) means email is off: no alert email is even attempted, and the UI says
# so where alerts are set up (alerts/email_config.py). Setting it turns delivery on.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "bugsink@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: a broker with no server process, kept
# in the data directory. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT = "bugsink.fs_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-digest leaves the message for the next one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
DIGEST_SWEEP_INTERVAL = env_int("DIGEST_SWEEP_INTERVAL", 30)
CELERY_BEAT_SCHEDULE = {
    "sweep-undigested": {
        "task": "digestion.tasks.sweep_undigested",
        "schedule": float(DIGEST_SWEEP_INTERVAL),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Ingestion limits (bytes) -----------------------------------------------------------------
INGEST_MAX_REQUEST_BYTES = env_int("INGEST_MAX_REQUEST_BYTES", 20 * 1024 * 1024)
INGEST_MAX_DECOMPRESSED_BYTES = env_int("INGEST_MAX_DECOMPRESSED_BYTES", 100 * 1024 * 1024)
# Events above this size (as sent, decompressed) are still accepted, up to the decompressed-body
# limit, and trimmed by digestion to about this size (events/oversize.py). Feedback and user
# report items above it are refused (413).
INGEST_MAX_EVENT_BYTES = env_int("INGEST_MAX_EVENT_BYTES", 1024 * 1024)
INGEST_MAX_ATTACHMENT_BYTES = env_int("INGEST_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
# Seconds a client may take to send a request body before it is cut off (408).
INGEST_READ_TIMEOUT = env_int("INGEST_READ_TIMEOUT", 60)
DIGEST_BATCH_SIZE = env_int("DIGEST_BATCH_SIZE", 500)
# Days after a project's grouping upgrade during which an event whose new hash is unknown joins
# the Issue of its previous version's hash (issues/GROUPING.md, "Upgrading a project").
GROUPING_TRANSITION_DAYS = env_int("GROUPING_TRANSITION_DAYS", 30)

# --- Our own error reporting ------------------------------------------------------------------
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
    )

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Web UI: static files, CSP, cookie security -----------------------------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
# The CSP header is set by our own small middleware (no inline scripts, no third-party origins).
MIDDLEWARE.insert(1, "bugsink.csp.ContentSecurityPolicyMiddleware")
# Cookies only travel over HTTPS when the server is served over HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = BASE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Hashed names once collectstatic has run, plain names before (tests, the live test stack); with
# no collected files yet, whitenoise serves the sources through the finders.
STORAGES["staticfiles"] = {"BACKEND": "bugsink.staticfiles.ManifestOrSourceStorage"}
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
# --- Alerts -----------------------------------------------------------------------------------
# Alerts for one project are collected for this many seconds and sent as one email (a summary
# when there are several), so a burst of new Issues is one message, not hundreds.
ALERT_COALESCE_SECONDS = env_int("ALERT_COALESCE_SECONDS", 60)
# Email and webhook deliveries are retried with exponential backoff (1 s, 2 s, 4 s, ... capped
# at ALERT_RETRY_BACKOFF_MAX) this many times before giving up (and logging it).
ALERT_DELIVERY_MAX_RETRIES = env_int("ALERT_DELIVERY_MAX_RETRIES", 6)
ALERT_RETRY_BACKOFF_MAX = env_int("ALERT_RETRY_BACKOFF_MAX", 600)
ALERT_WEBHOOK_TIMEOUT = env_int("ALERT_WEBHOOK_TIMEOUT", 10)
# Webhook targets that resolve to private, loopback or link-local addresses are refused (SSRF),
# unless this is on (e.g. a chat server on the internal network).
ALERT_WEBHOOK_ALLOW_PRIVATE = env_bool("ALERT_WEBHOOK_ALLOW_PRIVATE", False)
# Safety net for a flush message the broker lost: flush windows that are long overdue.
CELERY_BEAT_SCHEDULE["flush-overdue-alerts"] = {
    "task": "alerts.tasks.flush_overdue_alerts",
    "schedule": 60.0,
}
# Alert tasks have a queue (and a worker, bugsink/workers.py) of their own: a mail server or
# webhook that never answers holds up alert delivery for its timeout, never digestion. A worker
# started without -Q consumes only the default queue ("celery"), not this one.
# The sweep runs there too: on the digest queue, a sweep every interval would wait behind a long
# drain and pile up, while that queue must hold at most one request per project.
CELERY_TASK_ROUTES = {
    "alerts.tasks.*": {"queue": "alerts"},
    "digestion.tasks.sweep_undigested": {"queue": "alerts"},
}
# --- Monitors (monitors/) ---------------------------------------------------------------------
# The beat runs a monitors pass this often: check-ins, quiet cron / heartbeat monitors, then every
# due uptime check (checks are late by at most about this much).
MONITOR_TICK_SECONDS = env_int("MONITOR_TICK_SECONDS", 2)
# A check lease older than this belonged to a worker that died: another worker takes the check.
MONITOR_LEASE_SECONDS = env_int("MONITOR_LEASE_SECONDS", 120)
MONITOR_CHECK_THREADS = env_int("MONITOR_CHECK_THREADS", 20)
MONITOR_PASS_SECONDS = env_int("MONITOR_PASS_SECONDS", 50)
# Check results and check-ins older than this are deleted (incidents, and so uptime, are kept).
MONITOR_RESULT_RETENTION_DAYS = env_int("MONITOR_RESULT_RETENTION_DAYS", 31)
# Checks of private, loopback or link-local addresses are refused (SSRF) unless this is on:
# monitoring an intranet service is legitimate, but it is the instance owner's decision.
MONITOR_ALLOW_PRIVATE = env_bool("MONITOR_ALLOW_PRIVATE", False)
# Extra CA certificates (PEM file) trusted by HTTPS checks, besides the system's.
MONITOR_CA_BUNDLE = env_str("MONITOR_CA_BUNDLE")
# Tests only: a file holding seconds added to the monitors' clock in every process.
MONITOR_CLOCK_OFFSET_FILE = env_str("MONITOR_CLOCK_OFFSET_FILE")
CELERY_BEAT_SCHEDULE["monitors-tick"] = {
    "task": "monitors.tasks.tick",
    "schedule": float(MONITOR_TICK_SECONDS),
    "options": {"expires": float(MONITOR_TICK_SECONDS) * 2},  # busy workers skip stale ticks
}
CELERY_TASK_ROUTES["monitors.tasks.*"] = {"queue": "monitors"}
# --- Project quotas (ingest/quota.py) ---------------------------------------------------------
# Events accepted per project per calendar minute / hour; 0 = no limit. Over quota the ingest
# endpoints answer 429 with Retry-After and X-Sentry-Rate-Limits until the period ends.
INGEST_QUOTA_PER_MINUTE = env_int("INGEST_QUOTA_PER_MINUTE", 5000)
INGEST_QUOTA_PER_HOUR = env_int("INGEST_QUOTA_PER_HOUR", 50000)
# The other stored categories: "category=N/minute" or "=N/hour", comma-separated (attachment,
# feedback, monitor; error overrides the two above). A category not named has no limit.
INGEST_CATEGORY_QUOTAS = env_str(
    "INGEST_CATEGORY_QUOTAS", "attachment=1000/minute,attachment=10000/hour"
)
parse_category_quotas(INGEST_CATEGORY_QUOTAS)  # a bad value stops the start, not requests
# Days of hourly ingest outcome counters kept (the outcomes page); older ones are deleted.
OUTCOMES_RETENTION_DAYS = env_int("OUTCOMES_RETENTION_DAYS", 30)
# --- Data lifecycle (datapolicy/) ---------------------------------------------------------------
# Instance-wide retention caps per project (a project's data page may set its own). Sized for a
# small box: 50,000 events of a few KB each stay below a few hundred MB per project, and 90 days
# covers a quarter of releases. Eviction runs in the background (Celery beat), never on ingest.
RETENTION_MAX_EVENTS = env_int("RETENTION_MAX_EVENTS", 50000)
RETENTION_MAX_AGE_DAYS = env_int("RETENTION_MAX_AGE_DAYS", 90)
RETENTION_MAX_ATTACHMENT_MB = env_int("RETENTION_MAX_ATTACHMENT_MB", 500)
# Seconds between eviction passes, and rows deleted per transaction (bounded transactions keep
# ingest and digestion going while a pass runs).
RETENTION_INTERVAL = env_int("RETENTION_INTERVAL", 300)
RETENTION_BATCH_ROWS = env_int("RETENTION_BATCH_ROWS", 1000)
# Delete Issues that have no events left after the age cap and no activity (never resolved or
# muted ones). Off by default: an Issue's history is worth more than its row.
RETENTION_DELETE_EMPTY_ISSUES = env_bool("RETENTION_DELETE_EMPTY_ISSUES", False)
# Uploaded source maps and release files older than this go once no event needs them any more
# (no event of their release, or of the project for files of no release, within these days).
SOURCEMAP_RETENTION_DAYS = env_int("SOURCEMAP_RETENTION_DAYS", 90)
CELERY_BEAT_SCHEDULE["evict-events"] = {
    "task": "datapolicy.tasks.evict_all",
    "schedule": float(RETENTION_INTERVAL),
}
# --- Web API uploads (sentry-cli source maps, api/chunks.py) ----------------------------------
# The largest file (artifact bundle, release file) an upload may assemble, and the largest
# chunk-upload request; above them the API answers 413 or an assemble error, never a 500.
API_UPLOAD_MAX_FILE_BYTES = env_int("API_UPLOAD_MAX_FILE_BYTES", 64 * 1024 * 1024)
API_UPLOAD_MAX_REQUEST_BYTES = env_int("API_UPLOAD_MAX_REQUEST_BYTES", 32 * 1024 * 1024)
# --- Sign-in: single sign-on, second factor, lockout (signin/, docs/sso.md) ---------------------
# django-allauth does OpenID Connect (discovery, state, PKCE, token checks), TOTP with recovery
# codes and the sessions page; our signin app adds the lockout, the audit log, SSO-only mode,
# team mapping and "second factor required for admins".
from signin.oidc_config import configured_providers  # noqa: E402

AUTHENTICATION_BACKENDS = ["signin.backends.PasswordBackend"]
OIDC_PROVIDERS = configured_providers(
    env_str("OIDC_PROVIDERS"),
    {
        "id": env_str("OIDC_PROVIDER_ID"),
        "label": env_str("OIDC_BUTTON_LABEL"),
        "server_url": env_str("OIDC_SERVER_URL"),
        "client_id": env_str("OIDC_CLIENT_ID"),
        "client_secret": env_str("OIDC_CLIENT_SECRET"),
        "scopes": env_str("OIDC_SCOPES"),
        "groups_claim": env_str("OIDC_GROUPS_CLAIM"),
        "team_rules": env_str("OIDC_TEAM_RULES"),
    },
)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [provider.allauth_app() for provider in OIDC_PROVIDERS],
    }
}
# Password sign-in for superusers only (the break-glass way in); everyone else uses SSO.
SSO_ONLY = env_bool("SSO_ONLY", False)
ACCOUNT_ADAPTER = "signin.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "signin.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False  # existing installs may hold two users with one address
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # linking by email is ours: verified email only
SOCIALACCOUNT_LOGIN_ON_GET = False  # the login buttons POST (a GET only asks to confirm)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
# Addresses: X-Forwarded-For is believed for this many proxies in front of the server.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Bugsink")
MFA_REQUIRED_FOR_ADMINS = env_bool("MFA_REQUIRED_FOR_ADMINS", False)
USERSESSIONS_TRACK_ACTIVITY = False  # one write per page otherwise; sign-in time is kept
# Lockout with backoff (signin/lockout.py): failed password sign-ins per login name since its
# last success, and per client address, within a day.
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 20)
LOGIN_LOCKOUT_IP_FAILURES = env_int("LOGIN_LOCKOUT_IP_FAILURES", 100)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# --- Status pages (statuspages/) ---------------------------------------------------------------
# The public pages are rendered once per change and kept in Django's cache: Redis when
# CACHE_URL names one (production: shared by every process), else each process's local memory.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Outermost: keeps public status pages (with every header the other middleware added) for the
# ASGI fast path. A status page's own host name is recognised before anything else runs.
MIDDLEWARE.insert(0, "statuspages.fast_cache.FastCacheMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "statuspages.hosts.StatusHostMiddleware",
)
CELERY_BEAT_SCHEDULE["status-automatic-incidents"] = {
    "task": "statuspages.tasks.sync_automatic_incidents",
    "schedule": 30.0,
}
# Automatic incidents follow monitor severities: they run beside the monitors, and the digest
# queue keeps to digest requests (one per project) and the eviction pass.
CELERY_TASK_ROUTES["statuspages.tasks.*"] = {"queue": "monitors"}

# Every process that loads these settings sends tasks through this Celery application
# (celery.current_app, shared_task): create it with the settings, so that importing the bugsink
# package alone (the gunicorn master does, for its worker class) does not load Celery.
import bugsink.celery  # noqa: E402, F401
