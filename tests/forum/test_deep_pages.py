"""Every page of a category lists its topics in list order, and every page of a
topic its posts in thread or flat order, with none missed or repeated, whether
the page is read from the front or from the far end."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import queries, services
from forum.models import Post, Topic
from moderation import services as moderation
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.forum import plans


@pytest.mark.parametrize("topics", [1, 6, 7])
def test_pages_from_both_ends_cover_the_list_once(settings, topics):
    settings.FORUM_TOPICS_PER_PAGE = 2
    category = CategoryFactory()
    made = [TopicFactory(category=category) for _ in range(topics)]
    moderation.pin_topic(
        topic=made[len(made) // 2], actor=UserFactory(is_staff=True), pinned=True
    )
    category.refresh_from_db()
    expected = list(
        Topic.objects.filter(category=category)
        .in_list_order()
        .values_list("pk", flat=True)
    )
    seen = []
    pages = (topics + 1) // 2
    for number in range(1, pages + 1):
        rows, info = queries.category_page(
            category=category, viewer=AnonymousUser(), page=number
        )
        assert info.num_pages == pages
        seen += [row.topic.pk for row in rows]
    assert seen == expected
    assert (
        seen[0] == made[len(made) // 2].pk
    )  # pinned first, also on the far-end pages' reading


@pytest.mark.parametrize("view", ["threaded", "flat"])
@pytest.mark.parametrize("replies", [0, 5, 6, 9])
def test_topic_pages_from_both_ends_cover_the_thread_once(settings, view, replies):
    settings.FORUM_POSTS_PER_PAGE = 3
    topic = TopicFactory(replies=0)
    first = topic.first_post
    made = [first]
    for n in range(replies):
        # Some replies to the opening post, some deeper: thread order differs
        # from posting order.
        parent = made[n // 2] if n % 3 else first
        made.append(
            services.post_reply(
                topic=topic, author=UserFactory(), body=f"R{n}", parent=parent
            )
        )
    topic.refresh_from_db()
    order = "path" if view == "threaded" else "position"
    expected = list(
        Post.objects.filter(topic=topic, status=Post.Status.PUBLISHED)
        .order_by(order)
        .values_list("pk", flat=True)
    )
    seen = []
    pages = max(1, -(-len(expected) // 3))
    for number in range(1, pages + 1):
        data = queries.topic_page(
            topic=topic, viewer=AnonymousUser(), view=view, page=number
        )
        assert data.info.num_pages == pages
        seen += [post.pk for post in data.posts]
    assert seen == expected
    if view == "threaded" and replies:
        assert expected != sorted(expected)  # the thread order was exercised


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN ANALYZE (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("view, indexes", [
    ("threaded", {"post_published_thread_idx", "post_thread_idx"}),
    ("flat", {"post_published_flat_idx", "post_unique_position"}),
])  # fmt: skip
@pytest.mark.parametrize("number", [2, 70])
def test_a_topic_page_walks_an_index_alone(settings, view, indexes, number):
    """A page of a topic of 2,000 posts picks its ids by walking one index in the
    view's order, no more than half the posts (page 70 of 80 from the far end)."""
    settings.FORUM_POSTS_PER_PAGE = 25
    topic = TopicFactory(replies=0)
    Post.objects.bulk_create(
        Post(topic=topic, author=topic.author, author_name="x", body="b",
             body_html="<p>b</p>", position=p, path=f"{p:07d}", depth=0,
             parent_id=topic.first_post_id, status=Post.Status.PUBLISHED)
        for p in range(2, 2001)
    )  # fmt: skip
    services.recount_topic(topic=topic)
    topic.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE forum_post")
    info = queries.PageInfo(number=number, count=topic.post_count, per_page=25)
    with CaptureQueriesContext(connection) as captured:
        posts = queries.topic_posts(topic=topic, view=view, info=info)
    order = "path" if view == "threaded" else "position"
    expected = list(
        Post.objects.filter(topic=topic).order_by(order).values_list("pk", flat=True)
    )
    assert [p.pk for p in posts] == expected[(number - 1) * 25 : number * 25]
    (statement,) = [q["sql"] for q in captured.captured_queries]
    scans = plans.scans(statement)
    # Index-only once VACUUM could mark the table's pages (other transactions
    # running may hold it back); else the planner may walk the view's full index.
    walks = [s for s in scans if s.get("Index Name") in indexes]
    assert [s["Node Type"] in ("Index Only Scan", "Index Scan") for s in walks] == [
        True
    ], [(s["Node Type"], s.get("Index Name")) for s in scans]
    assert walks[0]["Actual Rows"] <= 1000  # half of 2,000, never all of them
