"""Every page of a category lists its topics in list order, with no topic missed
or repeated, whether the page is read from the front or from the far end."""

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import queries
from forum.models import Topic
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
