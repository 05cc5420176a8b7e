"""Two app servers, one PostgreSQL, one Redis: a change written through one is
seen at once through the other, signed in and signed out (whole-page cache
included). The servers are real gunicorn processes with the production settings.

Runs on PostgreSQL (skipped on SQLite) and needs redis-server: skipped without it,
except in CI (CI=true), where it fails instead.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from tests.factories import CategoryFactory, TopicFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PUBLIC_HOST = "localhost"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _requirements():
    # The SQLite run skips; make test's PostgreSQL run (required in CI) runs it.
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (make test runs it there)")
    if not shutil.which("redis-server"):
        if os.environ.get("CI") == "true":
            pytest.fail("scale-out test cannot run in CI: redis-server is missing")
        pytest.skip("needs redis-server (apt-get install redis-server)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server on {port} did not start:\n{log.read_text()[-3000:]}")


def database_url_for_tests() -> str:
    """DATABASE_URL with the test database's name in place of the real one's."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = settings.DATABASES["default"]["NAME"]
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def redis(tmp_path):
    port = free_port()
    log = tmp_path / "redis.log"
    process = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", HOST),
            *("--save", "", "--appendonly", "no", "--dir", str(tmp_path)),
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for(port, process, log)
    yield f"redis://{HOST}:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture
def servers(tmp_path, redis):
    """Two gunicorn processes (one worker each) sharing the database and Redis."""
    static_root = tmp_path / "static"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY * 4,
        "DJANGO_LOCAL_HTTP": "1",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": redis,
    }
    env.pop("DJANGO_DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ports, processes = [], []
    for n in range(2):
        port = free_port()
        log = tmp_path / f"server{n}.log"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
                *(
                    "--workers",
                    "1",
                    "--bind",
                    f"{HOST}:{port}",
                    "--log-level",
                    "warning",
                ),
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        wait_for(port, process, log)
        ports.append(port)
    yield ports, env
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(10)


class Browser:
    """A tiny HTTP client keeping cookies, for one server port at a time."""

    def __init__(self, cookies: dict[str, str] | None = None):
        self.cookies = dict(cookies or {})

    def request(self, port: int, method: str, path: str, form=None):
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        # One public name for both servers, as behind a load balancer.
        headers = {"Host": PUBLIC_HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{PUBLIC_HOST}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, text

    def get(self, port, path):
        return self.request(port, "GET", path)

    def post(self, port, path, form_page, data):
        """Fill in the form that posts to `path` on `form_page`, hidden fields
        (CSRF token, submission key) included, and send it."""
        _, page = self.get(port, form_page)
        form = re.search(
            rf'<form[^>]*action="{re.escape(path)}"[^>]*>(.*?)</form>', page, re.S
        ) or re.search(
            r'<form method="post"(?![^>]*action)[^>]*>(.*?)</form>', page, re.S
        )
        assert form, f"no form posting to {path} on {form_page}"
        hidden = dict(
            re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)
            )
        )
        assert "csrfmiddlewaretoken" in hidden
        return self.request(port, "POST", path, {**hidden, **data})


def signed_in_as(user, secret_key: str) -> Browser:
    """A browser holding a database session for user (sessions are shared)."""
    from django.test import override_settings

    with override_settings(SECRET_KEY=secret_key):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    return Browser({settings.SESSION_COOKIE_NAME: session.session_key})


def test_a_change_through_one_server_shows_at_once_on_the_other(servers):
    """Write through server A; server B shows it at once, to a signed-in reader
    and to a signed-out reader whose page B had cached."""
    (a, b), env = servers
    secret_key = env["DJANGO_SECRET_KEY"]
    category = CategoryFactory(name="Shared dialogues", slug="shared")
    topic = TopicFactory(category=category, title="Across machines")
    writer = UserFactory(username="writer", display_name="Writer One")
    reader = UserFactory(username="reader")
    url = topic.get_absolute_url()

    visitor = Browser()
    for port in (a, b):
        visitor.get(port, url)
    response, page = visitor.get(b, url)
    assert response.getheader("X-Page-Cache") == "hit"
    assert "Written on server A" not in page

    author = signed_in_as(writer, secret_key)
    response, _ = author.post(
        a,
        f"/t/{topic.pk}/reply/",
        url,
        {"body": "Written on server A.", "subject": ""},
    )
    assert response.status == 302, response.status

    response, page = visitor.get(b, url)
    assert response.getheader("X-Page-Cache") == "miss"
    assert "Written on server A." in page
    assert "Written on server A." in signed_in_as(reader, secret_key).get(b, url)[1]
    assert "Written on server A." in author.get(b, url)[1]

    # A profile change through B reaches A's cached signed-out page.
    visitor.get(a, url)
    assert visitor.get(a, url)[0].getheader("X-Page-Cache") == "hit"
    response, _ = author.post(
        b,
        reverse("accounts:edit_profile"),
        reverse("accounts:edit_profile"),
        {"display_name": "Writer Renamed", "signature": "From the coast"},
    )
    assert response.status == 302, response.status
    response, page = visitor.get(a, url)
    assert "Writer Renamed" in page
    assert "From the coast" in page

    # A lock written by a third process (a command on another machine).
    code = (
        "from forum import services; from forum.models import Topic; "
        f"services.set_topic_locked(topic=Topic.objects.get(pk={topic.pk}), "
        "locked=True)"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
    )
    for port in (a, b):
        assert "Topic locked" in visitor.get(port, url)[1]


def test_rate_limits_are_shared_between_servers(servers):
    """Failed sign-ins are counted in Redis: five failures spread over the two
    servers lock the account on both (per server, each saw fewer than five)."""
    (a, b), _ = servers
    UserFactory(username="target")
    login = reverse("account_login")

    def attempt(port, password):
        return Browser().post(
            port, login, login, {"login": "target", "password": password}
        )

    for n in range(5):
        _, page = attempt((a, b)[n % 2], f"wrong-{n}")
        assert "Too many failed login attempts" not in page
    for port in (a, b):
        _, page = attempt(port, "correct-horse-battery")
        assert "Too many failed login attempts" in page
