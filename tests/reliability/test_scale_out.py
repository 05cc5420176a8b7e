"""Two app servers, one PostgreSQL, one Redis: a change written through one is
seen at once through the other, signed in and signed out (whole-page cache
included), and through nginx in front of both, as deployed. The servers are real
gunicorn processes with the production settings.

Runs on PostgreSQL (skipped on SQLite) and needs redis-server (and nginx for the
test through it): skipped without them, except in CI (CI=true), where it fails
instead.
"""

import re
import subprocess
import time

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.reliability.servers import (
    HOST,
    Browser,
    app_servers,
    database_url_for_tests,
    free_port,
    manage,
    nginx,
    production_env,
    require,
    signed_in_as,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _requirements():
    # The SQLite run skips; make test's PostgreSQL run (required in CI) runs it.
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (make test runs it there)")
    require("redis-server")


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
    env = production_env(
        tmp_path, DATABASE_URL=database_url_for_tests(), REDIS_URL=redis
    )
    with app_servers(env, tmp_path) as ports:
        yield ports, env


def test_behind_nginx_a_reply_shows_at_once_whichever_server_answers(servers, tmp_path):
    """nginx balances over both servers (its upstream with two lines); a reply
    sent through it shows at once on each server, whichever answers, and to
    signed-out readers through nginx within 2 seconds."""
    require("nginx")
    (a, b), env = servers
    topic = TopicFactory(title="Both sides of the valley")
    url = topic.get_absolute_url()
    author = signed_in_as(UserFactory(username="writer"), env["DJANGO_SECRET_KEY"])
    with nginx([a, b], tmp_path / "static", tmp_path) as port:
        visitor = Browser()
        for _ in range(3):
            assert "Across the pass." not in visitor.get(port, url)[1]
        response, _ = author.post(
            port,
            f"/t/{topic.pk}/reply/",
            url,
            {"body": "Across the pass.", "subject": ""},
        )
        assert response.status == 302, response.status
        posted = time.monotonic()
        for _ in range(4):
            assert "Across the pass." in author.get(port, url)[1]
        for server in (a, b):
            assert "Across the pass." in author.get(server, url)[1]
        while "Across the pass." not in visitor.get(port, url)[1]:
            assert time.monotonic() - posted <= 2
            time.sleep(0.05)
    answered_by = set(
        re.findall(
            r" up=127\.0\.0\.1:(\d+) ", (tmp_path / "nginx/access.log").read_text()
        )
    )
    assert answered_by == {str(a), str(b)}


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
    manage(env, "shell", "-c", code)
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
