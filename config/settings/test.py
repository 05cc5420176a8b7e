"""Test settings: fast password hashing, in-memory email and cache."""

import os
import tempfile
from importlib.util import find_spec
from pathlib import Path

from .dev import *  # noqa: F403

SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run at once, when the transaction that queued them commits.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if find_spec("django.tasks")
        else "django_tasks.backends.immediate.ImmediateBackend"
    }
}
CACHES = {
    **CACHES,  # noqa: F405
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
ALLOWED_HOSTS = ["*"]
# Each test run keeps its uploads in a directory of its own, removed with it
# (tests/conftest.py). A test whose subprocesses must share one (the backup
# round trip) names it in FORUM_TEST_ATTACHMENTS_DIR; ATTACHMENTS_DIR is not
# read, so that tests never write where a developer's own uploads are.
ATTACHMENTS_DIR = Path(
    os.environ.get("FORUM_TEST_ATTACHMENTS_DIR")
    # Made by the storage at the first upload; removed when the run ends.
    or Path(tempfile.gettempdir()) / f"forum-test-uploads-{os.getpid()}"
)
STORAGES = {
    **STORAGES,  # noqa: F405
    "attachments": {
        **STORAGES["attachments"],  # noqa: F405
        "OPTIONS": {**STORAGES["attachments"]["OPTIONS"], "location": ATTACHMENTS_DIR},  # noqa: F405
    },
}
FORUM_BASE_URL = "http://127.0.0.1:8000"
# Tests post quickly through the forms; the limits have their own tests.
FORUM_POSTS_PER_MINUTE = 10_000
FORUM_NEW_ACCOUNT_POSTS_PER_MINUTE = 10_000
FORUM_NEW_ACCOUNT_POSTS_PER_HOUR = 10_000
FORUM_REPORTS_PER_HOUR = 10_000
