"""A signed-in reader's page is served again while nothing it shows changed
(forum/readercache.py), with a fresh CSRF token and submission key, and never
once something did: a change by anyone, to a shared row or to a row only this
reader sees, made by a request, a background task or a command.

These tests commit for real (transaction=True): the caches are bypassed inside an
open transaction.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from facilitation import services as facilitation
from forum import services
from forum.models import TopicRead
from moderation import services as moderation
from notifications.models import Notification
from tests.factories import (
    UserFactory,
    make_facilitator,
)
from tests.forum.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def get(client: Client, url: str) -> tuple[str, bool]:
    """The page's text, and whether it came from the reader cache."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), response.get("X-Reader-Cache") == "hit"


def settled(client: Client, url: str) -> str:
    """Read the page until the reader's own read mark stops moving; the next
    view is then served from the cache."""
    get(client, url)
    html, _ = get(client, url)
    assert get(client, url)[1], "an unchanged page is served again"
    return html


def without_tokens(html: str) -> str:
    return KEY.sub("KEY", TOKEN.sub("TOKEN", html))


@pytest.mark.parametrize("where", ["index", "category", "topic"])
def test_an_unchanged_page_is_served_again_as_rendered(dialogue, where):
    topic, _, _ = dialogue
    url = {
        "index": reverse("forum:index"),
        "category": topic.category.get_absolute_url(),
        "topic": topic.get_absolute_url(),
    }[where]
    client = signed_in(UserFactory())
    rendered = settled(client, url)
    again, hit = get(client, url)
    assert hit
    assert without_tokens(again) == without_tokens(rendered)
    assert "\x00" not in again


def test_a_served_page_runs_no_sql(dialogue):
    """The page from the reader cache, the user from memory too
    (accounts.middleware.cached_get_user), the session from the cache."""
    topic, _, _ = dialogue
    client = signed_in(UserFactory())
    url = topic.get_absolute_url()
    settled(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert get(client, url)[1]
    assert len(queries) == 0, [q["sql"][:80] for q in queries]


def test_each_served_page_has_a_working_token_and_its_own_key(dialogue):
    topic, _, _ = dialogue
    author = UserFactory()
    client = signed_in(author, enforce_csrf_checks=True)
    url = topic.get_absolute_url()
    settled(client, url)
    first, hit_one = get(client, url)
    second, hit_two = get(client, url)
    assert hit_one and hit_two
    keys = KEY.findall(first) + KEY.findall(second)
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    # Tokens are masked afresh for each response, as Django does (BREACH).
    assert TOKEN.search(first).group(1) != TOKEN.search(second).group(1)
    response = client.post(
        reverse("forum:reply", args=[topic.pk]),
        {
            "csrfmiddlewaretoken": TOKEN.search(second).group(1),
            "submission_key": KEY.search(second).group(1),
            "body": "Written from a page served again.",
            "named_in_exports": "yes",
        },
    )
    assert response.status_code == 302
    assert topic.posts.filter(body="Written from a page served again.").exists()
    # The reply changed the page: served fresh, with the new post.
    html, hit = get(client, url)
    assert not hit and "Written from a page served again." in html


def test_readers_never_get_each_others_pages(dialogue):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    ada = signed_in(UserFactory(display_name="Ada Reader"))
    bea = signed_in(UserFactory(display_name="Bea Reader"))  # signing in writes
    settled(bea, url)
    settled(ada, url)
    for _ in range(3):
        for client, own, other in ((ada, "Ada", "Bea"), (bea, "Bea", "Ada")):
            html, _ = get(client, url)
            assert f"{own} Reader" in html and f"{other} Reader" not in html


def test_another_readers_reply_shows_at_once(dialogue):
    topic, _, _ = dialogue
    client = signed_in(UserFactory())
    url = topic.get_absolute_url()
    settled(client, url)
    services.post_reply(topic=topic, author=UserFactory(), body="Fresh words.")
    html, hit = get(client, url)
    assert not hit and "Fresh words." in html


def test_own_read_mark_changes_the_new_marks(dialogue):
    topic, _, _ = dialogue
    client = signed_in(UserFactory())
    url = topic.get_absolute_url()
    listing = topic.category.get_absolute_url()
    assert "2 new" in settled(client, listing)
    settled(client, url)
    html, hit = get(client, listing)
    assert not hit and "0 new" in html


def test_a_read_mark_set_outside_the_readers_requests_shows_at_once(dialogue):
    """Rows only this reader sees, written by another path (a task, a command,
    a link followed from an email), change their pages at once."""
    topic, _, _ = dialogue
    reader = UserFactory()
    client = signed_in(reader)
    listing = topic.category.get_absolute_url()
    assert "2 new" in settled(client, listing)
    TopicRead.objects.create(user=reader, topic=topic, read_up_to=2)
    html, hit = get(client, listing)
    assert not hit and "0 new" in html


def test_an_unread_count_changed_by_the_worker_shows_at_once(dialogue):
    topic, reply, _ = dialogue
    reader = UserFactory()
    client = signed_in(reader)
    url = topic.get_absolute_url()
    settled(client, url)
    Notification.objects.create(
        recipient=reader, topic=topic, post=reply, kind=Notification.Kind.REPLY
    )
    User.objects.filter(pk=reader.pk).update(unread_notifications=1)
    html, hit = get(client, url)
    assert not hit
    assert '<span class="badge badge-unread">1' in html


def test_a_note_by_another_facilitator_shows_at_once(dialogue):
    topic, reply, facilitator = dialogue
    colleague = make_facilitator(topic.category)
    client = signed_in(facilitator)
    url = topic.get_absolute_url()
    settled(client, url)
    facilitation.annotate_post(post=reply, actor=colleague, note="Worth a follow-up.")
    html, hit = get(client, url)
    assert not hit and "Worth a follow-up." in html


def test_a_page_with_messages_is_neither_served_nor_kept(dialogue):
    topic, _, facilitator = dialogue
    client = signed_in(facilitator)
    url = topic.get_absolute_url()
    settled(client, url)
    client.post(reverse("moderation:pin", args=[topic.pk]), {"pinned": "1"})
    # The pin changed the page anyway; settle again, then add only a message.
    settled(client, url)
    client.post(reverse("moderation:pin", args=[topic.pk]), {"pinned": "1"})
    html, hit = get(client, url)
    assert not hit and "This topic was already pinned." in html
    # Shown once: the next view is a fresh page without it, then kept again.
    html, hit = get(client, url)
    assert not hit and "This topic was already pinned." not in html
    assert get(client, url)[1]


def test_a_suspended_readers_page_is_not_kept(dialogue):
    topic, _, _ = dialogue
    reader = UserFactory()
    moderation.suspend_user(
        user=reader,
        actor=UserFactory(is_staff=True),
        until=timezone.now() + timezone.timedelta(hours=1),
        reason="Cooling off",
    )
    client = signed_in(reader)
    url = topic.get_absolute_url()
    for _ in range(3):
        html, hit = get(client, url)
        assert not hit and "suspended" in html


def test_a_page_expires_when_the_edit_window_on_the_readers_post_closes(
    dialogue, settings
):
    """The Edit link on a reader's own post goes when the window closes, even
    with nothing written in between: their copy is kept no longer than that."""
    settings.FORUM_EDIT_WINDOW_HOURS = 2
    topic, reply, _ = dialogue
    url = topic.get_absolute_url()
    own = signed_in(reply.author).get(url)
    assert 2 * 3600 - 60 < own.page_cache_timeout <= 2 * 3600 + 1
    assert signed_in(UserFactory()).get(url).page_cache_timeout is None


def test_cache_off_renders_every_time(dialogue, settings):
    settings.FORUM_READER_PAGE_CACHE_TIMEOUT = 0
    topic, _, _ = dialogue
    client = signed_in(UserFactory())
    url = topic.get_absolute_url()
    for _ in range(4):
        assert not get(client, url)[1]
