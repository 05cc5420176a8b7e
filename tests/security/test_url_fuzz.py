"""Every URL pattern, walked with numbers and text no page expects: zero,
negative, huge (past a 64-bit integer), non-numeric and NUL, in the path and in
the query string, by GET and by POST, signed out, as a facilitator (who writes
as a participant too) and as an admin. Whatever the answer (404, 400, 403,
405, a form error), it is never a 500.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ReplyFactory, TopicFactory, UserFactory, make_facilitator

HUGE = "99999999999999999999"
PATH_VALUES = ["0", "-1", HUGE, "9223372036854775808", "abc", "1%00", "%C0"]
QUERY_VALUES = ["0", "-1", HUGE, "abc", "\x00"]
# Query and form fields the views read: each gets every value above.
FIELDS = [
    "page",
    "parent",
    "quote",
    "selection",
    "notification",
    "category",
    "post",
    "topic",
    "user",
    "q",
    "view",
    "next",
    "days",
    "status",
    "sort",
    "author",
    "in",
    "reason",
]

CONVERTER = re.compile(r"<(?:(?P<kind>[^:>]+):)?(?P<name>[^>]+)>")


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URL conf as text, e.g. "t/<id:pk>/reply/"."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append(prefix + route)
    # Regex routes (the admin's) keep their anchors: only plain routes are walked
    # with substituted values; the admin's are walked by their own prefixes.
    return sorted({r for r in found if not r.startswith("^") and "^" not in r})


def fill(route: str, value: str) -> str:
    return "/" + CONVERTER.sub(value, route)


@pytest.fixture
def world():
    topic = TopicFactory()
    reply = ReplyFactory(topic=topic)
    facilitator = make_facilitator(topic.category)
    admin = UserFactory(is_staff=True)
    return {
        "topic": topic,
        "reply": reply,
        "facilitator": facilitator,
        "admin": admin,
    }


def client_for(world, who: str) -> Client:
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(world[who])
    return client


def answers(client: Client, url: str) -> list[tuple[str, int]]:
    return [
        (method.upper(), getattr(client, method)(url).status_code)
        for method in ("get", "post")
    ]


# Signed out, and signed in: as a facilitator (who writes as a participant too)
# on SQLite, as an admin (who reaches every tool, the facilitators' included) on
# PostgreSQL, where numbers past the database's range were the 500s. Each walk
# takes a quarter of a minute, so each database gets two, not three.
@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        pytest.param(
            "facilitator",
            marks=pytest.mark.skipif(
                connection.vendor != "sqlite",
                reason="the facilitator's walk runs with the SQLite suite",
            ),
        ),
        pytest.param(
            "admin",
            marks=pytest.mark.skipif(
                connection.vendor == "sqlite",
                reason="the admin's walk runs with the PostgreSQL suite",
            ),
        ),
    ],
)
def test_no_url_answers_500(world, who):
    client = client_for(world, who)
    good = {
        "pk": str(world["reply"].pk),
        "slug": world["topic"].category.slug,
        "username": world["admin"].username,
    }
    failures = []
    for route in routes():
        for url in {fill(route, value) for value in PATH_VALUES}:
            for method, status in answers(client, url):
                if status >= 500:
                    failures.append(f"{method} {url} -> {status}")
        # A path that exists, with every field the views read set to each odd
        # value at once.
        path = "/" + CONVERTER.sub(lambda m: good.get(m["name"], "1"), route)
        for value in QUERY_VALUES:
            fields = dict.fromkeys(FIELDS, value)
            response = client.get(path, fields)
            if response.status_code >= 500:
                failures.append(f"GET {path}?…={value!r} -> {response.status_code}")
            response = client.post(path, fields)
            if response.status_code >= 500:
                failures.append(f"POST {path} …={value!r} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_walk_covers_the_forum():
    # The walk would pass vacuously on an empty URL conf.
    walked = routes()
    for expected in ("t/<", "p/<", "u/<", "search/", "notifications/", "moderation/"):
        assert any(expected in route for route in walked), expected
    assert len(walked) > 60
