"""Signed-out pages given again before Django (forum/pagelane.py): the same
answer Django sent, only to the same request, and never after a change.

These tests commit for real (transaction=True), like the page cache's own.
"""

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler

from forum import pagecache, pagelane, services
from forum.pagelane import KeptPages, PageLane
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class CountingDjango:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


@pytest.fixture
def lane():
    return PageLane(CountingDjango())


def get(
    lane, path, *, method="GET", query="", cookie="", language="", host="", extra=None
):
    """(status, headers, body) as a WSGI server would send them."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": host or "testserver",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    environ.update(extra or {})
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    if language:
        environ["HTTP_ACCEPT_LANGUAGE"] = language
    sent = []

    def start_response(status, headers, exc_info=None):
        sent.extend([status, list(headers)])
        # As Django's development server does: it adds to the list it is given.
        headers.append(("Connection", "close"))

    body = lane(environ, start_response)
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return sent[0], sent[1], content.decode()


def served_by_django(lane, *args, **kwargs):
    """Whether this request reached Django; and the answer."""
    before = lane.application.calls
    answer = get(lane, *args, **kwargs)
    return lane.application.calls > before, answer


def test_a_page_is_given_again_exactly_as_django_sent_it(lane, dialogue):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    reached, (status, headers, body) = served_by_django(lane, url)
    assert reached
    assert status == "200 OK"
    assert dict(headers)["X-Page-Cache"] == "miss"
    for _ in range(3):
        reached, again = served_by_django(lane, url)
        assert not reached
        assert again == (
            status,
            [(n, "hit" if n == "X-Page-Cache" else v) for n, v in headers],
            body,
        )
    assert "An early thought." in body
    assert "data-user-content" in body


def test_a_change_is_seen_at_once(lane, dialogue):
    topic, reply, facilitator = dialogue
    url = topic.get_absolute_url()
    get(lane, url)
    assert not served_by_django(lane, url)[0]
    services.post_reply(topic=topic, author=UserFactory(), body="A brand new voice.")
    reached, (_, headers, body) = served_by_django(lane, url)
    assert reached
    assert "A brand new voice." in body
    assert dict(headers)["X-Page-Cache"] == "miss"
    assert not served_by_django(lane, url)[0]
    services.edit_post(post=reply, editor=facilitator, body="Edited in place.")
    reached, (_, _, body) = served_by_django(lane, url)
    assert reached
    assert "Edited in place." in body


def test_a_page_not_kept_yet_reads_the_generations_once(lane, dialogue, monkeypatch):
    """The lane reads the generations, and Django's page cache uses what it read
    instead of asking the shared cache again."""
    topic, _, _ = dialogue
    reads = []
    real = pagecache.generations

    def counting():
        reads.append(1)
        return real()

    monkeypatch.setattr(pagecache, "generations", counting)
    reached, (_, headers, _) = served_by_django(lane, topic.get_absolute_url())
    assert reached and dict(headers)["X-Page-Cache"] == "miss"
    assert len(reads) == 1
    reads.clear()
    assert not served_by_django(lane, topic.get_absolute_url())[0]
    assert len(reads) == 1


def test_a_page_django_served_from_its_cache_is_kept_too(lane, dialogue):
    """Another process (here: a second lane) filled the page cache; this one keeps
    the hit."""
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    get(PageLane(CountingDjango()), url)  # Django renders and stores: miss
    reached, (_, headers, _) = served_by_django(lane, url)
    assert reached and dict(headers)["X-Page-Cache"] == "hit"
    assert not served_by_django(lane, url)[0]


@pytest.mark.parametrize(
    "cookie",
    [
        "sessionid=abc",
        "messages=abc",
        "csrftoken=abc",
        "primary_reads=1",
        "thread_view=flat; other=1",
    ],
)
def test_requests_with_other_cookies_always_reach_django(lane, dialogue, cookie):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    for _ in range(2):
        get(lane, url)
    for _ in range(2):
        assert served_by_django(lane, url, cookie=cookie)[0]


def test_other_methods_and_other_views_always_reach_django(lane, dialogue):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    get(lane, url)
    for _ in range(2):
        assert served_by_django(lane, url, method="HEAD")[0]
        assert served_by_django(lane, "/robots.txt")[0]
        assert served_by_django(lane, "/search/", query="q=thought")[0]


def test_answers_other_than_a_kept_page_are_not_kept(lane, dialogue):
    topic, _, _ = dialogue
    for _ in range(2):
        reached, (status, _, _) = served_by_django(lane, f"/t/{topic.pk + 999}/")
        assert reached and status.startswith("404")


def test_each_language_view_query_and_host_is_kept_apart(lane, dialogue):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    variants = [
        {},
        {"language": "fr"},
        {"cookie": "django_language=fr"},
        {"cookie": "thread_view=flat"},
        {"query": "page=1"},
        {"host": "localhost"},
        {"extra": {"HTTP_X_FORWARDED_PROTO": "https"}},
        {"extra": {"HTTP_X_FORWARDED_HOST": "example.org"}},
    ]
    bodies = []
    for variant in variants:
        reached, (_, _, body) = served_by_django(lane, url, **variant)
        assert reached, variant
        bodies.append(body)
    for variant, body in zip(variants, bodies, strict=True):
        reached, (_, _, again) = served_by_django(lane, url, **variant)
        assert not reached, variant
        assert again == body
    assert 'lang="fr"' in bodies[1] and 'lang="fr"' in bodies[2]
    assert 'lang="en"' in bodies[0]
    assert "thread-flat" in bodies[3] and "thread-threaded" in bodies[0]


def test_a_page_is_not_given_past_the_time_it_was_kept_until(
    lane, dialogue, monkeypatch
):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    get(lane, url)
    expires = next(iter(lane.kept.entries.values()))[0]
    monkeypatch.setattr(pagelane.time, "time", lambda: expires + 1)
    assert served_by_django(lane, url)[0]


def test_kept_pages_stay_within_their_size_and_generation():
    kept = KeptPages(max_bytes=250)
    forever = float("inf")
    for n in range(3):
        kept.put(1, ("page", n), (forever, "200 OK", [], b"x" * 100))
    assert kept.get(1, ("page", 0)) is None  # the least recently used went
    assert kept.get(1, ("page", 1)) is not None
    kept.put(1, ("page", 3), (forever, "200 OK", [], b"x" * 100))
    assert kept.get(1, ("page", 2)) is None
    assert kept.get(1, ("page", 1)) is not None  # used since, so kept
    assert kept.size <= 250
    assert kept.get(2, ("page", 1)) is None  # another generation: not this page
    kept.put(2, ("page", 9), (forever, "200 OK", [], b"y"))
    assert list(kept.entries) == [("page", 9)]
    assert kept.size == 1
