"""The production stack as `make stack` runs it (scripts/stack): nginx with the
shipped server block in front of gunicorn with the production settings, Redis,
the worker and the timers' jobs, driven through nginx only. Mail goes to files
(Django's file-based backend), read as a person would read their inbox.

Runs on PostgreSQL (skipped on SQLite) and needs nginx and redis-server: skipped
without them, except in CI (CI=true), where it fails instead.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from attachments.models import Attachment
from forum.models import Category, Post
from moderation.models import Member
from notifications import services as notifications
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.helpers import configure
from tests.reliability.servers import (
    HOST,
    ROOT,
    Browser,
    app_servers,
    database_url_for_tests,
    free_port,
    manage,
    nginx,
    production_env,
    require,
    signed_in_as,
)

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_KEY = "stack-test-" + "k" * 50


def require_postgresql():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (make test runs it there)")


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """scripts/stack on the test database, started once for this module's tests
    (each makes its own rows); yields (nginx's port, its environment, the folder
    the mails are written to)."""
    require_postgresql()
    require("nginx", "redis-server")
    tmp_path = tmp_path_factory.mktemp("stack")
    port = free_port()
    mail = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "PORT": str(port),
        "STACK_WORKERS": "2",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        "ATTACHMENTS_DIR": str(tmp_path / "uploads"),
    }
    env.pop("REDIS_URL", None)
    log = tmp_path / "stack.log"
    process = subprocess.Popen(
        ["bash", "scripts/with-redis", "bash", "scripts/stack"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while process.poll() is None and time.monotonic() < deadline:
            if "Serving the production stack" in log.read_text():
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"the stack did not start:\n{log.read_text()[-3000:]}")
        # The same settings as the stack's own commands, for the timers' jobs.
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.base",
            DJANGO_LOCAL_HTTP="1",
            TRUSTED_PROXY_COUNT="1",
            FORUM_BASE_URL=f"http://127.0.0.1:{port}",
        )
        env.pop("DJANGO_DEBUG", None)
        yield port, env, mail
    finally:
        # Ctrl-C in a terminal: the whole group is told to stop.
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


def mails(folder: Path) -> str:
    return "".join(f.read_text() for f in sorted(folder.glob("*.log")))


def read_until(visitor: Browser, port: int, path: str, text: str) -> float:
    """Seconds until a signed-out reader sees text on path (at most 5)."""
    start = time.monotonic()
    while time.monotonic() - start < 5:
        if text in visitor.get(port, path)[1]:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not shown on {path} after 5 s")


def test_sign_up_post_and_read_through_nginx(stack):
    """Through nginx: a newcomer signs up, confirms their address from the mail,
    and replies; signed-out readers get the page from nginx's cache and see the
    reply within 2 seconds; signed-in pages are never kept; the digest command
    the timer runs mails the reply to its follower."""
    port, env, mail = stack
    topic = TopicFactory(
        category=CategoryFactory(name="Open dialogues", slug="open"),
        title="Listening across the river",
    )
    url = topic.get_absolute_url()
    follower = UserFactory(username="follower", email="follower@example.org")
    notifications.set_topic_watch(user=follower, topic=topic, level="digest")
    # Their digest hour is the present one (UTC, their time zone).
    notifications.update_settings(user=follower, digest_hour=timezone.now().hour)

    newcomer = Browser()
    signup = reverse("account_signup")
    response, _ = newcomer.post(
        port,
        signup,
        signup,
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a long walk by the river",
            "password2": "a long walk by the river",
        },
    )
    assert response.status == 302, response.status
    confirm = re.search(
        r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", mails(mail)
    )
    assert confirm, mails(mail)
    # The page signs the key anew each second (a timestamp in it): its form is
    # sent where it says, from the one page read.
    _, page = newcomer.get(port, confirm.group(1))
    action = re.search(r'action="(/accounts/confirm-email/[^"]+/)"', page).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response, _ = newcomer.request(port, "POST", action, {"csrfmiddlewaretoken": token})
    assert response.status == 302, response.status
    assert settings.SESSION_COOKIE_NAME in newcomer.cookies

    visitor = Browser()
    response, page = visitor.get(port, url)
    assert response.status == 200
    assert response.getheader("X-Cache-Status") == "MISS"
    response, page = visitor.get(port, url)
    assert response.getheader("X-Cache-Status") == "HIT"
    assert "Listening across the river" in page
    # Past its second (counted by nginx in whole seconds: under 2 s), the kept
    # page is checked with the app by its ETag.
    time.sleep(2.05)
    assert visitor.get(port, url)[0].getheader("X-Cache-Status") == "REVALIDATED"

    response, _ = newcomer.post(
        port, f"/t/{topic.pk}/reply/", url, {"body": "Bridges first.", "subject": ""}
    )
    assert response.status == 302, response.status
    assert read_until(visitor, port, url, "Bridges first.") <= 2

    for _ in range(2):
        response, page = newcomer.get(port, url)
        assert response.getheader("X-Cache-Status") == "BYPASS"
        assert "private" in response.getheader("Cache-Control")
        assert "newcomer" in page

    # What forum-send-digests.timer runs; it queues the digest for the worker.
    manage(env, "send_digests")
    deadline = time.monotonic() + 30
    while True:
        digest = [
            f.read_text()
            for f in mail.glob("*.log")
            if "To: follower@example.org" in f.read_text()
        ]
        if digest or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(digest) == 1
    assert "Bridges first." in digest[0]


def test_bad_requests_through_nginx_get_clear_answers(stack):
    """A forged X-Forwarded-For does not move a client out of its limits (another
    client still is served); a Host not allowed gets the 400 page; a body over
    the limit gets the 413 page from nginx and stores nothing."""
    port, _, _ = stack
    for n in range(20):
        forger = Browser(headers={"X-Forwarded-For": f"198.51.100.{n}"})
        assert forger.get(port, f"/search/?q=river+{n}")[0].status == 200
    forger = Browser(headers={"X-Forwarded-For": "198.51.100.99"})
    response, _ = forger.get(port, "/search/?q=river+again")
    assert response.status == 429
    assert 1 <= int(response.getheader("Retry-After")) <= 60
    other = Browser(source="127.0.0.2")
    assert other.get(port, "/search/?q=river+again")[0].status == 200

    response, page = Browser(headers={"Host": "forum.evil.example"}).get(port, "/")
    assert response.status == 400
    assert "That request could not be understood" in page

    topic = TopicFactory(title="Short answers")
    url = topic.get_absolute_url()
    writer = signed_in_as(UserFactory(username="writer"), SECRET_KEY)
    response, page = writer.post(
        port, f"/t/{topic.pk}/reply/", url, {"body": "x" * (512 * 1024), "subject": ""}
    )
    assert response.status == 413
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "That was too large to send" in page
    assert Post.objects.filter(topic=topic).count() == 1


def jpeg() -> bytes:
    """A phone photo, as far as the forum can tell."""
    out = BytesIO()
    Image.linear_gradient("L").resize((1200, 900)).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def test_attachments_through_nginx(stack):
    """A member's photo in a members-only category: uploaded through nginx, then
    sent by nginx from the attachments directory once the app has checked who
    asks (X-Accel-Redirect, never shown to the client, nothing cached on the
    way); outsiders, and anyone asking for the internal location itself, get a
    404. A body past nginx's limit gets its 413 page; a file within it but past
    the app's per-file limit gets the forum's own refusal."""
    port, env, _ = stack
    circle = configure(
        CategoryFactory(name="Circle", slug="circle"),
        visibility=Category.Visibility.PRIVATE,
    )
    member = UserFactory(username="nadia")
    Member.objects.create(user=member, category=circle)
    topic = TopicFactory(category=circle, author=member, title="Our market")
    reply = f"/t/{topic.pk}/reply/"
    browser = signed_in_as(member, SECRET_KEY)
    token = browser.hidden_fields(port, reply, reply)["csrfmiddlewaretoken"]
    form = {"csrfmiddlewaretoken": token, "kind": "reply", "target": topic.pk}
    as_script = {"Accept": "application/json"}

    response, answer = browser.send_files(
        port,
        "/uploads/",
        {**form, "description": "A market stall under a blue awning"},
        {"attachment": ("IMG_2041.jpg", jpeg(), "image/jpeg")},
        as_script,
    )
    assert response.status == 201, answer
    markdown = json.loads(answer)["markdown"]
    response, _ = browser.post(
        port, reply, reply, {"body": f"The market:\n\n{markdown}", "subject": ""}
    )
    assert response.status == 302, response.status
    attachment = Attachment.objects.get(owner=member, post__isnull=False)

    uploads = Path(env["ATTACHMENTS_DIR"])
    large = f"/a/{attachment.pk}/"
    thumbnail = f"/a/{attachment.pk}/thumb/"
    for path, name, content_type in [
        (thumbnail, attachment.thumbnail.name, "image/webp"),
        (large, attachment.file.name, attachment.content_type),
    ]:
        # Twice: a second answer is no more from a cache than the first.
        for _ in range(2):
            response, body = browser.fetch(port, "GET", path)
            assert response.status == 200, path
            assert body == (uploads / name).read_bytes()
            assert response.getheader("Content-Type") == content_type
            assert response.getheader("Content-Disposition") == "inline"
            assert response.getheader("X-Content-Type-Options") == "nosniff"
            assert response.getheader("Content-Security-Policy") == (
                "default-src 'none'; sandbox"
            )
            assert response.getheader("Cross-Origin-Resource-Policy") == "same-origin"
            assert "private" in response.getheader("Cache-Control")
            assert response.getheader("X-Accel-Redirect") is None
    # nginx sent it from the directory, not the app: it answers a range.
    response, body = browser.fetch(port, "GET", large, headers={"Range": "bytes=0-9"})
    assert response.status == 206
    assert body == (uploads / attachment.file.name).read_bytes()[:10]
    webp = (uploads / attachment.thumbnail.name).read_bytes()
    assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP"

    outsiders = [Browser(), signed_in_as(UserFactory(), SECRET_KEY)]
    for outsider in outsiders:
        for path in (large, thumbnail):
            assert outsider.fetch(port, "GET", path)[0].status == 404, path
    for person in [*outsiders, browser]:
        for name in (attachment.file.name, attachment.thumbnail.name):
            response, _ = person.fetch(port, "GET", f"/_attachments/{name}")
            assert response.status == 404

    response, page = browser.send_files(
        port,
        "/uploads/",
        form,
        {"attachment": ("film.mp4", bytes(11 * 1024 * 1024), "video/mp4")},
        as_script,
    )
    assert response.status == 413
    assert "an attached file at most 8 MB" in page.decode()

    too_large = (
        port,
        "/uploads/",
        {**form, "description": "A very large photo"},
        {"attachment": ("large.jpg", bytes(9 * 1024 * 1024), "image/jpeg")},
        as_script,
    )
    try:
        response, answer = browser.send_files(*too_large)
    except http.client.RemoteDisconnected:
        # Seen once, in a fresh `make test` on a fully loaded machine: the
        # connection closed without an answer right after the 413 above. Not yet
        # understood; the refusal must still come when the file is sent again.
        response, answer = browser.send_files(*too_large)
    assert response.status == 400
    assert json.loads(answer) == {
        "error": "This file is too large: a file can be at most 8 MB."
    }
    assert Attachment.objects.filter(owner=member).count() == 1


def test_a_slow_client_holds_no_app_worker(tmp_path):
    """A client sending its post slowly keeps nginx waiting, not the app: behind
    nginx, the one sync worker of an app server serves another reader meanwhile."""
    require_postgresql()
    require("nginx")
    env = production_env(tmp_path, DATABASE_URL=database_url_for_tests())
    url = TopicFactory(title="Patience").get_absolute_url()
    with (
        app_servers(env, tmp_path, count=1) as [app],
        nginx([app], tmp_path / "static", tmp_path) as port,
        socket.create_connection((HOST, port)) as slow,
    ):
        # With a CSRF cookie, Django reads the form for its token: the body.
        slow.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\nlogin=half+of+what+it+said"
        )
        time.sleep(0.5)
        start = time.monotonic()
        response, page = Browser().get(port, url)
        assert response.status == 200
        assert "Patience" in page
        assert time.monotonic() - start < 5
