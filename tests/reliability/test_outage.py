"""With the database gone, pages answer a styled 503, never a traceback; a form
sent meanwhile comes back with its text; the site recovers by itself."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

from config.middleware import is_database_unavailable

from . import ON_POSTGRES, PASSWORD, HttpSession

ROOT = Path(__file__).resolve().parents[2]
NASTY = '<script>alert("x")</script> & Tom\'s "reply"'
NASTY_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Tom&#x27;s"
NOT_SAVED = "Your text was not saved; copy it or send it again when the forum is back"


def database_down(*args, **kwargs):
    raise OperationalError(
        'connection failed: connection to server on socket "/run/.s.PGSQL.5432" '
        "failed: No such file or directory"
    )


# --- the middleware, on either database ---------------------------------------


def test_reply_during_an_outage_comes_back_with_its_text(member_client, topic):
    """A reply that meets a database error answers 503 with the text, escaped, to
    copy, and a link back to the form."""
    url = reverse("forum:reply", args=[topic.pk])
    with mock.patch("forum.services.post_reply", side_effect=database_down):
        response = member_client.post(
            url,
            {
                "subject": "On <trust>",
                "body": NASTY,
                "named_in_exports": "yes",
                "post": "1",
            },
        )
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "temporarily unavailable" in page
    assert NOT_SAVED in page
    assert NASTY_ESCAPED in page
    assert "<script>" not in page
    assert 'value="On &lt;trust&gt;"' in page
    assert f'<a href="{url}">Try again</a>' in page
    assert "Traceback" not in page


def test_page_during_an_outage_is_a_styled_503(client):
    """A page that cannot reach the database answers the 503 page, no form text."""
    with mock.patch("forum.queries.index_page", side_effect=database_down):
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "<style>" in page
    assert "The forum is temporarily unavailable" in page
    assert "<textarea" not in page
    assert "Traceback" not in page


def test_database_failure_inside_another_middleware_answers_503(topic):
    """A database error raised by a middleware below (here the session's) is
    answered by the 503 page too, not by the 500 page."""
    client = Client(raise_request_exception=False)
    with mock.patch.object(
        SessionMiddleware, "process_request", side_effect=database_down
    ):
        response = client.post(
            reverse("forum:reply", args=[topic.pk]), {"body": "Kept for later."}
        )
    assert response.status_code == 503
    assert NOT_SAVED in response.content.decode()
    assert "Kept for later." in response.content.decode()


def test_other_errors_stay_500_without_traceback(client, settings):
    """Other failures keep the plain 500 page; with DEBUG off it shows no
    traceback."""
    settings.DEBUG = False
    client.raise_request_exception = False
    with mock.patch("forum.queries.index_page", side_effect=ValueError("boom")):
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "Traceback" not in page
    assert "boom" not in page


def test_wrapped_database_errors_count_as_unavailable():
    """An error raised from a database error means the database is unavailable;
    other errors do not."""
    try:
        try:
            database_down()
        except OperationalError as error:
            raise RuntimeError("could not load the page") from error
    except RuntimeError as wrapped:
        assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(ValueError("boom"))
    assert not is_database_unavailable(None)


# --- a real outage: own PostgreSQL cluster, gunicorn, production settings ---------


def _bindir() -> Path | None:
    """The PostgreSQL server binaries, found as scripts/with-postgres finds them."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    if shutil.which("pg_config"):
        result = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
        reverse=True,
    )
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """A private cluster in base, listening only on a Unix socket; as root, its
    server runs as the postgres user."""

    def __init__(self, base: Path, bindir: Path):
        self.base = base
        self.bindir = bindir
        self.data = base / "data"
        self.socket_dir = base / "run"
        self.log = base / "server.log"
        self.port = _free_port()
        self.as_postgres = (
            ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        )

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_postgres, str(self.bindir / args[0]), *args[1:]],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{what} failed:\n{result.stdout}{result.stderr}{log}")

    def create(self) -> None:
        self.socket_dir.mkdir(mode=0o700)
        if self.as_postgres:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres")
        args = ["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        args += ["--no-sync", "-E", "UTF8"]
        result = self._run(*args, "--locale=C.UTF-8")
        if result.returncode != 0:
            shutil.rmtree(self.data, ignore_errors=True)
            result = self._run(*args, "--locale=C")
        self._check(result, "initdb")
        self.start()
        self._check(
            self._run(
                "createdb",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "forum",
            ),
            "createdb",
        )

    def start(self) -> None:
        options = (
            f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._check(
            self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start",
            ),
            "pg_ctl start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._check(
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"),
            "pg_ctl stop",
        )

    def destroy(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        if pid_file.exists():
            pid = pid_file.read_text().split("\n", 1)[0].strip()
            if pid.isdigit():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)

    @property
    def url(self) -> str:
        host = urllib.parse.quote(str(self.socket_dir), safe="")
        return f"postgres://postgres@{host}:{self.port}/forum"


SEED = f"""
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from accounts.services import create_user
from forum import services
user = create_user(username="writer", email="writer@example.org", password={PASSWORD!r})
User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=30))
category = services.create_category(name="Dialogues", slug="dialogues")
topic = services.create_topic(
    category=category, author=user, title="Outage drill", body="Opening post."
)
print("TOPIC", topic.pk)
"""


def _wait_until_serving(session: HttpSession, server: subprocess.Popen, log: Path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
        try:
            if session.get("/robots.txt").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")


def _assert_unavailable_page(answer, what: str) -> None:
    assert answer.status == 503, f"{what}: {answer.status} {answer.text[:500]}"
    assert answer.headers.get("Retry-After") == "30", what
    assert "The forum is temporarily unavailable" in answer.text, what
    assert "Traceback" not in answer.text, what


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the outage drill stops a PostgreSQL server: run it on PostgreSQL "
    "(make test, or scripts/with-postgres)",
)
def test_outage_drill_over_http_recovers_without_restart():
    """With PostgreSQL stopped under a running gunicorn (production settings),
    pages answer the 503 page and a reply comes back with its text; once
    PostgreSQL is back, the same server answers 200 and takes replies again."""
    bindir = _bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to run a drill")
    base = Path(tempfile.mkdtemp(prefix="forum-outage-"))
    postgres = ThrowawayPostgres(base, bindir)
    server = None
    server_log = base / "gunicorn.log"
    figures: list[str] = []
    try:
        postgres.create()

        # Production settings, only with STATIC_ROOT in the drill's directory so
        # collectstatic leaves the project's tree alone.
        settings_dir = base / "settings"
        settings_dir.mkdir()
        (settings_dir / "drill_settings.py").write_text(
            "from config.settings.base import *  # noqa: F403\n"
            f"STATIC_ROOT = {str(base / 'static')!r}\n"
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="drill_settings",
            DJANGO_SECRET_KEY="drill-" + "x" * 50,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            FORUM_BASE_URL="http://127.0.0.1:8000",
            DATABASE_URL=postgres.url,
            PYTHONPATH=os.pathsep.join([str(settings_dir), str(ROOT)]),
        )

        def manage(*args: str) -> str:
            result = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, (
                f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}"
            )
            return result.stdout

        manage("migrate", "--noinput")
        manage("createcachetable")
        manage("collectstatic", "--noinput")
        seeded = manage("shell", "-c", SEED)
        topic_pk = int(seeded.split("TOPIC", 1)[1].split()[0])
        topic_url = f"/t/{topic_pk}/"
        reply_url = f"/t/{topic_pk}/reply/"

        port = _free_port()
        with server_log.open("w") as log:
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "config.wsgi:application",
                    "--bind", f"127.0.0.1:{port}",
                    "--workers", "2",
                    "--timeout", "60",
                    "--access-logfile", "-",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        browser = HttpSession(f"http://127.0.0.1:{port}", https=True)
        _wait_until_serving(browser, server, server_log)

        # The database is up.
        before = [browser.get(path).status for path in ("/", topic_url)]
        assert before == [200, 200], server_log.read_text()
        browser.sign_in("writer")
        token = browser.csrf_token(reply_url)
        figures.append(f"before: GET {before}")

        postgres.stop()
        anonymous = HttpSession(f"http://127.0.0.1:{port}", https=True)
        during = []
        # Several requests, so that every worker meets the outage. (The reply
        # form sends a visitor who is not signed in to the login page, which
        # needs no database: only the signed-in writer asks for it.)
        for path in ("/", topic_url, "/c/dialogues/", reply_url, "/", topic_url):
            for who in (browser, anonymous) if path != reply_url else (browser,):
                answer = who.get(path)
                _assert_unavailable_page(answer, f"GET {path} during the outage")
                during.append(answer.status)
        sent = browser.post(
            reply_url,
            {
                "csrfmiddlewaretoken": token,
                "subject": "Sent in the dark",
                "body": NASTY,
                "named_in_exports": "yes",
                "post": "1",
            },
        )
        _assert_unavailable_page(sent, "reply during the outage")
        assert NOT_SAVED in sent.text
        assert NASTY_ESCAPED in sent.text
        assert "<script>" not in sent.text
        assert 'value="Sent in the dark"' in sent.text
        figures.append(f"during: GET {during}, POST reply {sent.status}")

        postgres.start()
        after = []
        for path in ("/", topic_url, "/c/dialogues/", "/", topic_url, "/"):
            answer = browser.get(path)
            assert answer.status == 200, (
                f"GET {path} after recovery: {answer.status}\n{server_log.read_text()}"
            )
            after.append(answer.status)
        token = browser.csrf_token(reply_url)
        again = browser.post(
            reply_url,
            {
                "csrfmiddlewaretoken": token,
                "body": "Back after the outage.",
                "named_in_exports": "yes",
                "post": "1",
            },
        )
        assert again.status == 302, f"{again.status} {again.text[:500]}"
        shown = browser.get(topic_url)
        assert "Back after the outage." in shown.text
        assert server.poll() is None, "the app server restarted or died"
        figures.append(f"after: GET {after}, POST reply {again.status}")
        print("outage drill (gunicorn, 2 workers): " + "; ".join(figures))
    except BaseException:
        if server_log.exists():
            print("gunicorn log (tail):\n" + server_log.read_text()[-8000:])
        raise
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        postgres.destroy()
        shutil.rmtree(base, ignore_errors=True)
