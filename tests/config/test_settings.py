import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_with(
    settings: str, code: str, argv: list[str] | None = None, **env
) -> subprocess.CompletedProcess:
    """Python running code (or argv) with these settings (none if empty) and a
    clean environment plus env."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE", "REDIS_URL"))
    }
    environment["FORUM_BASE_URL"] = "https://forum.example.org"
    environment.update(env)
    if settings:
        environment["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(
        [sys.executable, *(argv or ["-c", code])],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


SETUP = "import django; django.setup(); from django.conf import settings; "


def test_production_settings_refuse_debug():
    """The production settings never start with DEBUG on."""
    result = run_with(
        "config.settings.base",
        SETUP + "print(settings.DEBUG)",
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert result.returncode != 0
    assert "never run with DEBUG on" in result.stderr


def test_production_settings_need_a_secret_key():
    """Without DJANGO_SECRET_KEY the production settings refuse to start."""
    result = run_with("config.settings.base", SETUP + "print(settings.SECRET_KEY)")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_are_hardened():
    """Production has DEBUG off, HTTPS, HSTS and secure cookies."""
    result = run_with(
        "config.settings.base",
        SETUP + "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_HSTS_SECONDS > 0)",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


def test_database_url_selects_the_database():
    """DATABASE_URL picks the database; without it, an SQLite file."""
    code = SETUP + "print(settings.DATABASES['default']['ENGINE'])"
    sqlite = run_with("config.settings.dev", code)
    postgres = run_with(
        "config.settings.dev", code, DATABASE_URL="postgres://u:p@db.example:5432/f"
    )
    assert sqlite.stdout.strip() == "django.db.backends.sqlite3"
    assert postgres.stdout.strip() == "django.db.backends.postgresql"


def test_production_rate_limits_use_a_shared_cache():
    """Rate-limit counts and generations live in Redis, PostgreSQL's cache table,
    or (with SQLite, one machine) files: shared by all processes."""
    code = SETUP + "print(settings.CACHES['default']['BACKEND'])"
    key = "x" * 50
    postgres = run_with(
        "config.settings.base",
        code,
        DJANGO_SECRET_KEY=key,
        DATABASE_URL="postgres://u:p@db.example:5432/f",
    )
    sqlite = run_with("config.settings.base", code, DJANGO_SECRET_KEY=key)
    redis = run_with(
        "config.settings.base",
        code,
        DJANGO_SECRET_KEY=key,
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert postgres.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    assert sqlite.stdout.strip() == (
        "django.core.cache.backends.filebased.FileBasedCache"
    )
    assert redis.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
    # make run's server and background worker are two processes too.
    dev = run_with("config.settings.dev", code)
    assert dev.stdout.strip() == sqlite.stdout.strip()


def test_production_settings_on_sqlite_keep_every_write(tmp_path):
    """migrate with the production settings on a new SQLite file records every
    migration: the row written just before a generation bump is kept (with the
    database cache on the same SQLite connection, forum.0008's record was lost,
    and the next migrate refused to run)."""
    env = {
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'forum.sqlite3'}",
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
    }
    first = run_with(
        "config.settings.base",
        "from django.core.management import call_command; import django; "
        "django.setup(); call_command('migrate', verbosity=0); "
        "from django.db.migrations.recorder import MigrationRecorder; "
        "from django.db import connection; "
        "print(' '.join(sorted(n for a, n in MigrationRecorder(connection)"
        ".applied_migrations() if a == 'forum')))",
        **env,
    )
    assert first.returncode == 0, first.stderr
    assert "0008_notifications" in first.stdout.split()
    again = run_with(
        "config.settings.base",
        "import django; django.setup(); from django.core.management import "
        "call_command; call_command('migrate', verbosity=0); print('ok')",
        **env,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "ok"


def test_wsgi_serves_django_application():
    """The served application is Django's own WSGI handler, nothing in front."""
    result = run_with(
        "config.settings.base",
        "import config.wsgi; print(type(config.wsgi.application).__name__)",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "WSGIHandler"


def test_database_connections_persist_with_health_checks():
    """A worker keeps its database connection (a new one costs its first page
    15-20 ms), checked before use so a broken one is replaced."""
    result = run_with(
        "config.settings.base",
        SETUP
        + "d = settings.DATABASES['default']; "
        + "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        DJANGO_SECRET_KEY="x" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "True"]


def test_production_settings_pass_the_deploy_check():
    """`manage.py check --deploy` finds nothing to warn about in production."""
    result = run_with(
        "config.settings.base",
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', "
        "'--fail-level', 'WARNING'])",
        DJANGO_SECRET_KEY="k3Y-" + "a1B2c3D4e5" * 6,
        DJANGO_ALLOWED_HOSTS="forum.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("", "ImproperlyConfigured: FORUM_BASE_URL is not set"),
        ("forum.example.org", "absolute http:// or https:// address"),
        ("ftp://forum.example.org", "absolute http:// or https:// address"),
        ("https://forum.example.org", None),
    ],
)
def test_production_refuses_to_start_without_a_base_url(given, error):
    """Without FORUM_BASE_URL, or with one that is not an absolute http(s)
    address, production stops at start with the reason."""
    code = SETUP + "print(settings.FORUM_BASE_URL)"
    result = run_with(
        "config.settings.base", code, DJANGO_SECRET_KEY="x" * 50, FORUM_BASE_URL=given
    )
    if error:
        assert result.returncode != 0
        assert error in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == given


def test_development_links_point_at_the_local_server():
    code = SETUP + "print(settings.FORUM_BASE_URL)"
    result = run_with("config.settings.dev", code, FORUM_BASE_URL="")
    assert result.stdout.strip() == "http://127.0.0.1:8000"


def test_admins_come_from_the_environment():
    """DJANGO_ADMINS lists the people errors are mailed to; a list that is not
    of addresses stops the start."""
    code = SETUP + "print(repr(settings.ADMINS))"
    key = "x" * 50
    given = run_with(
        "config.settings.base",
        code,
        DJANGO_SECRET_KEY=key,
        DJANGO_ADMINS="Ann Admin <ann@example.org>, ops@example.org",
    )
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() in {
        "[('Ann Admin', 'ann@example.org'), ('ops@example.org', 'ops@example.org')]",
        "['Ann Admin <ann@example.org>', 'ops@example.org']",
    }
    assert (
        run_with("config.settings.base", code, DJANGO_SECRET_KEY=key).stdout.strip()
        == "[]"
    )
    wrong = run_with(
        "config.settings.base", code, DJANGO_SECRET_KEY=key, DJANGO_ADMINS="Ann Admin"
    )
    assert wrong.returncode != 0
    assert "DJANGO_ADMINS must list email addresses" in wrong.stderr


def test_production_logs_one_json_object_per_line():
    """Production writes each log record as a JSON line (the traceback inside)
    and mails errors to ADMINS, except bad requests (the client's doing).
    Development writes plain lines and mails nothing."""
    code = (
        SETUP + "import logging; from django.core import mail\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
        "    logging.getLogger('forum.jobs').exception('Job failed')\n"
        "logging.getLogger('django.security.DisallowedHost').error('Bad host')\n"
        "print([m.subject for m in getattr(mail, 'outbox', [])])"
    )
    env = {
        "DJANGO_ADMINS": "ops@example.org",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    result = run_with("config.settings.base", code, DJANGO_SECRET_KEY="x" * 50, **env)
    assert result.returncode == 0, result.stderr
    line, bad_host = result.stderr.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "forum.jobs"
    assert entry["message"] == "Job failed" and entry["request_id"] == ""
    assert "ZeroDivisionError" in entry["exception"]
    assert json.loads(bad_host)["message"] == "Bad host"
    assert result.stdout.strip() == "['[Django] ERROR: Job failed']"
    dev = run_with("config.settings.dev", code, **env)
    assert dev.stderr.startswith("ERROR forum.jobs [] Job failed")
    assert dev.stdout.strip() == "[]"


def test_sentry_only_with_a_dsn_and_without_personal_data():
    """Without SENTRY_DSN, sentry_sdk is not even imported; with it, errors go
    to Sentry without personal data, request bodies or local variables."""
    code = SETUP + "import sys; print('sentry_sdk' in sys.modules)"
    key = "x" * 50
    without = run_with("config.settings.base", code, DJANGO_SECRET_KEY=key)
    assert without.stdout.strip() == "False"
    code = (
        SETUP + "import sentry_sdk; o = sentry_sdk.get_client().options; "
        "print(o['dsn'], o['send_default_pii'], o['max_request_body_size'], "
        "o['include_local_variables'])"
    )
    dsn = "https://public@sentry.example.invalid/1"
    given = run_with(
        "config.settings.base", code, DJANGO_SECRET_KEY=key, SENTRY_DSN=dsn
    )
    assert given.returncode == 0, given.stderr
    assert given.stdout.split() == [dsn, "False", "never", "False"]


def test_database_pool_from_the_environment():
    """DATABASE_POOL_MAX_SIZE turns on psycopg's pool (connections not kept by
    Django then); with SQLite it is refused."""
    code = SETUP + (
        "d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d.get('OPTIONS', {}).get('pool'))"
    )
    url = "postgres://u:p@db.example:5432/f"
    key = "x" * 50
    pooled = run_with(
        "config.settings.base",
        code,
        DJANGO_SECRET_KEY=key,
        DATABASE_URL=url,
        DATABASE_POOL_MAX_SIZE="4",
    )
    assert pooled.returncode == 0, pooled.stderr
    assert pooled.stdout.strip() == ("0 {'min_size': 1, 'max_size': 4, 'timeout': 5}")
    plain = run_with(
        "config.settings.base", code, DJANGO_SECRET_KEY=key, DATABASE_URL=url
    )
    assert plain.stdout.strip() == "None None"
    sqlite = run_with(
        "config.settings.base", code, DJANGO_SECRET_KEY=key, DATABASE_POOL_MAX_SIZE="4"
    )
    assert sqlite.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE needs PostgreSQL" in sqlite.stderr


def manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py run with no DJANGO_SETTINGS_MODULE."""
    return run_with("", "", argv=["manage.py", *args])


@pytest.mark.parametrize(
    "command",
    ["db_worker", "send_digests", "close_dialogues", "delete_unattached_uploads"],
)
def test_unattended_commands_need_the_settings_named(command):
    """The worker and the timers' jobs refuse to guess their settings (a worker
    on the development settings would print emails instead of sending them)."""
    result = manage(command)
    assert result.returncode == 1
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr
    assert "config.settings.base" in result.stderr


def test_other_commands_default_to_development():
    result = manage("diffsettings", "--all")
    assert result.returncode == 0, result.stderr
    assert "DEBUG = True" in result.stdout


@pytest.mark.parametrize("target", ["run", "serve"])
def test_make_points_links_at_its_port_and_runs_the_jobs(target):
    """`make run` and `make serve` set FORUM_BASE_URL from PORT and run the
    scheduled jobs beside the worker (no self-rescheduling digest task)."""
    result = subprocess.run(
        ["make", "-n", target, "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    recipe = result.stdout
    assert "FORUM_BASE_URL=http://127.0.0.1:8123" in recipe
    for job in (
        "close_dialogues",
        "send_digests",
        "clearsessions",
        "delete_unattached_uploads",
    ):
        assert f"manage.py {job}" in recipe
    assert "--schedule" not in recipe
