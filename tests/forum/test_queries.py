"""Page queries do not grow with the number of categories, topics, posts or readers."""

import pytest

from forum import services
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import count_queries


def build_topic(replies: int):
    category = CategoryFactory()
    make_facilitator(category)
    topic = TopicFactory(category=category)
    authors = [UserFactory(signature=f"Signature {n}") for n in range(3)]
    posts = [topic.first_post]
    for n in range(replies):
        posts.append(
            ReplyFactory(topic=topic, author=authors[n % 3], parent=posts[n // 2])
        )
    return topic


@pytest.mark.parametrize("signed_in", [False, True])
def test_topic_page_queries_are_flat(client, signed_in, settings):
    """The topic page runs the same queries with 5 and 60 posts."""
    settings.FORUM_POSTS_PER_PAGE = 100
    counts = []
    for replies in (4, 59):
        topic = build_topic(replies)
        reader = UserFactory()
        if signed_in:
            client.force_login(reader)
        # Signed in: the session, the user, the topic with the reader's read
        # mark, prompts, the category's facilitators, the page's posts, the
        # reader's pending posts and questions. Signed out: the page's versions
        # (its ETag), then the topic, prompts, facilitators and posts.
        reads = 7 if signed_in else 5
        counts.append(
            count_queries(client, topic.get_absolute_url(), reads_at_most=reads)
        )
        # A second visit (read mark exists) is flat too.
        counts.append(
            count_queries(client, topic.get_absolute_url(), reads_at_most=reads)
        )
    assert counts[0] == counts[2]
    assert counts[1] == counts[3]
    # A first visit also writes the read mark; a repeat visit does not.
    assert counts[1] <= (7 if signed_in else 5)
    assert max(counts) <= (8 if signed_in else 5)


@pytest.mark.parametrize("signed_in", [False, True])
def test_category_page_queries_are_flat(client, signed_in):
    """The category page runs the same queries with 2 and 25 topics."""
    counts = []
    for topics in (2, 25):
        category = CategoryFactory()
        for _ in range(topics):
            ReplyFactory(topic=TopicFactory(category=category))
        if signed_in:
            reader = UserFactory()
            client.force_login(reader)
            services.mark_read(
                user=reader,
                topic=category.topics.first(),
                read_up_to=None,
                positions=[1],
            )
        counts.append(count_queries(client, category.get_absolute_url()))
    assert counts[0] == counts[1]
    # Signed out: the category and its scheduled topics (the ETag), then the
    # category and its page of topics.
    assert counts[0] <= (5 if signed_in else 4)


@pytest.mark.parametrize("signed_in", [False, True])
def test_index_queries_are_flat(client, signed_in):
    """The index runs the same queries with 1 and 12 categories."""
    counts = []
    for categories in (1, 11):
        for _ in range(categories):
            TopicFactory(category=CategoryFactory(), replies=1)
        if signed_in:
            client.force_login(UserFactory())
        counts.append(count_queries(client, "/"))
    assert counts[0] == counts[1]
    # Signed out: the categories' versions (the ETag), then the categories.
    assert counts[0] <= (3 if signed_in else 2)


def test_profile_queries_are_flat(client):
    """A profile page runs the same queries with few and many posts."""
    counts = []
    for posts in (1, 15):
        user = UserFactory()
        topic = TopicFactory(author=user)
        for _ in range(posts):
            ReplyFactory(topic=topic, author=user)
        counts.append(count_queries(client, user.get_absolute_url()))
    assert counts[0] == counts[1]
