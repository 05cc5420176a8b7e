"""Local development: DEBUG on, console email, SQLite unless DATABASE_URL is set."""

import os

os.environ.pop("DJANGO_DEBUG", None)

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
# The shared cache stays the production one (files under .cache/ with SQLite):
# `make run` serves from one process and runs the background worker in another,
# and a worker's writes (a reader's notifications) must reach the server's caches.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# Readable lines in the terminal; nothing mailed.
LOGGING = {
    **LOGGING,  # noqa: F405
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# `make run` sets it to the port it serves on.
FORUM_BASE_URL = os.environ.get("FORUM_BASE_URL") or "http://127.0.0.1:8000"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
