"""No GET changes anything; no POST is accepted without a CSRF token."""

import re

import pytest
from django.apps import apps
from django.test import Client

from accounts.services import update_profile
from forum.models import TopicRead
from moderation import services as moderation_services
from tests.factories import ReplyFactory, TopicFactory, UserFactory, make_facilitator
from tests.helpers import signed_in

# Rows a page view may write by design: reading marks posts read.
ALLOWED_TO_CHANGE = {TopicRead}


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model not in ALLOWED_TO_CHANGE and model._meta.label != "sessions.Session"
    }


@pytest.fixture
def world():
    topic = TopicFactory()
    facilitator = make_facilitator(topic.category)
    admin = UserFactory(is_staff=True)
    reply = ReplyFactory(topic=topic)
    moderation_services.hide_post(post=reply, actor=facilitator, reason="Test")
    other = ReplyFactory(topic=topic)
    return {"topic": topic, "reply": reply, "other": other, "admin": admin}


def get_urls(world) -> list[str]:
    topic, reply, other = world["topic"], world["reply"], world["other"]
    return [
        "/",
        topic.category.get_absolute_url(),
        topic.get_absolute_url(),
        f"/t/{topic.pk}/reply/?parent={other.pk}&quote={other.pk}",
        f"/t/{topic.pk}/unread/",
        f"/p/{other.pk}/",
        f"/p/{other.pk}/edit/",
        f"/p/{reply.pk}/history/",
        f"/u/{other.author.username}/",
        "/search/?q=reply",
        "/feeds/topics.atom",
        "/accounts/profile/",
        "/moderation/",
        "/moderation/reports/",
        "/moderation/approvals/",
        "/moderation/log/",
        "/moderation/users/",
        f"/moderation/users/{other.author_id}/",
        f"/moderation/p/{other.pk}/hide/",
        f"/moderation/p/{other.pk}/report/",
        f"/moderation/p/{reply.pk}/return/",
        f"/moderation/c/{topic.category.slug}/members/",
        "/moderation/my-reports/",
        # Action URLs must refuse GET rather than act.
        f"/moderation/t/{topic.pk}/lock/",
        f"/moderation/t/{topic.pk}/pin/",
        f"/moderation/p/{reply.pk}/unhide/",
        f"/moderation/p/{other.pk}/approve/",
        "/view/",
    ]


def test_no_get_changes_anything(world):
    """GET on every page and action address leaves every table as it was."""
    client = signed_in(world["admin"])
    before = snapshot()
    topic = world["topic"]
    for url in get_urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        assert snapshot() == before, f"GET {url} changed the database"
    topic.refresh_from_db()
    assert not topic.is_locked and not topic.is_pinned
    world["reply"].refresh_from_db()
    assert world["reply"].is_hidden


def post_urls(world) -> list[tuple[str, dict]]:
    topic, reply, other = world["topic"], world["reply"], world["other"]
    return [
        (f"/t/{topic.pk}/reply/", {"body": "x", "post": "1"}),
        (f"/c/{topic.category.slug}/new/", {"title": "abc", "body": "x"}),
        (f"/p/{other.pk}/edit/", {"body": "changed"}),
        ("/view/", {"view": "flat"}),
        ("/accounts/profile/", {"display_name": "X"}),
        ("/accounts/logout/", {}),
        (f"/moderation/t/{topic.pk}/lock/", {}),
        (f"/moderation/t/{topic.pk}/pin/", {"pinned": "1"}),
        (f"/moderation/t/{topic.pk}/rename/", {"title": "New title"}),
        (f"/moderation/p/{other.pk}/hide/", {"reason": "r"}),
        (f"/moderation/p/{reply.pk}/unhide/", {}),
        (f"/moderation/p/{other.pk}/report/", {"reason": "spam"}),
        ("/moderation/users/bulk/", {"user": [other.author_id], "reason": "r"}),
        (f"/moderation/users/{other.author_id}/", {"suspend": "1", "reason": "r"}),
    ]


def test_posts_without_csrf_token_are_refused(world):
    """Every form address refuses a POST that lacks the CSRF token."""
    client = signed_in(world["admin"], enforce_csrf_checks=True)
    before = snapshot()
    for url, data in post_urls(world):
        response = client.post(url, data)
        assert response.status_code == 403, url
    assert snapshot() == before


# The text the page cache of an earlier design replaced with each reader's own
# CSRF token and submission key; written by a user, it must stay just text.
FORMER_PLACEHOLDERS = [
    "csrf-token-placeholder-0d6c3f",
    "submission-key-placeholder-5e1a9b",
]


def test_a_readers_csrf_token_never_lands_in_what_others_wrote():
    bait = " ".join(
        f"[link](https://attacker.example/c?t={marker})"
        for marker in FORMER_PLACEHOLDERS
    )
    topic = TopicFactory(body=bait)
    writer = topic.author
    update_profile(user=writer, display_name="Writer", signature=bait)
    facilitator = make_facilitator(topic.category)
    hidden = ReplyFactory(topic=topic, body="Off topic.")
    moderation_services.hide_post(post=hidden, actor=facilitator, reason=bait)
    for reader in (UserFactory(), facilitator, writer):
        client = signed_in(reader)
        for _ in range(2):  # rendered, then from the fragment cache
            page = client.get(topic.get_absolute_url()).content.decode()
            token = client.cookies["csrftoken"].value
            masked = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert masked, "the page has forms with tokens"
            for secret in [token, *masked]:
                assert f"t={secret}" not in page
            assert page.count(f"t={FORMER_PLACEHOLDERS[0]}") >= 2


def test_signed_out_pages_set_no_cookie():
    """A signed-out reader gets no CSRF cookie (or any other) from reading: the
    page is the same for every such reader and may be cached for all of them."""
    topic = TopicFactory(body=f"See {FORMER_PLACEHOLDERS[0]}")
    ReplyFactory(topic=topic)
    client = Client()
    for url in [
        "/",
        topic.category.get_absolute_url(),
        topic.get_absolute_url(),
        f"/u/{topic.author.username}/",
        "/search/?q=see",
        "/feeds/topics.atom",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, (url, list(response.cookies))
