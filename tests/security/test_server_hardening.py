"""What the server does around the pages: the 405 page, refusing to start
without a secret key, and files holding data or secrets closed to other users."""

import os
import signal
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.helpers import signed_in, text
from tests.reliability.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_a_get_to_a_button_address_answers_a_page_that_says_so():
    response = signed_in(UserFactory()).get("/notifications/read/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "does not take that kind of request" in text(response)
    assert "Back to the forum" in text(response)


def test_the_server_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "FORUM_BASE_URL": "http://127.0.0.1:8000",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'forum.sqlite3'}",
    }
    env.pop("DJANGO_SECRET_KEY", None)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--workers", "1", "--bind", "127.0.0.1:0"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr and "ImproperlyConfigured" in done.stderr


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_make_run_keeps_the_database_and_the_cache_private(tmp_path):
    """`make run` started by someone whose umask lets others read new files:
    the SQLite database and the file cache (sessions) it writes are still
    readable by their owner only."""
    if connection.vendor != "sqlite":
        pytest.skip("make run uses SQLite: runs with the SQLite suite")
    port = free_port()
    database = tmp_path / "forum.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "PORT": str(port),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    log = tmp_path / "run.log"
    run = subprocess.Popen(
        ["make", "run", f"PORT={port}", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    try:
        wait_for(port, run, log)
        # A signed-out page read writes the site version into the file cache.
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read()
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(30)
    assert private(database), oct(database.stat().st_mode)
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert cached, log.read_text()[-2000:]
    assert all(private(p) for p in cached)
