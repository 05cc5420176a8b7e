"""Every page of a category lists its topics in list order, and every page of a
topic its posts in thread or flat order, with none missed or repeated, whether
the page is read from the front or from the far end."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import queries, services
from forum.models import Post, Topic
from moderation import services as moderation
from tests.factories import CategoryFactory, TopicFactory, UserFactory


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
