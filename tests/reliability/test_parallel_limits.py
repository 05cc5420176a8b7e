"""The limits hold exactly under parallel requests spread over two app server
processes: on PostgreSQL without Redis (the cache in its table) and on SQLite
(the cache in files), the configurations where counting in the cache was not
atomic. The servers are real gunicorn processes with the production settings,
behind one (pretended) proxy."""

import math
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from tests.reliability.servers import (
    Browser,
    app_servers,
    database_url_for_tests,
    manage,
    production_env,
)

pytestmark = pytest.mark.django_db(transaction=True)

SETUP = (
    "from tests.factories import TopicFactory, UserFactory; "
    "from tests.reliability.servers import session_key_for; "
    "topic = TopicFactory(title='Trust in parallel'); "
    "print(topic.pk, session_key_for(UserFactory(username='newcomer')))"
)


@pytest.fixture(params=["postgresql", "sqlite"])
def deployment(request, tmp_path):
    """Two servers on one database; yields (ports, topic id, the session of an
    account made today, env)."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if request.param == "postgresql" and not on_postgres:
        pytest.skip("needs PostgreSQL (make test runs it there)")
    if request.param == "sqlite" and on_postgres:
        pytest.skip("runs with the SQLite suite")
    database = (
        database_url_for_tests()
        if on_postgres
        else f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    )
    env = production_env(
        tmp_path,
        DATABASE_URL=database,
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        TRUSTED_PROXY_COUNT="1",
    )
    env.pop("REDIS_URL", None)
    if not on_postgres:
        manage(env, "migrate", "-v0")
    topic_id, session = manage(env, "shell", "-c", SETUP).splitlines()[-1].split()
    with app_servers(env, tmp_path, threads=4) as ports:
        yield ports, int(topic_id), session, env


def in_parallel(function, count: int) -> list:
    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(function, range(count)))


def test_parallel_searches_from_one_client_get_exactly_the_limit(deployment):
    """60 searches at once from one client, through both servers, each with a
    different made-up address in front of the proxy's: exactly 20 are served,
    the others told how long to wait; another client is still served."""
    ports, _, _, _ = deployment

    def search(n):
        client = Browser(headers={"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.7"})
        response, _ = client.get(ports[n % 2], f"/search/?q=trust+{n}")
        return response.status, response.getheader("Retry-After"), time.monotonic()

    started = time.monotonic()
    answers = in_parallel(search, 60)
    # Every answer that came back within a minute of the first request was
    # counted in the first window (which opened no earlier than that request);
    # on a machine slow enough to take longer, later ones may open a new window.
    in_first_window = [a for a in answers if a[2] < started + 60]
    served = Counter(status for status, _, _ in answers)
    if len(in_first_window) == 60:
        assert served == {200: 20, 429: 40}
    else:
        windows = math.ceil((max(a[2] for a in answers) - started) / 60)
        assert sum(1 for a in in_first_window if a[0] == 200) <= 20
        assert 20 <= served[200] <= 20 * windows
    assert all(1 <= int(wait) <= 60 for status, wait, _ in answers if status == 429)
    other = Browser(headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.get(ports[0], "/search/?q=trust")[0].status == 200


def test_parallel_replies_from_a_new_account_post_exactly_the_limit(deployment):
    """Ten replies sent at once by an account made today (two a minute), through
    both servers: exactly two are posted, eight answer 429 with their text."""
    ports, topic_id, session, env = deployment
    path = f"/t/{topic_id}/reply/"
    writer = Browser(
        {settings.SESSION_COOKIE_NAME: session},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    forms = [writer.hidden_fields(ports[n % 2], path, path) for n in range(10)]

    def send(n):
        browser = Browser(dict(writer.cookies), headers=writer.headers)
        data = {**forms[n], "body": f"Parallel reply {n}.", "post": "1"}
        response, page = browser.request(ports[n % 2], "POST", path, data)
        return response.status, f"Parallel reply {n}.</textarea>" in page

    answers = in_parallel(send, 10)
    assert Counter(status for status, _ in answers) == {302: 2, 429: 8}
    assert all(kept for status, kept in answers if status == 429)
    posted = manage(
        env,
        "shell",
        "-c",
        "from forum.models import Post; print(Post.objects.filter("
        f"topic_id={topic_id}, body__startswith='Parallel reply').count())",
    )
    assert posted.splitlines()[-1] == "2"
