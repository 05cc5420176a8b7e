"""A topic page with many attached photos: the same number of SQL statements
whatever their number (the thumbnails' sizes are in each post's stored HTML),
and every thumbnail sized and lazy-loaded."""

import re

from attachments import services as attachment_services
from forum import services
from tests.factories import TopicFactory
from tests.helpers import count_queries, html

IMAGE = re.compile(r"<img [^>]*>")


def topic_with_photos(*, category, author, photo, count: int):
    """A topic whose count replies each show a photo their author uploaded."""
    topic = TopicFactory(category=category, title=f"{count} photos of the market")
    for n in range(count):
        attachment = attachment_services.store(
            owner=author,
            upload=photo(f"stall-{n}.jpg", size=(640, 480)),
            description=f"Stall number {n}",
        )
        services.post_reply(
            topic=topic,
            author=author,
            body=f"Stall {n}.\n\n![Stall number {n}](/a/{attachment.pk}/)",
        )
    return topic


def test_queries_do_not_grow_with_the_photos(member_client, user, category, photo):
    warm_up = topic_with_photos(category=category, author=user, photo=photo, count=1)
    few = topic_with_photos(category=category, author=user, photo=photo, count=2)
    many = topic_with_photos(category=category, author=user, photo=photo, count=20)
    # The first page of a category looks up its facilitators, kept for the next.
    count_queries(member_client, warm_up.get_absolute_url())
    assert count_queries(member_client, few.get_absolute_url()) == count_queries(
        member_client, many.get_absolute_url()
    )


def test_every_thumbnail_is_sized_and_lazy(client, user, category, photo):
    topic = topic_with_photos(category=category, author=user, photo=photo, count=20)
    page = html(client.get(topic.get_absolute_url()))
    images = IMAGE.findall(page)
    assert len(images) == 20
    for n, image in enumerate(images):
        assert re.search(r'src="/a/\d+/thumb/"', image), image
        assert f'alt="Stall number {n}"' in image
        assert re.search(r'width="[1-9]\d*"', image), image
        assert re.search(r'height="[1-9]\d*"', image), image
        assert 'loading="lazy"' in image
