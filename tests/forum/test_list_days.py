"""The day counts (TopicListDay) that let a deep category page start where it
should: the database keeps them right through every kind of write, and every
page read through them lists exactly the topics a full walk of the list would."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts
from forum import listdays, queries, services
from forum.models import Post, Topic, TopicListDay
from moderation import services as moderation
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.forum import plans
from tests.forum.daycounts import counted, truth

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def spread(topics: list[Topic], days: list[int]) -> None:
    """Set each topic's last activity to DAY + days[i] days (at a varying hour,
    midnight included), as the database would hold it after replies."""
    for i, (topic, offset) in enumerate(zip(topics, days, strict=True)):
        when = (
            DAY + timedelta(days=offset, hours=(i * 7) % 24)
            if offset is not None
            else None
        )
        Topic.objects.filter(pk=topic.pk).update(last_post_at=when)


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def test_counts_follow_every_kind_of_write(staff):
    one, two = CategoryFactory(), CategoryFactory()
    topics = [TopicFactory(category=one) for _ in range(5)] + [
        TopicFactory(category=two)
    ]
    assert counted() == truth()
    spread(topics, [0, 0, 1, 3, None, 2])  # a queryset update per topic
    assert counted() == truth()
    services.post_reply(topic=topics[0], author=UserFactory(), body="A reply today.")
    assert counted() == truth()
    moderation.pin_topic(topic=topics[2], actor=staff, pinned=True)
    assert counted() == truth()
    moderation.pin_topic(topic=topics[2], actor=staff, pinned=False)
    moderation.pin_topic(topic=topics[3], actor=staff, pinned=True)
    assert counted() == truth()
    moderation.move_topic(topic=topics[3], actor=staff, category=two)
    moderation.move_topic(topic=topics[1], actor=staff, category=two)
    assert counted() == truth()
    # Hiding the last reply takes the topic's last activity back to its opening.
    reply = services.post_reply(topic=topics[5], author=UserFactory(), body="Later.")
    Post.objects.filter(pk=reply.pk).update(created_at=DAY + timedelta(days=40))
    services.recount_topic(topic=topics[5])
    assert counted() == truth()
    moderation.hide_post(post=reply, actor=staff, reason="Off topic.")
    assert counted() == truth()
    Topic.objects.filter(category=two).update(last_post_at=F("created_at"))  # bulk
    assert counted() == truth()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forum_topic SET last_post_at = NULL WHERE id = %s", [topics[0].pk]
        )
    assert counted() == truth()
    Topic.objects.filter(pk=topics[4].pk).update(title="Renamed")  # not counted
    assert counted() == truth()
    Post.objects.filter(topic=topics[4]).delete()
    Topic.objects.filter(pk=topics[4].pk).delete()
    assert counted() == truth()
    assert sum(counted().values()) == Topic.objects.count() == 5


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables")
def test_triggers_a_table_rebuild_dropped_come_back_after_migrate(db):
    """SQLite drops a table's triggers when a migration rebuilds it: after any
    migrate they are back, and the counts are made again from the topics."""
    category = CategoryFactory()
    [TopicFactory(category=category) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER forum_topic_list_days_insert")
    TopicFactory(category=category)  # not counted
    total = TopicListDay.objects.aggregate(total=Sum("n"))["total"]
    assert total != Topic.objects.count()
    listdays.ensure(using=connection.alias)
    assert listdays.present(connection) == listdays.TRIGGERS["sqlite"]
    assert counted() == truth()
    TopicFactory(category=category)
    assert counted() == truth()


def test_every_trigger_is_there():
    assert listdays.present(connection) >= listdays.TRIGGERS.get(
        connection.vendor, set()
    )


def expected_pages(category, per_page: int) -> list[list[int]]:
    ids = list(
        Topic.objects.filter(category=category)
        .in_list_order()
        .values_list("pk", flat=True)
    )
    return [ids[i : i + per_page] for i in range(0, len(ids), per_page)]


def read_pages(category, queries_seen=None) -> list[list[int]]:
    category.refresh_from_db()
    pages = []
    number = 1
    while True:
        with CaptureQueriesContext(connection) as captured:
            rows, info = queries.category_page(
                category=category, viewer=AnonymousUser(), page=number
            )
        if queries_seen is not None:
            queries_seen.append([q["sql"] for q in captured.captured_queries])
        pages.append([row.topic.pk for row in rows])
        if number >= info.num_pages:
            return pages
        number += 1


@pytest.fixture
def days_category(db, staff):
    """27 topics over 8 days, several on one day, two pinned and two with no
    last post (NULL sorts first on PostgreSQL, last on SQLite)."""
    category = CategoryFactory()
    topics = [TopicFactory(category=category) for _ in range(27)]
    days = [0, 0, 0, 0, 0, 1, 2, 2, 3, 5, 5, 5, 5, 6, 7, 7, 7, 7, 7, 8, 8, 9, 9, 9,
            None, None, 4]  # fmt: skip
    spread(topics, days)
    for topic in (topics[3], topics[20]):
        moderation.pin_topic(topic=topic, actor=staff, pinned=True)
    return category


@pytest.mark.parametrize("per_page", [1, 2, 4, 5])
def test_pages_through_the_day_counts_match_a_full_walk(
    settings, days_category, per_page
):
    settings.FORUM_TOPICS_PER_PAGE = per_page
    settings.FORUM_LIST_DAYS_AFTER = 0
    seen = []
    assert read_pages(days_category, seen) == expected_pages(days_category, per_page)
    # The deep pages did ask the day counts.
    asked = [any("forum_topiclistday" in sql for sql in page) for page in seen]
    assert sum(asked) >= len(seen) // 2


@pytest.mark.parametrize("per_page", [3, 4])
def test_pages_across_the_topics_with_no_last_post(settings, db, per_page):
    """Topics with no last post sort before every day on PostgreSQL and after
    them on SQLite; pages that reach into them through a day stay right."""
    settings.FORUM_TOPICS_PER_PAGE = per_page
    settings.FORUM_LIST_DAYS_AFTER = 0
    category = CategoryFactory()
    topics = [TopicFactory(category=category) for _ in range(18)]
    spread(topics, [0, 1, 1, 2, 3, 3, 4, 5, 6, 6] + [None] * 8)
    seen = []
    assert read_pages(category, seen) == expected_pages(category, per_page)
    assert any("forum_topiclistday" in sql for page in seen for sql in page)


def test_pages_stay_right_as_topics_move(settings, days_category, staff):
    settings.FORUM_TOPICS_PER_PAGE = 3
    settings.FORUM_LIST_DAYS_AFTER = 0
    topics = list(Topic.objects.filter(category=days_category).order_by("pk"))
    services.post_reply(topic=topics[10], author=UserFactory(), body="Back on top.")
    moderation.pin_topic(topic=topics[3], actor=staff, pinned=False)
    moderation.move_topic(topic=topics[7], actor=staff, category=CategoryFactory())
    spread([topics[25]], [4])  # a topic with no last post gets one
    assert read_pages(days_category) == expected_pages(days_category, 3)


def test_counts_that_do_not_add_up_are_not_trusted(settings, days_category):
    """If the counts ever disagree with the category's topic count, pages walk
    the list as before, and stay right."""
    settings.FORUM_TOPICS_PER_PAGE = 2
    settings.FORUM_LIST_DAYS_AFTER = 0
    TopicListDay.objects.filter(category=days_category, n__gt=0).update(n=F("n") + 1)
    assert read_pages(days_category) == expected_pages(days_category, 2)


def test_pages_near_either_end_do_not_ask(settings, days_category):
    settings.FORUM_TOPICS_PER_PAGE = 2
    settings.FORUM_LIST_DAYS_AFTER = 5000
    seen = []
    assert read_pages(days_category, seen) == expected_pages(days_category, 2)
    assert not any("forum_topiclistday" in sql for page in seen for sql in page)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN ANALYZE (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_a_deep_page_reads_one_day_of_the_list_index_alone(settings):
    """In a category of 300 topics over 30 days, a middle page is one statement
    with no join, answered by a scan of the list index alone that reads at most
    its day's entries (a walk would read 150 or more). It is an index-only scan
    once VACUUM could mark the table's pages, which other transactions running at
    the time may hold back; then it still visits rows to check visibility."""
    settings.FORUM_TOPICS_PER_PAGE = 7
    settings.FORUM_LIST_DAYS_AFTER = 20
    category = CategoryFactory()
    TopicFactory(category=category)
    author = Topic.objects.get(category=category).author
    Topic.objects.bulk_create(
        Topic(category=category, title=f"T{i}", author=author, author_name="x",
              last_post_at=DAY + timedelta(days=i % 30, minutes=i))
        for i in range(299)
    )  # fmt: skip
    services.recount_category(category=category)
    category.refresh_from_db()
    assert category.topic_count == 300
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE forum_topic")  # as autovacuum would
    # Page 22 starts at the 148th topic: the 8th of the 15th day.
    info = queries.PageInfo(number=22, count=300, per_page=7)
    with CaptureQueriesContext(connection) as captured:
        page = queries.category_topics(category=category, info=info)
    assert [t.pk for t in page] == expected_pages(category, 7)[21]
    assert len(captured.captured_queries) == 2  # the day, then the page
    listing = captured.captured_queries[-1]["sql"]
    assert "JOIN" not in listing
    scans = plans.scans(listing)
    # Index-only once VACUUM could mark the table's pages (see above).
    assert [s["Node Type"] in ("Index Only Scan", "Index Scan") for s in scans] == [
        True
    ], scans
    assert scans[0]["Index Name"] == "topic_list_idx"
    assert scans[0]["Actual Rows"] <= 7 + 7  # 7 topics of its day, then the page


def test_rows_show_the_last_post_from_the_topic_alone(staff, django_assert_num_queries):
    """A list row's last post (author, time, link) is kept on the topic through
    replies, approvals, hiding, renames and deleted accounts, and reading it
    runs no query."""
    category = CategoryFactory()
    topic = TopicFactory(category=category)
    writer = UserFactory(display_name="Writer One")

    def check():
        for t in Topic.objects.all():
            last = Post.objects.filter(pk=t.last_post_id).first()
            with django_assert_num_queries(0):
                latest = t.latest
            if last is None:
                assert latest is None
            else:
                assert (latest.pk, latest.author_name, latest.created_at) == (
                    last.pk,
                    last.author_name,
                    last.created_at,
                )

    check()
    reply = services.post_reply(topic=topic, author=writer, body="My reply.")
    check()
    assert Topic.objects.get(pk=topic.pk).latest.author_name == "Writer One"
    accounts.update_profile(user=writer, display_name="Writer Renamed", signature="")
    check()
    assert Topic.objects.get(pk=topic.pk).latest.author_name == "Writer Renamed"
    moderation.hide_post(post=reply, actor=staff, reason="Off topic.")
    Post.objects.filter(pk=reply.pk).update(created_at=DAY)
    services.recount_topic(topic=topic)
    check()
    accounts.delete_account(user=writer, actor=staff, remove_posts=False)
    check()
    assert Topic.objects.get(pk=topic.pk).latest.author_name == (
        accounts.FORMER_PARTICIPANT
    )
    rows, _ = queries.category_page(category=category, viewer=AnonymousUser(), page=1)
    assert rows[0].topic.latest.author_name == accounts.FORMER_PARTICIPANT
