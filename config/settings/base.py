"""Settings shared by every environment; used as they are, these are production.

Production is chosen by environment variables (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DATABASE_URL, EMAIL_URL-style EMAIL_* variables); dev.py and test.py override them.
"""

import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


def env_admins(name: str) -> list:
    """ "Ann Admin <ann@example.org>, ops@example.org" as Django's ADMINS: (name,
    address) pairs on Django 5.2, address strings from Django 6."""
    raw = os.environ.get(name, "")
    found = getaddresses([raw]) if raw.strip() else []
    for _name, address in found:
        if "@" not in address:
            raise ImproperlyConfigured(
                f"{name} must list email addresses, such as "
                f"'Ann Admin <ann@example.org>, ops@example.org'; it is {raw!r}."
            )
    if django.VERSION >= (6, 0):
        return [f"{n} <{a}>" if n else a for n, a in found]
    return [(n or a, a) for n, a in found]


if os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
    raise ImproperlyConfigured(
        "The production settings never run with DEBUG on; use config.settings.dev."
    )
DEBUG = False
# Django itself refuses to start when this is empty, so production needs the variable.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.ForumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "accounts",
    "attachments",
    "forum",
    "moderation",
    "facilitation",
    "notifications",
    "demo",
    "bench",
]

MIDDLEWARE = [
    # First, so every log line of the request, the 503 page's included, has its id.
    "config.logs.RequestIdMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.routers.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.errors.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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

# Connections stay open for the life of the worker (checked before each request's
# first query and replaced when broken): a new PostgreSQL connection costs its
# first page 15-20 ms while the server process fills its catalog caches.
# DATABASE_POOL_MAX_SIZE > 0 uses psycopg's connection pool instead (PostgreSQL
# only; Django closes nothing then, the pool keeps up to that many connections
# per process); docs/operations.md says when it helps and when PgBouncer does.
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0"))


def database(url: str | None = None) -> dict:
    """One database's settings from its URL (DATABASE_URL when none given)."""
    pooled = DATABASE_POOL_MAX_SIZE > 0
    options = {"conn_max_age": 0 if pooled else None, "conn_health_checks": True}
    config = (
        dj_database_url.parse(url, **options)
        if url
        else dj_database_url.config(
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", **options
        )
    )
    if pooled:
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured(
                "DATABASE_POOL_MAX_SIZE needs PostgreSQL: unset it with "
                f"{config['ENGINE'].rsplit('.', 1)[-1]}."
            )
        # A request waits at most `timeout` seconds for a connection, then gets
        # the 503 page, as when the database is down.
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": 5,
        }
    return config


DATABASES = {"default": database()}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Server processes and the worker write at once: a transaction that read
    # before writing would fail at once with "database is locked", so each takes
    # the write lock as it begins, waiting up to 20 s for another writer's turn.
    # In WAL mode readers never wait for that writer, nor it for them; with WAL,
    # synchronous=NORMAL loses no committed data on a crash of the process.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
# A PostgreSQL replica for reads (config/routers.py): signed-in pages read it,
# writes and the writer's next pages go to the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
# How long after a write the writer's reads stay on the primary (replica lag).
DATABASE_REPLICA_PIN_SECONDS = 10
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "forum:index"

ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_LOGOUT_REDIRECT_URL = "forum:index"
# Sign-up and sign-in in the site's own words and checks.
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
}
# Safe subjects, mail the server refuses queued for the worker to retry, and
# "no account" notices limited per address.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# How many proxies of this site stand in front of the app, each appending the
# address it received from to X-Forwarded-For (nginx in front: 1). The client is
# the address that many entries from the right; with 0 the header is ignored, so
# a client cannot choose its own address. The one setting for allauth's limits
# and the site's own (forum.ratelimit.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# allauth's limits, kept in the shared cache above; over them, the 429 page
# (config.errors.too_many_requests).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # And at most FORUM_SIGNUPS_PER_HOUR per address, counted by the site.
    "signup": "5/m/ip",
    "reset_password": "10/m/ip,3/m/key",
    # "No account uses this address" mails (accounts.adapter), per address.
    "unknown_account_mail": "1/h/key,3/d/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "manage_email": "10/m/user",
    "change_password": "5/m/user",
}

# Two-factor sign-in (allauth.mfa): required of staff and facilitators before
# they use their tools (forum.permissions.lacks_second_factor), offered to all.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Dialogue Forum"
# A code from the 30 seconds before or after is accepted too (RFC 6238's advice): a
# phone's clock a little off, or a code typed as it changes, still signs in.
MFA_TOTP_TOLERANCE = 1
# allauth otherwise refuses a new email address to an account with two-factor
# sign-in, against someone who signs up unverified and then turns it on to lock
# the owner out. Here no one signs in before verifying (ACCOUNT_EMAIL_VERIFICATION),
# and a changed address replaces the old one only once verified (ACCOUNT_CHANGE_EMAIL),
# so facilitators and admins keep changing their address like everyone.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# The interface is in English and French: the browser's Accept-Language chooses,
# the switcher on every page overrides it (a cookie), and a signed-in user's saved
# language wins over both (accounts.middleware.UserPreferencesMiddleware).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats per language (config/formats/<language>/formats.py); templates
# use them by name, e.g. {{ post.created_at|date:"DATETIME_FORMAT" }}.
FORMAT_MODULE_PATH = ["config.formats"]
# Times show in the signed-in user's time zone (User.time_zone), else in this one.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# A 50,000-character post is at most ~200 KB of UTF-8; larger requests are refused.
# Uploaded files do not count here: ATTACHMENTS_MAX_FILE_MB bounds them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
# An uploaded file stops being read into memory or a temporary file once it is
# past ATTACHMENTS_MAX_FILE_MB (nginx's limit comes first in production; this one
# holds without it). Django's own two handlers follow, unchanged.
FILE_UPLOAD_HANDLERS = [
    "attachments.uploadhandlers.FileSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Attachments: the files people add to their posts (docs/guide.md, "Images and
# files"). Kept through Django's storage API: in ATTACHMENTS_DIR (outside static:
# nothing there is public, the forum checks each request), or in an
# S3-compatible bucket when ATTACHMENTS_S3_BUCKET is set (django-storages; the
# credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
ATTACHMENTS_DIR = Path(os.environ.get("ATTACHMENTS_DIR", BASE_DIR / "uploads"))
if os.environ.get("ATTACHMENTS_S3_BUCKET"):
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["ATTACHMENTS_S3_BUCKET"],
            "endpoint_url": os.environ.get("ATTACHMENTS_S3_ENDPOINT") or None,
            "region_name": os.environ.get("ATTACHMENTS_S3_REGION") or None,
            "location": os.environ.get("ATTACHMENTS_S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": ATTACHMENTS_DIR,
            "base_url": None,
            # What people post to members-only dialogues: the server's user only
            # (and nginx's group, in production: ATTACHMENTS_FILE_MODE=0640).
            "file_permissions_mode": int(
                os.environ.get("ATTACHMENTS_FILE_MODE", "0600"), 8
            ),
            "directory_permissions_mode": int(
                os.environ.get("ATTACHMENTS_DIR_MODE", "0700"), 8
            ),
        },
    }
ATTACHMENTS_MAX_FILE_MB = int(os.environ.get("ATTACHMENTS_MAX_FILE_MB", "8"))
ATTACHMENTS_MAX_POST_MB = int(os.environ.get("ATTACHMENTS_MAX_POST_MB", "20"))
# Larger images are refused before their pixels are decoded (a 48-megapixel
# phone photo passes; a decompression bomb does not).
ATTACHMENTS_MAX_PIXELS = int(os.environ.get("ATTACHMENTS_MAX_PIXELS", "50000000"))
# Uploads never shown in a post are deleted after this many days (a draft
# keeps its images that long).
ATTACHMENTS_UNATTACHED_DAYS = int(os.environ.get("ATTACHMENTS_UNATTACHED_DAYS", "7"))
# In production nginx sends the files once the forum has checked who asks:
# the internal location that maps to ATTACHMENTS_DIR (deploy/nginx). Empty: the
# forum sends them itself.
ATTACHMENTS_ACCEL_REDIRECT = os.environ.get("ATTACHMENTS_ACCEL_REDIRECT", "")
if ATTACHMENTS_ACCEL_REDIRECT and os.environ.get("ATTACHMENTS_S3_BUCKET"):
    # nginx would look for the files in a directory the forum does not write.
    raise ImproperlyConfigured(
        "ATTACHMENTS_ACCEL_REDIRECT has nginx send files from ATTACHMENTS_DIR, "
        "unused with ATTACHMENTS_S3_BUCKET: leave it empty (the forum then sends "
        "the files itself)."
    )

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
# Where the file-based backend (EMAIL_BACKEND=...filebased.EmailBackend) writes
# each mail: the local stack and its test read them there.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "").lower() in {"1", "true", "yes"}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "forum@localhost")
# A mail server that does not answer fails a request's attempt in this many
# seconds (the mail is then queued for the worker), rather than hanging it.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# Background tasks (notification emails, the daily digest) wait in the database
# until `python manage.py db_worker` runs them: no other server is needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Shared by every server process: allauth's rate-limit counts (sign-in, sign-up,
# password reset; the forum's own limits are rows in the database, forum.ratelimit)
# and the site-wide version of cached pages (forum.versions) must hold across
# processes. Redis when REDIS_URL is set; else
# PostgreSQL's table (made by a migration); with SQLite, files in DJANGO_CACHE_DIR
# (default .cache/): SQLite runs on one machine, where every server process shares
# the files.
if os.environ.get("REDIS_URL"):
    _SHARED_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _SHARED_CACHE = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("DJANGO_CACHE_DIR", str(BASE_DIR / ".cache")),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
else:
    _SHARED_CACHE = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
CACHES = {
    "default": _SHARED_CACHE,
    # Rendered fragments and signed-out page bodies, in each server process's own
    # memory: their keys hold the versions of what they show, so they are never
    # stale and need no invalidation across processes (docs/performance.md).
    # Fragments are 1-3 KB, page bodies 5-50 KB: at most a few hundred MB.
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "forum-local",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
# How long a version-keyed fragment or page body stays in the "local" cache.
FORUM_LOCAL_CACHE_TIMEOUT = 24 * 3600

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# DJANGO_LOCAL_HTTP=1 (make serve, the benchmark) serves plain HTTP on a local
# port: no HTTPS redirect, HSTS or HTTPS-only cookies. Never set it behind TLS.
LOCAL_HTTP = os.environ.get("DJANGO_LOCAL_HTTP", "").lower() in {"1", "true", "yes"}
SECURE_SSL_REDIRECT = not LOCAL_HTTP
# Probes (a load balancer, systemd, a monitor on the host) may ask gunicorn
# directly over HTTP: /healthz answers them rather than redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if LOCAL_HTTP else 31536000
# Security keys (WebAuthn) over plain HTTP: allauth refuses an http:// origin
# unless told; browsers themselves allow it on localhost only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = LOCAL_HTTP
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not LOCAL_HTTP
# Sessions are kept in the database and read through the shared cache (Redis when
# REDIS_URL is set): any app server can serve any request, and a signed-in page
# spends no SQL on the session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_SECURE = not LOCAL_HTTP
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: the pages' only script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Errors (a 500, a failed scheduled job) are mailed to these people:
# DJANGO_ADMINS="Ann Admin <ann@example.org>, ops@example.org".
ADMINS = env_admins("DJANGO_ADMINS")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# One JSON object per line on standard error (journald, docker), each with the
# request's id (config.logs); errors also mailed to ADMINS. gunicorn's access
# log stays its own.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
        },
    },
    "root": {"handlers": ["console", "mail_admins"], "level": "WARNING"},
    "loggers": {
        # Django's own records go up to the root's handlers (its default handlers
        # would print them twice and mail them twice).
        "django": {"handlers": [], "level": "WARNING", "propagate": True},
        # Bad requests (a Host not allowed, an oversized body): the client's
        # doing, answered with a 400 or 413; logged, not mailed to anyone.
        "django.security": {"handlers": ["console"], "propagate": False},
    },
}

# Errors to Sentry too when SENTRY_DSN is set. Participants may be at risk from
# what they write or who they are: no personal data (addresses, cookies, user
# ids), no request bodies and no local variables (which hold post texts) leave
# the server.
if os.environ.get("SENTRY_DSN"):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
    )
    for name in ("DisallowedHost", "RequestDataTooBig", "TooManyFieldsSent"):
        ignore_logger(f"django.security.{name}")

FORUM_POSTS_PER_PAGE = 25
FORUM_TOPICS_PER_PAGE = 30
FORUM_MAX_THREAD_DEPTH = 5
FORUM_DUPLICATE_WINDOW_SECONDS = 10
# How long participants may edit their own posts; facilitators always may.
FORUM_EDIT_WINDOW_HOURS = 24
# Posting and reporting limits per user (new accounts: joined less than a day ago).
FORUM_POSTS_PER_MINUTE = 6
FORUM_NEW_ACCOUNT_POSTS_PER_MINUTE = 2
FORUM_NEW_ACCOUNT_POSTS_PER_HOUR = 10
FORUM_REPORTS_PER_HOUR = 10
# Sign-ups from one client address (allauth adds its own 5 a minute).
FORUM_SIGNUPS_PER_HOUR = 20
# Invitations to members-only dialogues: how many days a link works, and how
# many invitations and reminders one facilitator sends per hour.
FORUM_INVITATION_DAYS = 14
FORUM_INVITATIONS_PER_HOUR = 50
FORUM_INVITATION_REMINDERS_PER_HOUR = 20
# Links in emails point here (no request to take the host from in a worker); an
# absolute http(s) address, without which production refuses to start
# (config.apps.check_base_url).
FORUM_BASE_URL = os.environ.get("FORUM_BASE_URL", "")
# When the daily digest goes, in each reader's own time zone, for readers who
# chose no hour of their own.
FORUM_DIGEST_HOUR = int(os.environ.get("FORUM_DIGEST_HOUR", "7"))
# /healthz fails when a background task has waited longer than this (the worker
# stopped); bursts of mail take the worker a minute or two at most.
HEALTH_QUEUE_MAX_AGE_MINUTES = int(os.environ.get("HEALTH_QUEUE_MAX_AGE_MINUTES", "10"))
