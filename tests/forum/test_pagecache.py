"""Signed-out pages are cached whole, and every kind of change shows at once.

These tests commit for real (transaction=True): the cache is bypassed inside an
open transaction, and invalidation happens when a write commits.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from facilitation import services as facilitation
from forum import pagecache, services
from moderation import services as moderation
from tests.factories import (
    CategoryFactory,
    UserFactory,
    make_facilitator,
)

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(client: Client, url: str) -> tuple[str, str]:
    """The page's text and whether it came from the cache (hit, miss or '')."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), response.get("X-Page-Cache", "")


def warm(client: Client, url: str) -> str:
    """Fetch twice; the second answer must come from the cache."""
    fetch(client, url)
    page, state = fetch(client, url)
    assert state == "hit"
    return page


@pytest.fixture
def anon():
    return Client()


def pages(topic):
    return [topic.get_absolute_url(), topic.category.get_absolute_url(), "/"]


def test_signed_out_pages_are_served_from_the_cache(anon, dialogue):
    """The second signed-out visit to the index, a category or a topic is a hit."""
    topic, _, _ = dialogue
    for url in pages(topic):
        first, state = fetch(anon, url)
        assert state == "miss"
        assert warm(anon, url) == first


def test_cache_hit_runs_no_sql(anon, dialogue, django_assert_max_num_queries):
    """A cached topic page costs no database query (the generation is in the cache)."""
    topic, _, _ = dialogue
    warm(anon, topic.get_absolute_url())
    with django_assert_max_num_queries(0):
        assert fetch(anon, topic.get_absolute_url())[1] == "hit"


def test_signed_in_readers_never_get_cached_pages(client, dialogue):
    """A reader with a session is served a fresh page, never a shared one."""
    topic, _, _ = dialogue
    warm(Client(), topic.get_absolute_url())
    client.force_login(UserFactory())
    response = client.get(topic.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "Sign out" in response.content.decode()


def test_signed_out_pages_carry_no_csrf_token(anon, dialogue):
    """Signed-out pages hold nothing per visitor, so sharing them is safe."""
    topic, _, _ = dialogue
    for url in pages(topic):
        response = anon.get(url)
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert not response.cookies


def test_view_choice_is_part_of_the_key(anon, dialogue):
    """Threaded and flat readers each get their own copy."""
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    threaded = warm(anon, url)
    response = anon.get("/view/", {"view": "flat", "next": url})
    assert response.status_code == 302
    flat, state = fetch(anon, url)
    assert state == "miss"
    assert "thread-flat" in flat
    assert "thread-threaded" in threaded


def test_signed_in_view_switch_needs_post(client, dialogue):
    """A signed-in reader's choice is saved by POST only (CSRF-protected)."""
    client.force_login(UserFactory())
    assert client.get("/view/", {"view": "flat", "next": "/"}).status_code == 405


CHANGES = {
    "reply": lambda t, r, f: (
        services.post_reply(topic=t, author=f, body="A brand new voice."),
        "A brand new voice.",
    ),
    "edit": lambda t, r, f: (
        services.edit_post(post=r, editor=f, body="Edited by the facilitator."),
        "Edited by the facilitator.",
    ),
    "hide": lambda t, r, f: (
        moderation.hide_post(post=r, actor=f, reason="Off topic"),
        "hidden by a facilitator",
    ),
    "lock": lambda t, r, f: (
        moderation.lock_topic(topic=t, actor=f, note="Thank you all."),
        "Topic locked",
    ),
    "rename": lambda t, r, f: (
        moderation.rename_topic(topic=t, actor=f, title="Better words"),
        "Better words",
    ),
    "pin": lambda t, r, f: (
        moderation.pin_topic(topic=t, actor=f, pinned=True),
        "Pinned",
    ),
    "display name": lambda t, r, f: (
        account_services.update_profile(
            user=r.author, display_name="Renamed Person", signature=""
        ),
        "Renamed Person",
    ),
    "signature": lambda t, r, f: (
        account_services.update_profile(
            user=r.author, display_name="", signature="Greetings from the coast"
        ),
        "Greetings from the coast",
    ),
    "summary": lambda t, r, f: (
        facilitation.set_summary(
            topic=t, editor=f, summary="We agreed on three things."
        ),
        "We agreed on three things.",
    ),
}
# Which page shows each change: the topic page shows them all.
SHOWN_ON = {
    "rename": lambda t: [t.get_absolute_url(), t.category.get_absolute_url()],
    "pin": lambda t: [t.category.get_absolute_url()],
    "lock": lambda t: [t.get_absolute_url(), t.category.get_absolute_url()],
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_change_shows_at_once(anon, dialogue, kind):
    """After any change, the next signed-out visit shows it (no stale copy)."""
    topic, reply, facilitator = dialogue
    urls = SHOWN_ON.get(kind, lambda t: [t.get_absolute_url()])(topic)
    for url in urls:
        warm(anon, url)
    _, expected = CHANGES[kind](topic, reply, facilitator)
    for url in urls:
        page, state = fetch(anon, url)
        assert state == "miss", url
        assert expected in page, url


def test_reply_updates_the_lists_at_once(anon, dialogue):
    """A new reply changes the counts and last post on the category and index."""
    topic, _, _ = dialogue
    author = UserFactory(display_name="Late Arrival")
    for url in pages(topic)[1:]:
        assert "Late Arrival" not in warm(anon, url)
    services.post_reply(topic=topic, author=author, body="Hello all.")
    for url in pages(topic)[1:]:
        page, state = fetch(anon, url)
        assert state == "miss"
        assert "Late Arrival" in page


def test_move_shows_in_both_categories(anon, dialogue):
    """A moved topic leaves the old category's page and joins the new one's."""
    topic, _, facilitator = dialogue
    target = CategoryFactory(name="Archive", slug="archive")
    make_facilitator(target, username=f"{facilitator.username}-x")
    assert "First words" in warm(anon, topic.category.get_absolute_url())
    assert "First words" not in warm(anon, target.get_absolute_url())
    old_url = topic.category.get_absolute_url()
    moderation.move_topic(
        topic=topic, actor=UserFactory(is_staff=True), category=target
    )
    assert "First words" not in fetch(anon, old_url)[0]
    assert "First words" in fetch(anon, target.get_absolute_url())[0]


def test_new_facilitator_badge_shows_at_once(anon, dialogue):
    """Appointing a facilitator changes their posts' badges everywhere at once."""
    topic, reply, _ = dialogue
    url = topic.get_absolute_url()
    before = warm(anon, url)
    moderation.appoint_facilitator(
        user=reply.author, category=topic.category, actor=UserFactory(is_staff=True)
    )
    after, state = fetch(anon, url)
    assert state == "miss"
    assert after.count("Facilitator") > before.count("Facilitator")


def test_writes_outside_a_request_invalidate(anon, dialogue):
    """A dialogue closed by the scheduled command shows as locked at once."""
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    warm(anon, url)
    facilitation.set_schedule(
        topic=topic, opens_at=None, closes_at=timezone.now() + timedelta(seconds=1)
    )
    warm(anon, url)
    type(topic).objects.filter(pk=topic.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    assert facilitation.close_due_dialogues() == 1
    page, state = fetch(anon, url)
    assert state == "miss"
    assert "Topic locked" in page


def test_pages_expire_when_the_phase_changes(anon, dialogue):
    """A page is kept no longer than until the dialogue's phase next changes."""
    topic, _, _ = dialogue
    facilitation.set_schedule(
        topic=topic, opens_at=None, closes_at=timezone.now() + timedelta(days=3)
    )
    response = anon.get(topic.get_absolute_url())
    topic.refresh_from_db()
    seconds = topic.seconds_until_phase_change()
    assert 2 * 86400 - 5 < seconds <= 2 * 86400 + 1
    assert response.get("X-Page-Cache") == "miss"


def test_private_rows_do_not_invalidate(anon, dialogue):
    """Read marks and sign-ins write no shown rows, so cached pages stay."""
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    user = UserFactory()
    warm(anon, url)
    reader = Client()
    assert reader.login(username=user.username, password="correct-horse-battery")
    reader.get(url)
    assert fetch(anon, url)[1] == "hit"


def test_write_statements_are_classified():
    """Only writes to tables shown on signed-out pages invalidate."""
    shown = pagecache.changes_shown_rows
    assert shown('INSERT INTO "forum_post" ("topic_id") VALUES (%s)')
    assert shown('UPDATE "forum_topic" SET "is_locked" = %s WHERE "id" = %s')
    assert shown('DELETE FROM "moderation_facilitator" WHERE "id" = %s')
    assert shown('UPDATE "accounts_user" SET "display_name" = %s WHERE "id" = %s')
    assert not shown(
        'UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s'
    )
    assert not shown(
        'UPDATE "accounts_user" SET "unread_notifications" = '
        '("accounts_user"."unread_notifications" + %s) WHERE "accounts_user"."id" = %s'
    )
    assert shown(
        'UPDATE "accounts_user" SET "last_login" = %s, "display_name" = %s '
        'WHERE "accounts_user"."id" = %s'
    )
    assert not shown('INSERT INTO "forum_topicread" ("user_id") VALUES (%s)')
    assert not shown('UPDATE "forum_notification" SET "read_at" = %s')
    assert not shown('INSERT INTO "forum_watch" ("user_id") VALUES (%s)')
    assert not shown('UPDATE "django_session" SET "expire_date" = %s')
    assert not shown('SELECT * FROM "forum_post"')
    assert not shown('INSERT INTO "moderation_auditentry" ("id") VALUES (%s)')
    # SQLite's spelling of an insert that skips conflicts.
    assert shown('INSERT OR IGNORE INTO "forum_post" ("topic_id") VALUES (%s)')


def test_other_writes_bump_the_private_generation():
    """Writes to rows only their own reader sees (and to any other table but
    sessions, the cache table and queued tasks) change signed-in readers' pages."""
    which = pagecache.bump_for
    private = pagecache.bump_private
    assert which('INSERT INTO "forum_post" ("topic_id") VALUES (%s)') is pagecache.bump
    assert which('INSERT OR IGNORE INTO "forum_topicread" ("u") VALUES (%s)') is private
    assert which('UPDATE "forum_notification" SET "read_at" = %s') is private
    assert which('DELETE FROM "forum_watch" WHERE "id" = %s') is private
    assert which('INSERT INTO "moderation_report" ("id") VALUES (%s)') is private
    assert (
        which('UPDATE "accounts_user" SET "last_login" = %s WHERE "id" = %s') is private
    )
    assert which('INSERT INTO "account_emailaddress" ("id") VALUES (%s)') is private
    assert which('UPDATE "django_session" SET "expire_date" = %s') is None
    assert which('INSERT INTO "django_cache" ("cache_key") VALUES (%s)') is None
    assert which('INSERT INTO "django_tasks_database_dbtaskresult" VALUES (%s)') is None
    assert which('SELECT * FROM "forum_topicread"') is None


def test_a_rolled_back_write_leaves_the_cache_alone(anon, dialogue):
    """Nothing is bumped for a transaction that does not commit."""
    from django.db import transaction

    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    warm(anon, url)
    before = pagecache.generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.rename_topic(topic=topic, title="Never saved")
        raise RuntimeError
    assert pagecache.generation() == before
    assert fetch(anon, url)[1] == "hit"


def test_every_connection_watches_writes():
    """The write watcher is installed on the database connection."""
    connection.ensure_connection()
    assert pagecache.watch_writes in connection.execute_wrappers


def test_cache_off_serves_fresh_pages(anon, dialogue, settings):
    """FORUM_PAGE_CACHE_TIMEOUT = 0 turns the page cache off."""
    settings.FORUM_PAGE_CACHE_TIMEOUT = 0
    topic, _, _ = dialogue
    assert fetch(anon, topic.get_absolute_url())[1] == ""
    assert not caches["pages"].get(pagecache.GENERATION_KEY)


def test_a_lost_generation_never_comes_back_to_an_old_value(anon, dialogue):
    """If the shared counter is lost (evicted, Redis restarted), the new one is
    unlike any earlier value, so no process serves a page cached before."""
    from django.core.cache import cache

    topic, _, _ = dialogue
    warm(anon, topic.get_absolute_url())
    old = pagecache.generation()
    cache.delete(pagecache.GENERATION_KEY)
    assert pagecache.generation() != old
    assert fetch(anon, topic.get_absolute_url())[1] == "miss"


def test_no_shared_cache_means_no_page_cache(anon, dialogue, monkeypatch):
    """When the generation cannot be read or bumped, pages are served fresh and
    writes still succeed."""
    topic, _, facilitator = dialogue

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(pagecache, "_shared", Down)
    assert fetch(anon, topic.get_absolute_url())[1] == ""
    moderation.lock_topic(topic=topic, actor=facilitator, note="")
    assert "Topic locked" in fetch(anon, topic.get_absolute_url())[0]


def test_the_same_atomic_function_bumps_every_time(dialogue):
    """A function decorated with transaction.atomic reuses one Atomic object for
    every call on a connection: each call's write still bumps the generation."""
    from django.db import transaction

    from forum.models import Topic

    topic, _, _ = dialogue

    @transaction.atomic
    def rename(title: str) -> None:
        Topic.objects.filter(pk=topic.pk).update(title=title)

    seen = [pagecache.generation()]
    for title in ("First rename", "Second rename", "Third rename"):
        rename(title)
        seen.append(pagecache.generation())
    assert seen == sorted(set(seen)), seen


def test_a_rolled_back_savepoint_does_not_lose_the_bump(dialogue):
    from django.db import transaction

    from forum.models import Topic

    topic, _, _ = dialogue
    before = pagecache.generation()
    with transaction.atomic():
        try:
            with transaction.atomic():
                Topic.objects.filter(pk=topic.pk).update(title="Undone")
                raise RuntimeError
        except RuntimeError:
            pass
        Topic.objects.filter(pk=topic.pk).update(title="Kept")
    assert pagecache.generation() > before
