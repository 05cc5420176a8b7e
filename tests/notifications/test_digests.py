"""The daily digest: one email per user per day, grouped by dialogue."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from forum import services
from notifications import services as notifications
from notifications.models import Delivery, Notification, Watch
from notifications.tasks import next_digest_time, send_digests
from tests.factories import TopicFactory, UserFactory, make_facilitator
from tests.notifications.conftest import private_category

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def reader():
    reader = UserFactory(username="reader", email="reader@example.org")
    for field in ("email_follow_up", "email_quote", "email_reply", "email_watched"):
        notifications.update_settings(user=reader, **{field: Delivery.DIGEST})
    return reader


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_digest_groups_by_dialogue_led_by_concern(category, reader):
    """A question from a facilitator leads; replies quoting the reader next; new
    posts last; each dialogue is a group with the full text of its posts."""
    facilitator = make_facilitator(category, username="fac")
    quiet = TopicFactory(category=category, author=UserFactory(), title="Quiet one")
    busy = TopicFactory(category=category, author=UserFactory(), title="Busy one")
    notifications.set_topic_watch(user=reader, topic=quiet, level="watching")
    for n in range(2):
        services.post_reply(topic=quiet, author=UserFactory(), body=f"Idea {n}.")
    mine = services.post_reply(topic=busy, author=reader, body="My view.")
    for n in range(2):
        services.post_reply(
            topic=busy,
            author=UserFactory(),
            body=f"> My view.\n\nQuote {n}",
            quoting=mine,
        )
    services.post_reply(
        topic=busy,
        author=facilitator,
        body="What would change your mind?",
        parent=mine,
        follow_up=True,
    )
    mail.outbox.clear()

    send_digests.call(now=NOW)

    [message] = sent_to(reader)
    summary = "1 question from a facilitator to you; 2 replies quoting you; 2 new posts"
    assert message.subject == f"Your daily digest: {summary}"
    body = message.body
    assert summary in body
    assert body.index("== Busy one ==") < body.index("== Quiet one ==")
    assert "What would change your mind?" in body and "Idea 1." in body
    assert "Reply: http://127.0.0.1:8000/t/" in body
    assert "in reply to reader" in body
    html = message.alternatives[0][0]
    assert "data-user-content" in html and "Idea 0." in html
    assert message.extra_headers["List-Unsubscribe"]
    assert set(
        Notification.objects.filter(recipient=reader).values_list(
            "email_state", flat=True
        )
    ) == {Notification.Email.DIGESTED}


def test_digest_offers_no_reply_into_a_locked_topic(category, reader):
    """A topic locked before the digest goes keeps its "Read" link but loses
    "Reply", which would lead to a form that takes no replies."""
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Last word.")
    services.set_topic_locked(topic=topic, locked=True)
    send_digests.call(now=NOW)
    [message] = sent_to(reader)
    assert "Last word." in message.body
    assert "Read: http://127.0.0.1:8000/p/" in message.body
    assert "Reply:" not in message.body
    assert "/reply/" not in message.alternatives[0][0]


def test_one_digest_per_day(category, reader):
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="One.")
    send_digests.call(now=NOW)
    assert len(sent_to(reader)) == 1
    services.post_reply(topic=topic, author=UserFactory(), body="Two.")
    send_digests.call(now=NOW + timedelta(hours=3))
    assert len(sent_to(reader)) == 1
    send_digests.call(now=NOW + timedelta(days=1))
    second = sent_to(reader)[1]
    assert "Two." in second.body and "One." not in second.body


def test_read_notifications_stay_out_of_the_digest(category, reader):
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Seen.")
    notifications.mark_read(user=reader)
    send_digests.call(now=NOW)
    assert sent_to(reader) == []


def test_digest_can_be_turned_off(category, reader):
    notifications.update_settings(user=reader, digest=False)
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Hi.")
    send_digests.call(now=NOW)
    assert sent_to(reader) == []


def test_a_dialogue_digest_carries_every_new_post(category):
    """A participant who follows one dialogue by digest gets its new posts, in
    order, and no per-post notifications."""
    follower = UserFactory(username="follower")
    topic = TopicFactory(category=category, author=UserFactory(), title="The one")
    services.post_reply(topic=topic, author=UserFactory(), body="Before.")
    notifications.set_topic_watch(user=follower, topic=topic, level="digest")
    for n in range(3):
        services.post_reply(topic=topic, author=UserFactory(), body=f"Post {n}.")
    assert not Notification.objects.filter(recipient=follower).exists()

    send_digests.call(now=NOW)
    [message] = sent_to(follower)
    body = message.body
    assert "3 new posts" in body
    assert "Before." not in body
    assert body.index("Post 0.") < body.index("Post 1.") < body.index("Post 2.")
    assert Watch.objects.get(user=follower).digest_up_to == topic.posts.count()
    send_digests.call(now=NOW + timedelta(days=1))
    assert len(sent_to(follower)) == 1


def test_digest_leaves_out_what_the_reader_can_no_longer_see(category):

    private = private_category()
    follower = UserFactory(username="follower")
    topic = TopicFactory(category=private, author=make_facilitator(private))
    Watch.objects.create(user=follower, topic=topic, level="digest")
    services.post_reply(topic=topic, author=topic.author, body="Members only.")
    send_digests.call(now=NOW)
    assert sent_to(follower) == []


def test_next_digest_time():
    assert next_digest_time(NOW - timedelta(hours=1)) == NOW
    assert next_digest_time(NOW) == NOW + timedelta(days=1)


def test_send_digests_command(category, reader):
    from django.core.management import call_command

    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Hi.")
    call_command("send_digests")
    assert len(sent_to(reader)) == 1
