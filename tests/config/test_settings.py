import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_with(settings: str, code: str, **env) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE", "REDIS_URL"))
    }
    environment.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(
        [sys.executable, "-c", code],
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
