"""A dialogue's lifecycle end to end: scheduled, open, closing soon, locked at
its closing time (read from the times at once, the lock written by the
close_dialogues command), and
the refusal of a schedule that closes before it opens."""

import html as html_lib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilitation import services as facilitation
from forum import permissions, services
from forum.exceptions import ForumError, TopicLocked
from forum.models import Post, Topic
from moderation import services as moderation
from moderation.models import AuditEntry
from tests.factories import DialogueFactory, ReplyFactory, TopicFactory
from tests.helpers import fresh, html, signed_in, text

SCHEDULE = "the dialogue's schedule"


def category_row(response, topic: Topic) -> str:
    """The text of one topic's row in the category's topic list."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html(response), re.S):
        if f'href="{topic.get_absolute_url()}"' in row:
            plain = html_lib.unescape(re.sub(r"<[^>]+>", " ", row))
            return " ".join(plain.split())
    raise AssertionError(f"{topic.title} is not in the list")


def dialogue(category, facilitator, **schedule) -> Topic:
    return DialogueFactory(category=category, author=facilitator, **schedule)


def reply(client, topic, body: str, **fields):
    return client.post(f"/t/{topic.pk}/reply/", {"body": body, "post": "1", **fields})


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)


# Scheduled


def test_scheduled_dialogue_is_visible_with_a_not_open_yet_banner(
    category, facilitator, user
):
    """Before it opens, everyone can read it; it says when it opens and offers
    participants no reply form."""
    topic = dialogue(
        category, facilitator, opens_at=in_hours(48), closes_at=in_hours(96)
    )
    assert topic.phase == "scheduled"
    for client in (Client(), signed_in(user)):
        page = client.get(topic.get_absolute_url())
        assert page.status_code == 200
        assert "Not open yet. This dialogue opens for replies on" in text(page)
        assert "Welcome to the dialogue." in text(page)
        assert f'action="/t/{topic.pk}/reply/"' not in html(page)
    listing = Client().get(category.get_absolute_url())
    assert f"Opens {topic.opens_at:%-d %b}" in category_row(listing, topic)


def test_participants_replies_to_a_scheduled_dialogue_are_refused(
    category, facilitator, user
):
    """The reply page and a posted reply answer 403, and nothing is posted."""
    topic = dialogue(category, facilitator, opens_at=in_hours(2))
    client = signed_in(user)
    assert client.get(f"/t/{topic.pk}/reply/").status_code == 403
    response = reply(client, topic, "Am I early?")
    assert response.status_code == 403
    assert "not open for replies yet" in text(response)
    assert not Post.objects.filter(body="Am I early?").exists()
    with pytest.raises(ForumError, match="not open for replies yet"):
        services.post_reply(topic=topic, author=user, body="Through the service.")
    assert fresh(topic).post_count == 1


def test_facilitators_may_post_in_a_scheduled_dialogue(category, facilitator):
    """A facilitator sees the reply form before the opening and can post."""
    topic = dialogue(category, facilitator, opens_at=in_hours(2))
    client = signed_in(facilitator)
    assert f'action="/t/{topic.pk}/reply/"' in html(
        client.get(topic.get_absolute_url())
    )
    response = reply(client, topic, "A word before we open.")
    assert response.status_code == 302
    assert Post.objects.filter(body="A word before we open.").exists()


def test_a_dialogue_opens_when_its_opening_time_has_passed(category, facilitator, user):
    """With opens_at in the past, participants reply as usual."""
    topic = dialogue(category, facilitator, opens_at=in_hours(-1))
    assert topic.phase == "open"
    page = signed_in(user).get(topic.get_absolute_url())
    assert "Not open yet" not in text(page)
    assert reply(signed_in(user), topic, "Now it is open.").status_code == 302


# Open and closing soon


def test_open_dialogue_with_a_distant_close_says_until_when(
    category, facilitator, user
):
    """More than 24 hours before closing: "Open until …", not "Closing soon"."""
    topic = dialogue(category, facilitator, closes_at=in_hours(72))
    assert topic.phase == "open"
    page = signed_in(user).get(topic.get_absolute_url())
    assert "Open until" in text(page)
    assert "Closing soon" not in text(page)
    assert "Closing soon" not in category_row(
        Client().get(category.get_absolute_url()), topic
    )


def test_closing_soon_banner_and_tag_in_the_last_24_hours(category, facilitator, user):
    """Within 24 hours of closing, the topic page shows "Closing soon" and the
    category list tags the topic; participants can still reply."""
    topic = dialogue(category, facilitator, closes_at=in_hours(12))
    assert topic.phase == "closing_soon"
    client = signed_in(user)
    page = client.get(topic.get_absolute_url())
    assert "Closing soon. This dialogue locks on" in text(page)
    assert "Closing soon" in category_row(
        Client().get(category.get_absolute_url()), topic
    )
    assert reply(client, topic, "Just in time.").status_code == 302


# Locked at the closing time


# A write to the topic or the moderation log (reading a page may still record
# the reader's read mark and the caches).
WRITE = re.compile(
    r'\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"?(forum_topic|moderation_auditentry)"?\s',
    re.I,
)


def row_counts() -> dict[str, int]:
    """Rows in the tables a lock or a visit could write to."""
    return {
        "audit": AuditEntry.objects.count(),
        "locked": Topic.objects.filter(is_locked=True).count(),
        "posts": Post.objects.count(),
    }


def test_a_visit_after_the_closing_time_shows_it_closed_and_writes_nothing(
    category, facilitator, user
):
    """With no worker run, a visit shows the dialogue closed by its schedule from
    its times alone: no lock, no audit entry, no write of any kind; the reply
    form is gone and a reply is refused."""
    topic = dialogue(category, facilitator, closes_at=in_hours(1))
    ReplyFactory(topic=topic, author=user, body="Said before the close.")
    facilitation.set_schedule(topic=topic, opens_at=None, closes_at=in_hours(-1))
    before = row_counts()
    closes_at = fresh(topic).closes_at

    for client in (Client(), signed_in(user), signed_in(facilitator)):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(topic.get_absolute_url())
        assert page.status_code == 200
        writes = [q["sql"] for q in ctx.captured_queries if WRITE.match(q["sql"])]
        assert writes == []
        assert "Topic locked" in text(page)
        assert f"Locked by {SCHEDULE} on" in text(page)
        assert timezone.localtime(closes_at).isoformat() in html(page)
        assert f'action="/t/{topic.pk}/reply/"' not in html(page)
        assert "Said before the close." in text(page)

    assert row_counts() == before
    unlocked = fresh(topic)
    assert not unlocked.is_locked
    assert unlocked.locked_at is None
    assert unlocked.phase == "locked"
    assert not permissions.can_reply(user, unlocked)
    response = reply(signed_in(user), topic, "Too late, after the visit.")
    assert response.status_code == 403
    assert row_counts() == before


def test_the_command_records_the_lock_a_visit_only_reads(category, facilitator, user):
    """The close_dialogues command writes the lock and its one audit entry, by
    the schedule; visits before and after add nothing."""
    topic = dialogue(category, facilitator, closes_at=in_hours(-1))
    signed_in(user).get(topic.get_absolute_url())
    assert not AuditEntry.objects.filter(topic=topic).exists()

    call_command("close_dialogues", stdout=StringIO())
    locked = fresh(topic)
    assert locked.is_locked
    assert locked.locked_by_name == SCHEDULE
    assert locked.locked_at is not None
    entry = AuditEntry.objects.get(topic=topic)
    assert entry.action == AuditEntry.Action.LOCK
    assert entry.actor is None
    assert entry.actor_name == SCHEDULE

    page = signed_in(user).get(topic.get_absolute_url())
    assert f"Locked by {SCHEDULE} on" in text(page)
    assert AuditEntry.objects.filter(topic=topic).count() == 1


@pytest.mark.parametrize(
    ("opens", "closes", "locked", "phase"),
    [
        (1, 48, False, "scheduled"),
        (None, 48, False, "open"),
        (None, None, False, "open"),
        (None, 2, False, "closing_soon"),
        (None, -1, False, "locked"),
        (-48, -1, False, "locked"),
        (None, 48, True, "locked"),
        (1, 48, True, "locked"),
    ],
)
def test_phase_is_read_from_the_times_and_the_lock(opens, closes, locked, phase):
    """Topic.phase: scheduled before opens_at, closing soon within a day of
    closes_at, locked once locked or past closes_at, else open."""
    topic = Topic(
        opens_at=in_hours(opens) if opens is not None else None,
        closes_at=in_hours(closes) if closes is not None else None,
        is_locked=locked,
    )
    assert topic.phase == phase


def test_the_category_list_shows_a_due_dialogue_locked(category, facilitator):
    """The topic list reads the closing time: "Topic locked" before any lock is
    written."""
    topic = dialogue(category, facilitator, closes_at=in_hours(-1))
    listing = Client().get(category.get_absolute_url())
    assert "Topic locked" in category_row(listing, topic)


def test_replies_to_a_due_dialogue_are_refused_before_the_lock_is_written(
    category, facilitator, user
):
    """can_reply and post_reply read the closing time, so nothing slips in
    between the close and the lock; the reply view answers 403."""
    topic = dialogue(category, facilitator, closes_at=in_hours(-0.01))
    assert not fresh(topic).is_locked
    assert not permissions.can_reply(user, topic)
    assert not permissions.can_reply(facilitator, topic)
    with pytest.raises(TopicLocked):
        services.post_reply(topic=topic, author=user, body="Too late.")
    assert not fresh(topic).is_locked

    response = reply(signed_in(user), topic, "Too late, by the form.")
    assert response.status_code == 403
    assert not Post.objects.filter(body__startswith="Too late").exists()
    assert fresh(topic).post_count == 1


def test_authors_cannot_edit_in_a_due_dialogue_before_the_lock_is_written(
    category, facilitator, user
):
    """At the closing time a dialogue is closed to its authors' edits too, even
    if nothing has written the lock yet."""
    topic = dialogue(category, facilitator, closes_at=in_hours(1))
    post = ReplyFactory(topic=topic, author=user, body="What I said in time.")
    facilitation.set_schedule(topic=topic, opens_at=None, closes_at=in_hours(-1))
    client = signed_in(user)
    assert client.get(f"/p/{post.pk}/edit/").status_code == 403
    response = client.post(
        f"/p/{post.pk}/edit/", {"subject": "", "body": "Rewritten after the close."}
    )
    assert response.status_code == 403
    assert Post.objects.get(pk=post.pk).body == "What I said in time."


def test_close_dialogues_command_locks_due_dialogues_once(category, facilitator, user):
    """The command locks every dialogue past its closing time, leaves the others,
    and a second run changes nothing."""
    due = [
        dialogue(category, facilitator, closes_at=in_hours(-hours)) for hours in (1, 30)
    ]
    future = dialogue(category, facilitator, closes_at=in_hours(5))
    plain = TopicFactory(category=category, author=user)
    already = dialogue(category, facilitator, closes_at=in_hours(-2))
    moderation.lock_topic(topic=already, actor=facilitator, note="Closed early.")

    out = StringIO()
    call_command("close_dialogues", stdout=out)
    assert out.getvalue().strip() == "2 dialogue(s) locked."
    for topic in due:
        assert fresh(topic).is_locked
        assert fresh(topic).locked_by_name == SCHEDULE
    assert not fresh(future).is_locked
    assert not fresh(plain).is_locked
    assert fresh(already).locked_by_name == "Mira Sol"
    assert AuditEntry.objects.filter(actor_name=SCHEDULE).count() == 2

    again = StringIO()
    call_command("close_dialogues", stdout=again)
    assert again.getvalue().strip() == "0 dialogue(s) locked."
    assert AuditEntry.objects.filter(actor_name=SCHEDULE).count() == 2


def test_unlocking_after_a_scheduled_lock_and_extending_lets_it_run_again(
    category, facilitator, user
):
    """A facilitator who moves the closing time later and unlocks reopens the
    dialogue; it is not locked again on the next visit."""
    topic = dialogue(category, facilitator, closes_at=in_hours(-1))
    facilitation.close_due_dialogues()
    assert fresh(topic).is_locked
    facilitation.set_schedule(topic=topic, opens_at=None, closes_at=in_hours(48))
    moderation.unlock_topic(topic=topic, actor=facilitator)
    client = signed_in(user)
    assert "Topic locked" not in text(client.get(topic.get_absolute_url()))
    assert not fresh(topic).is_locked
    assert reply(client, topic, "Glad it reopened.").status_code == 302


# Setting the schedule


def test_settings_page_saves_a_schedule(category, facilitator):
    """The facilitator's settings page sets when the dialogue opens and closes."""
    topic = dialogue(category, facilitator)
    opens = (timezone.now() + timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    closes = opens + timedelta(days=7, hours=9, minutes=30)
    client = signed_in(facilitator)
    url = f"/moderation/t/{topic.pk}/dialogue/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "schedule": "1",
            "opens_at": f"{opens:%Y-%m-%dT%H:%M}",
            "closes_at": f"{closes:%Y-%m-%dT%H:%M}",
            "series": "",
        },
    )
    assert response.status_code == 302
    saved = fresh(topic)
    assert (saved.opens_at, saved.closes_at) == (opens, closes)
    assert saved.phase == "scheduled"


def test_settings_page_refuses_a_close_before_the_opening(category, facilitator):
    """A closing time before (or at) the opening is a form error that keeps the
    times as typed and changes nothing."""
    topic = dialogue(category, facilitator, closes_at=in_hours(72))
    client = signed_in(facilitator)
    for closes in ("2031-02-28T09:00", "2031-03-01T09:00"):
        response = client.post(
            f"/moderation/t/{topic.pk}/dialogue/",
            {
                "schedule": "1",
                "opens_at": "2031-03-01T09:00",
                "closes_at": closes,
                "series": "",
            },
        )
        assert response.status_code == 200
        assert "The dialogue must close after it opens." in text(response)
        assert 'value="2031-03-01T09:00"' in html(response)
        assert f'value="{closes}"' in html(response)
    saved = fresh(topic)
    assert saved.opens_at is None
    assert saved.closes_at == topic.closes_at


def test_new_topic_form_refuses_a_close_before_the_opening(category, facilitator):
    """The facilitator's new-topic form shows the error and keeps the title,
    text, questions and times; no topic is made."""
    response = signed_in(facilitator).post(
        f"/c/{category.slug}/new/",
        {
            "title": "Backwards dialogue",
            "body": "A carefully written opening.",
            "prompts": "First question?\nSecond question?",
            "opens_at": "2031-03-08T09:00",
            "closes_at": "2031-03-01T09:00",
            "post": "1",
        },
    )
    assert response.status_code == 200
    page = html(response)
    assert "The dialogue must close after it opens." in text(response)
    assert 'value="Backwards dialogue"' in page
    assert "A carefully written opening." in page
    assert "First question?\nSecond question?" in page
    assert 'value="2031-03-08T09:00"' in page
    assert 'value="2031-03-01T09:00"' in page
    assert not Topic.objects.filter(title="Backwards dialogue").exists()


def test_services_refuse_a_close_before_the_opening(category, facilitator, topic):
    """create_topic and set_schedule raise ForumError and change nothing."""
    opens = in_hours(48)
    with pytest.raises(ForumError, match="close after it opens"):
        services.create_topic(
            category=category,
            author=facilitator,
            title="Backwards",
            body="Text.",
            prompts=["Lost?"],
            opens_at=opens,
            closes_at=opens - timedelta(minutes=1),
        )
    assert not Topic.objects.filter(title="Backwards").exists()
    with pytest.raises(ForumError, match="close after it opens"):
        facilitation.set_schedule(topic=topic, opens_at=opens, closes_at=opens)
    assert fresh(topic).opens_at is None
    assert fresh(topic).closes_at is None
