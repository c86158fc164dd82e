"""Lossmit settings: one module, driven by environment variables.

With nothing set the app runs on SQLite under var/ with Celery tasks executed eagerly, so
`make run` works on a fresh machine. DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL
and Redis, which is what production and CI use.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# pytest sets PYTEST_VERSION before anything imports settings: test runs keep DEBUG off (as in
# production) without every developer having to export a key.
TESTING = "PYTEST_VERSION" in os.environ
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "test-only-secret-key-not-for-production"
    elif not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed key is fine when DEBUG is on and nothing is exposed.
    SECRET_KEY = "dev-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "accounts",
    "audit",
    "borrowers",
    "delinquency",
    "rules",
    "workouts",
    "letters",
    "imports",
    # Login throttling and lockout (issue 7): failed logins per username and address.
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lossmit.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lossmit.urls"

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
                "accounts.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "lossmit.wsgi.application"

# Database: SQLite under var/ by default; DATABASE_URL (postgres://...) for production and CI.
VAR_DIR = Path(os.environ.get("LOSSMIT_VAR_DIR", BASE_DIR / "var"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "lossmit.sqlite3",
            # SQLite waits instead of failing at once when a second writer holds the lock.
            "OPTIONS": {"timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair out for an hour; a
# correct password in that hour still fails. Keyed on the pair so a stranger guessing from
# elsewhere cannot lock Maria out of her own desk, and a success clears the count.
# The address is REMOTE_ADDR (axes without django-ipware), never a client-supplied
# X-Forwarded-For that an attacker could rotate to dodge the limit. Behind one proxy every
# client shares its address, and the lockout then works per username.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429  # Too Many Requests: the request was fine, its rate was not
# Attempts record usernames and addresses, not passwords; keep them out of the access log's
# GET/POST dump as well.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# Servicing operations run on US Eastern time; business dates are computed in this zone.
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        # Hashed file names need `collectstatic` first: production images run it, tests and
        # the development server do not.
        if not DEBUG and not TESTING and envbool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Security: secure cookies and HSTS whenever we are not in DEBUG (production runs behind TLS).
SECURE_COOKIES = envbool("SECURE_COOKIES", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)  # one working day
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (lossmit/csp.py); report-only lets an operator trial a change.
CSP_REPORT_ONLY = envbool("CSP_REPORT_ONLY", False)

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}

# Delinquency (issue 3): which status convention drives buckets (domain.md s.1: "MBA" or "OTS"),
# and when the nightly scan runs by default, HH:MM in TIME_ZONE. Admins change the time at
# runtime on the scan-runs page (delinquency.ScanSchedule); beat ticks every 5 minutes and the
# tick starts the day's scan once that time has passed (delinquency.tasks.scan_tick).
DELINQUENCY_STATUS_CONVENTION = os.environ.get("DELINQUENCY_STATUS_CONVENTION", "MBA")
DELINQUENCY_SCAN_TIME = os.environ.get("DELINQUENCY_SCAN_TIME", "01:30")
CELERY_BEAT_SCHEDULE["delinquency-scan-tick"] = {"task": "delinquency.scan_tick", "schedule": crontab(minute="*/5")}
# After the scan, whenever admins schedule it, the tick that sees the day's run finished starts
# the early-intervention notices (1024.39(b)) for the written-notice tasks it queued and the
# workouts' nightly pass (expire unanswered offers, judge trial payments), once per run
# (delinquency.tasks.scan_followups_start).
# Who the borrower contacts, printed on every letter (letters/context.py). The defaults are the
# demo servicer's; a servicer sets its own with the environment.
LETTERS_SERVICER = {
    "name": os.environ.get("LETTERS_SERVICER_NAME", "Lossmit Mortgage Servicing"),
    "department": os.environ.get("LETTERS_SERVICER_DEPARTMENT", "Loss Mitigation Department"),
    "address": os.environ.get("LETTERS_SERVICER_ADDRESS", "PO Box 1000, Atlanta, GA 30301"),
    "phone": os.environ.get("LETTERS_SERVICER_PHONE", "1-800-555-0199"),
    "hours": os.environ.get("LETTERS_SERVICER_HOURS", "Monday to Friday, 8:00 a.m. to 8:00 p.m. Eastern"),
    "website": os.environ.get("LETTERS_SERVICER_WEBSITE", "https://servicing.example.com/help"),
}
# Retention (audit/purge.py): idempotency keys replay a retried API post for 7 days (longer
# than any client's retry schedule, weekends included); previewed tape uploads that nobody
# applied are deleted after 3 days. Purged nightly at 02:30.
IDEMPOTENCY_KEY_RETENTION_HOURS = envint("IDEMPOTENCY_KEY_RETENTION_HOURS", 7 * 24)
TAPE_UPLOAD_RETENTION_HOURS = envint("TAPE_UPLOAD_RETENTION_HOURS", 3 * 24)
CELERY_BEAT_SCHEDULE["purge-expired"] = {"task": "audit.purge_expired", "schedule": crontab(hour=2, minute=30)}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "lossmit.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lossmit API",
    "DESCRIPTION": "Loss mitigation servicing API. Money is a decimal string with two places.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets reused under different field names get one stable component name.
    # Two choice sets under one field name ("outcome": any call attempt's, an inbound call's)
    # need a name each, or the schema gets hashed names and a warning.
    "ENUM_NAME_OVERRIDES": {
        "CallTaskStatusEnum": "delinquency.models.CallTask.Status",
        "OutcomeEnum": "delinquency.models.CallAttempt.Outcome",
        "InboundCallOutcomeEnum": "delinquency.services.INBOUND_OUTCOME_CHOICES",
    },
}

# Servicing defaults (domain.md section 1): grace days and late charge as a percent of P&I.
LATE_CHARGE_GRACE_DAYS = 15
LATE_CHARGE_PCT = "4.000"

# Every handler masks personal data (SSNs, phones, emails, account numbers) before writing
# (lossmit/log_filters.py). Django's development-server log gets the same filter, since its
# request lines carry query strings such as a phone-number search.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "lossmit.log_filters.PersonalDataFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
# Celery workers log through the handlers above (and so through the filter) instead of
# replacing the root logger's handlers with their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
