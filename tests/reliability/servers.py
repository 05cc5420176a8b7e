"""Real app servers for tests across processes: gunicorn with the production
settings on free local ports, nginx in front of them as deployed, and a tiny
cookie-keeping HTTP client."""

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PUBLIC_HOST = "localhost"


def require(*programs: str) -> None:
    """Skip the test when one of programs is not installed, or fail it in CI
    (CI=true), where every test must run."""
    missing = [program for program in programs if not shutil.which(program)]
    if not missing:
        return
    reason = f"needs {', '.join(missing)} (apt-get install {' '.join(missing)})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"cannot run in CI: {reason}")
    pytest.skip(reason)


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


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production server (plain HTTP on a local port), its
    static files collected under tmp_path."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY * 4,
        "DJANGO_LOCAL_HTTP": "1",
        "FORUM_BASE_URL": "http://127.0.0.1:8000",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        **overrides,
    }
    env.pop("DJANGO_DEBUG", None)
    manage(env, "collectstatic", "--noinput", "-v0")
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command in its own process; its standard output."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@contextmanager
def app_servers(env: dict[str, str], logs: Path, count: int = 2, threads: int = 1):
    """count gunicorn processes (one worker each, of threads threads) sharing
    what env points them at; yields their ports."""
    ports, processes = [], []
    try:
        for n in range(count):
            port = free_port()
            log = logs / f"server{n}.log"
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
                    *("--workers", "1", "--threads", str(threads)),
                    *("--bind", f"{HOST}:{port}", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            wait_for(port, process, log)
            ports.append(port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


@contextmanager
def nginx(upstreams: list[int], static_root: Path, logs: Path):
    """nginx as the local stack runs it (deploy/nginx, plain HTTP) in front of
    the app servers on ports upstreams; yields its port."""
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "deploy/nginx/local.py", str(logs / "nginx")),
            *("--port", str(port), "--static-root", str(static_root)),
            *(arg for p in upstreams for arg in ("--upstream", f"{HOST}:{p}")),
        ],
        cwd=ROOT,
    )
    try:
        wait_for(port, process, logs / "nginx" / "error.log")
        yield port
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(10)


class Browser:
    """A tiny HTTP client keeping cookies, for one server port at a time; with
    source, connecting from that local address (another client)."""

    def __init__(
        self, cookies: dict[str, str] | None = None, headers=None, source: str = ""
    ):
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self.source = (source, 0) if source else None

    def fetch(self, port: int, method: str, path: str, body=None, headers=None):
        """One request; the response and its body as bytes."""
        connection = http.client.HTTPConnection(
            HOST, port, timeout=30, source_address=self.source
        )
        # One public name for both servers, as behind a load balancer.
        headers = {"Host": PUBLIC_HOST, **self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, data

    def request(self, port: int, method: str, path: str, form=None):
        body = None
        headers = {}
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{PUBLIC_HOST}"
        response, data = self.fetch(port, method, path, body, headers)
        return response, data.decode()

    def send_files(self, port, path, fields, files, headers=None):
        """A multipart form to path, as a browser sends one with files: fields
        is {name: value}, files {name: (file name, bytes, content type)}. The
        response and its body as bytes."""
        boundary = secrets.token_hex(16)
        parts = []
        for name, value in fields.items():
            parts.append(
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (file_name, data, content_type) in files.items():
            head = (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{file_name}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append(head.encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.fetch(
            port,
            "POST",
            path,
            b"".join(parts),
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Origin": f"http://{PUBLIC_HOST}",
                **(headers or {}),
            },
        )

    def get(self, port, path):
        return self.request(port, "GET", path)

    def hidden_fields(self, port, path, form_page) -> dict[str, str]:
        """The hidden fields (CSRF token, submission key) of the form that posts
        to `path` on `form_page`."""
        _, page = self.get(port, form_page)
        form = re.search(
            rf'<form[^>]*action="{re.escape(path)}"[^>]*>(.*?)</form>', page, re.S
        ) or re.search(
            r'<form method="post"(?![^>]*action)[^>]*>(.*?)</form>', page, re.S
        )
        assert form, f"no form posting to {path} on {form_page}:\n{page[-3000:]}"
        hidden = dict(
            re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)
            )
        )
        assert "csrfmiddlewaretoken" in hidden
        return hidden

    def post(self, port, path, form_page, data):
        """Fill in the form that posts to `path` on `form_page`, hidden fields
        included, and send it."""
        hidden = self.hidden_fields(port, path, form_page)
        return self.request(port, "POST", path, {**hidden, **data})


def session_key_for(user) -> str:
    """A database session signed in as user, with this process's SECRET_KEY."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def signed_in_as(user, secret_key: str) -> Browser:
    """A browser holding a database session for user (sessions are shared)."""
    with override_settings(SECRET_KEY=secret_key):
        return Browser({settings.SESSION_COOKIE_NAME: session_key_for(user)})
