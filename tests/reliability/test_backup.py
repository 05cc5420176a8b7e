"""`make backup` and `make restore` round trip: a forum is backed up, changed, and
restored to exactly what it was, table by table and row by row, with its
uploaded files.

The round trip runs on a scratch database of the suite's engine (a file on SQLite,
a separate database on the same PostgreSQL server), built by `manage.py migrate`
and filled through the services in subprocesses, as the scripts would find a
production database."""

import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.db import connection

from tests.reliability.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
DATA = "tests.reliability.backup_data"


# Tests of the scripts themselves on a SQLite file, whatever database the suite
# runs on: once, in the SQLite run.
on_a_sqlite_file = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="works on a SQLite file whatever the suite's database: runs with the "
    "SQLite suite",
)


def run(args: list[str], env: dict, timeout: int = 180) -> str:
    """Run a command in the project; fail the test with its output if it fails."""
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (
        f"{' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def run_script(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run a script that must succeed; its notes (stderr) are for the test."""
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done


def manage(env: dict, *args: str) -> str:
    return run([sys.executable, "manage.py", *args], env)


def call(env: dict, *functions: str, printed: str = "SNAPSHOT") -> dict:
    """Run functions of backup_data in one process; return the JSON printed
    after the word printed (the snapshot, by default)."""
    code = f"import {DATA} as data; " + "; ".join(f"data.{f}()" for f in functions)
    out = manage(env, "shell", "-c", code)
    lines = [line for line in out.splitlines() if line.startswith(f"{printed} ")]
    return json.loads(lines[0].removeprefix(f"{printed} ")) if lines else {}


def scratch_env(url: str, backups: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        BACKUP_DIR=str(backups),
        PYTHON=sys.executable,
        # One uploads directory for every process of the test, and for the
        # scripts, which ask the settings where it is.
        FORUM_TEST_ATTACHMENTS_DIR=str(uploads_dir(backups)),
    )
    return env


def uploads_dir(backups: Path) -> Path:
    return backups.parent / "uploads"


def files_in(directory: Path) -> dict[str, str]:
    """Each file under directory (its path from there) with a hash of its bytes."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def postgres_tools_or_skip() -> None:
    if shutil.which("pg_dump") or list(Path("/usr/lib/postgresql").glob("*/bin")):
        return
    message = "pg_dump is not installed: the PostgreSQL backup round trip is skipped"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true requires it)")
    pytest.skip(message)


@pytest.fixture
def scratch_database(tmp_path):
    """The URL of an empty database of the suite's engine, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'forum.sqlite3'}", "sqlite3"
        return
    postgres_tools_or_skip()
    server_url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(server_url)
    name = f"forum_backup_{uuid.uuid4().hex[:12]}"
    server = psycopg.connect(
        dbname="postgres",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        autocommit=True,
    )
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urllib.parse.urlsplit(server_url)
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), "dump"
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def test_backup_and_restore_round_trip(scratch_database, tmp_path):
    """A restored backup equals the forum at backup time in every table, even
    after posts, an account deletion and moderation changes in between; the
    restored forum takes new writes."""
    url, suffix = scratch_database
    env = scratch_env(url, tmp_path / "backups")
    manage(env, "migrate", "--no-input", "-v", "0")
    before = call(env, "build", "snapshot")
    uploads = uploads_dir(tmp_path / "backups")
    files_before = files_in(uploads)
    # The photo, as stored and as its thumbnail.
    assert len(files_before) == 2
    served_before = call(env, "served", printed="SERVED")
    assert [status for status, _ in served_before.values()] == [200]

    written = run(["bash", "scripts/backup"], env).strip().splitlines()[-1]
    backup = Path(written)
    assert backup.parent == tmp_path / "backups"
    assert re.fullmatch(rf"forum-\d{{8}}T\d{{6}}Z\.{suffix}", backup.name)
    assert backup.stat().st_size > 0
    archive = backup.with_suffix(".uploads.tar")
    assert archive.stat().st_size > 0
    # Every account, post and uploaded file is in them: readable by their
    # owner only.
    for written_file in (backup, archive):
        assert stat.S_IMODE(written_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.parent.stat().st_mode) == 0o700
    assert not list(backup.parent.glob("*.partial"))

    changed = call(env, "change", "snapshot")
    differing = sorted(t for t in before if before[t] != changed.get(t))
    assert {"accounts_user", "forum_post", "moderation_auditentry"} <= set(differing)
    # Rosa's photo went with her account; the admin's came after the backup.
    files_changed = files_in(uploads)
    assert len(files_changed) == 2
    assert not set(files_changed) & set(files_before)

    run(["bash", "scripts/restore", str(backup)], env)
    after = call(env, "snapshot")

    assert after == before
    assert files_in(uploads) == files_before
    assert stat.S_IMODE(uploads.stat().st_mode) == 0o700
    assert call(env, "served", printed="SERVED") == served_before
    assert not [p for p in uploads.parent.iterdir() if ".restoring." in p.name]
    call(env, "change")
    rows = sum(count for count, _ in before.values())
    filled = sum(1 for count, _ in before.values() if count)
    print(
        f"\nbackup round trip ({connection.vendor}): {len(before)} tables "
        f"({filled} with rows), {rows} rows, identical"
    )


@on_a_sqlite_file
def test_restore_refuses_a_missing_or_foreign_file(tmp_path):
    """Restoring from a file that is missing or of the other engine changes
    nothing and says why."""
    env = scratch_env(f"sqlite:///{tmp_path / 'forum.sqlite3'}", tmp_path)
    stray = tmp_path / "forum-20250101T000000Z.dump"
    stray.write_text("not a backup")
    for file, message in [
        (tmp_path / "absent.sqlite3", "no such file"),
        (stray, "does not look like a sqlite backup"),
    ]:
        done = subprocess.run(
            ["bash", "scripts/restore", str(file)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert message in done.stderr
    assert not (tmp_path / "forum.sqlite3").exists()


@on_a_sqlite_file
def test_a_backup_without_an_uploads_archive_leaves_the_files(tmp_path):
    """A backup made before files were archived with it (or whose archive was
    not copied) restores the database and leaves the uploaded files alone."""
    env = scratch_env(f"sqlite:///{tmp_path / 'forum.sqlite3'}", tmp_path / "b")
    manage(env, "migrate", "--no-input", "-v", "0")
    backup = Path(run(["bash", "scripts/backup"], env).strip().splitlines()[-1])
    backup.with_suffix(".uploads.tar").unlink()
    kept = uploads_dir(tmp_path / "b") / "2026" / "kept.webp"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"kept")
    done = run_script(["bash", "scripts/restore", "--yes", str(backup)], env)
    assert "the uploaded files are left as they are" in done.stderr
    assert kept.read_bytes() == b"kept"


@on_a_sqlite_file
def test_with_s3_storage_the_backup_leaves_the_files_to_the_bucket(tmp_path):
    """Files in an S3-compatible bucket are not archived: the bucket's own
    versioning or backups keep them, and the backup says so."""
    env = scratch_env(f"sqlite:///{tmp_path / 'forum.sqlite3'}", tmp_path / "b")
    # The test settings always keep files on disk: the development ones read
    # ATTACHMENTS_S3_BUCKET as production does (nothing reaches the bucket).
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        ATTACHMENTS_S3_BUCKET="forum-uploads",
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    done = run_script(["bash", "scripts/backup"], env)
    assert "kept in S3Storage storage: not in this backup" in done.stderr
    assert [p.suffix for p in (tmp_path / "b").iterdir()] == [".sqlite3"]


def shell(env: dict, code: str) -> str:
    return manage(env, "shell", "-c", f"import {DATA} as data; {code}")


@pytest.fixture
def running_site(scratch_database, tmp_path):
    """The scratch forum served by gunicorn with the production settings (one
    worker, so one process's own cache), as `make serve` runs it."""
    url, _ = scratch_database
    env = scratch_env(url, tmp_path / "backups")
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_SECRET_KEY="restore-test-" + uuid.uuid4().hex * 2,
        DJANGO_LOCAL_HTTP="1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        FORUM_BASE_URL="http://127.0.0.1:8000",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        ATTACHMENTS_DIR=str(uploads_dir(tmp_path / "backups")),
    )
    env.pop("DJANGO_DEBUG", None)
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    shell(env, "data.build()")
    port = free_port()
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--workers", "1", "--bind", f"127.0.0.1:{port}"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(port, server, log)
        yield env, port
    finally:
        server.terminate()
        server.wait(10)


def fetched(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def title_shown(port: int, path: str, session: str = "") -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    page = response.read().decode()
    assert response.status == 200, page[-2000:]
    return re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1].strip()


def test_a_site_left_running_serves_only_the_restored_data(running_site):
    """A restore while the site runs: what was cached from the data the restore
    removed is never served again, signed out or signed in, even when the
    restored rows reach the same versions again by new writes; an uploaded
    photo deleted since the backup is served again."""
    env, port = running_site
    first, (later, after) = "Trust in towns", data_titles()
    found = f"data.Topic.objects.get(title={first!r}).get_absolute_url()"
    topic_path = re.search(r"PATH (\S+)", shell(env, f"print('PATH', {found})"))[1]
    signing_in = shell(env, "data.sign_in_session('tomas')")
    session = re.search(r"SESSION (\w+)", signing_in)[1]
    (photo,) = call(env, "photo_urls", printed="URLS")
    status, photo_bytes = fetched(port, photo)
    assert status == 200 and photo_bytes
    backup = Path(run(["bash", "scripts/backup"], env).strip().splitlines()[-1])

    shell(env, f"data.retitle({later!r}); data.delete_photos()")
    assert title_shown(port, topic_path) == later
    assert title_shown(port, topic_path, session) == later
    assert fetched(port, photo)[0] == 404

    run(["bash", "scripts/restore", str(backup)], env)
    # The sign-in was made before the backup: it holds after the restore.
    assert title_shown(port, topic_path) == first
    assert title_shown(port, topic_path, session) == first
    assert fetched(port, photo) == (200, photo_bytes)

    # The restored topic is at the version the removed title was served under.
    shell(env, f"data.retitle({after!r})")
    assert title_shown(port, topic_path) == after
    assert title_shown(port, topic_path, session) == after


def data_titles() -> list[str]:
    return ["Trust in towns, later", "Trust in towns, after the restore"]
