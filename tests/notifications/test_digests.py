"""The daily digest: one email per user per day, grouped by dialogue."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from forum import services
from notifications import services as notifications
from notifications.models import Delivery, Notification, NotificationSettings, Watch
from notifications.tasks import send_digests
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
    # The day is spent: later runs that day queue nothing for this reader.
    assert send_digests.call(now=NOW + timedelta(minutes=15)) == 0


def test_send_digests_command(category, reader, settings):
    """The command queues the due digests (sent at once in the tests) and says
    how many."""
    settings.FORUM_DIGEST_HOUR = 0
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Hi.")
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert out.getvalue() == "1 digest queued.\n"
    assert len(sent_to(reader)) == 1


def test_digest_goes_at_the_readers_hour_in_their_time_zone(category, reader):
    """A reader in Tokyo who chose 08:00 gets the digest at 08:00 Tokyo time
    (23:00 UTC the day before), not at the site's hour; once for their day,
    however often the command runs after it."""
    reader.time_zone = "Asia/Tokyo"
    reader.save(update_fields=["time_zone"])
    notifications.update_settings(user=reader, digest_hour=8)
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Hi.")
    tokyo_eight = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)

    send_digests.call(now=tokyo_eight - timedelta(minutes=15))
    assert sent_to(reader) == []
    for minutes in (0, 15, 30, 8 * 60):
        send_digests.call(now=tokyo_eight + timedelta(minutes=minutes))
    assert len(sent_to(reader)) == 1
    settings_row = NotificationSettings.objects.get(user=reader)
    assert str(settings_row.last_digest_on) == "2026-03-02"


def test_a_late_run_still_sends_the_days_digest(category, reader):
    """A run hours after the digest hour (a timer that was down) still sends it."""
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Hi.")
    send_digests.call(now=NOW.replace(hour=23, minute=59))
    assert len(sent_to(reader)) == 1


def test_a_failed_send_is_retried_by_the_next_run(category, reader, monkeypatch):
    """When the mail server refuses, the day is given back: the next run sends
    the digest, once."""
    topic = TopicFactory(category=category, author=reader)
    services.post_reply(topic=topic, author=UserFactory(), body="Hi.")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("notifications.digests.send_email", refuse)
        send_digests.call(now=NOW)
    assert sent_to(reader) == []
    assert NotificationSettings.objects.get(user=reader).last_digest_on is None
    send_digests.call(now=NOW + timedelta(minutes=15))
    send_digests.call(now=NOW + timedelta(minutes=30))
    assert len(sent_to(reader)) == 1


def test_a_failed_run_is_logged_and_exits_non_zero(reader, monkeypatch, caplog):
    """A run that fails logs its traceback and ends in an error (exit status 1
    from manage.py), so the timer records the failure; nothing else stops."""

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("notifications.digests.due_digests", broken)
    with pytest.raises(CommandError, match="send_digests failed"):
        call_command("send_digests")
    [record] = [r for r in caplog.records if r.name == "forum.jobs"]
    assert record.levelname == "ERROR"
    assert "database went away" in caplog.text
    assert record.exc_info is not None
